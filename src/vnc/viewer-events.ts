import { errorMessage } from '../errors';
import type { ViewerInput } from './client';
import type { Display, PowerAction } from './display';
import type { Logger } from './logger';

/**
 * What viewers do, handed to the display's listeners. A listener that throws
 * is the embedder's failure, not the viewer's: it is logged, and the viewer
 * stays connected.
 */
export function emitInput(display: Display, logger: Logger, label: string, input: ViewerInput): void {
  try {
    if (input.kind === 'key') display.emit('key', input.key);
    else if (input.kind === 'pointer') display.emit('pointer', input.pointer);
    else display.emit('clipboard', input.text);
  } catch (error) {
    logger.error(`${label}: input handler threw: ${describe(error)}`);
  }
}

/** A viewer's xvp request, for the display's 'power' listener; false when there is none or it threw. */
export function emitPower(display: Display, logger: Logger, label: string, action: PowerAction): boolean {
  if (display.listenerCount('power') === 0) {
    logger.info(`${label}: asked for ${action}: refused (no 'power' listener)`);
    return false;
  }
  logger.info(`${label}: asked for ${action}`);
  try {
    display.emit('power', { action });
    return true;
  } catch (error) {
    logger.error(`${label}: power handler threw: ${describe(error)}`);
    return false;
  }
}

function describe(error: unknown): string {
  return errorMessage(error);
}
