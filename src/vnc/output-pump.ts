import { errorMessage } from '../errors';
import type { Channel } from '../io';

/** Where the pump gets updates: the next one's bytes (undefined when resolved: nothing to send after all), or undefined when none is due. */
export type NextUpdate = () => Promise<Uint8Array[] | undefined> | undefined;

/** The session as the pump sees it. */
export interface PumpedSession {
  readonly channel: Channel;
  readonly isRunning: boolean;
  close(reason: string): void;
}

/** A client whose queue passes this many times its limit has stopped reading: it is dropped. */
const DROP_FACTOR = 5;

/**
 * Moves a client's updates to its channel, one at a time and never faster
 * than the client reads: while more than `limit()` bytes wait in its queue, no
 * new update is produced (changes keep accumulating as dirty tiles instead), and
 * a client whose queue still passes five times the limit is dropped.
 */
export class OutputPump {
  private scheduled = false;
  private inFlight = false;
  private waitingForDrain = false;

  constructor(
    private readonly session: PumpedSession,
    private readonly limit: () => number,
    private readonly next: NextUpdate,
  ) {}

  /** Several triggers in one turn of the event loop (a burst of damage) make one update. */
  schedule(): void {
    if (this.scheduled || !this.session.isRunning) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Writes any message (updates and others), enforcing the hard limit. */
  send(chunks: readonly Uint8Array[]): void {
    const { channel } = this.session;
    channel.write(...chunks);
    const hardLimit = DROP_FACTOR * this.limit();
    if (channel.queuedBytes > hardLimit) {
      this.session.close(`client too slow: ${channel.queuedBytes} bytes queued, limit ${hardLimit}`);
    }
  }

  private pump(): void {
    if (!this.session.isRunning || this.inFlight) return;
    if (this.session.channel.queuedBytes > this.limit()) {
      this.waitForDrain();
      return;
    }
    const update = this.next();
    if (update === undefined) return;
    this.inFlight = true;
    update.then(
      (chunks) => {
        this.inFlight = false;
        if (!this.session.isRunning) return;
        if (chunks) this.send(chunks);
        this.schedule();
      },
      (error: unknown) => {
        this.inFlight = false;
        this.session.close(`encoding failed: ${errorMessage(error)}`);
      },
    );
  }

  private waitForDrain(): void {
    if (this.waitingForDrain) return;
    this.waitingForDrain = true;
    this.session.channel.flush().then(
      () => {
        this.waitingForDrain = false;
        this.schedule();
      },
      () => undefined, // closed meanwhile: nothing left to send
    );
  }
}
