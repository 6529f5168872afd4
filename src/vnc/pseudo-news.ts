import type { Capabilities } from './capabilities';
import type { PseudoUpdate } from './client-updates';
import type { Display } from './display';
import type { EncodedRect } from './encoders';
import { cursorRect, cursorWithAlphaRect } from './encoders/cursor';
import {
  desktopNameRect,
  extendedDesktopSizeRect,
  ledStateRect,
  pointerMotionChangeRect,
  qemuExtendedKeyEventRect,
} from './encoders/pseudo';
import { LedBit } from './protocol/constants';
import type { PixelFormat } from './protocol/pixel-format';
import { singleScreen } from './protocol/screen-layout';

/** Whether a client with these capabilities can be told this kind of news. */
export function acceptsNews(capabilities: Capabilities, kind: PseudoUpdate['kind']): boolean {
  switch (kind) {
    case 'cursor':
      return capabilities.cursor || capabilities.cursorWithAlpha;
    case 'leds':
      return capabilities.qemuLedState;
    case 'name':
      return capabilities.desktopName;
    case 'pointer-mode':
      return capabilities.qemuPointerMotion;
    case 'qemu-key-ack':
      return capabilities.qemuKeyEvent;
    case 'layout':
      return capabilities.extendedDesktopSize;
  }
}

/** The pseudo-rectangle carrying a piece of news, from the display's current state; nothing if there is none to tell. */
export function pseudoRectFor(
  update: PseudoUpdate,
  display: Display,
  capabilities: Capabilities,
  clientFormat: PixelFormat,
): EncodedRect | undefined {
  switch (update.kind) {
    case 'cursor': {
      const cursor = display.cursor;
      if (!cursor) return undefined;
      return capabilities.cursorWithAlpha ? cursorWithAlphaRect(cursor) : cursorRect(cursor, clientFormat);
    }
    case 'leds': {
      const leds = display.leds;
      if (!leds) return undefined;
      const bits = (leds.scrollLock ? LedBit.SCROLL_LOCK : 0) | (leds.numLock ? LedBit.NUM_LOCK : 0) | (leds.capsLock ? LedBit.CAPS_LOCK : 0);
      return ledStateRect(bits);
    }
    case 'name':
      return desktopNameRect(display.name);
    case 'pointer-mode':
      return pointerMotionChangeRect(!display.relativePointer, display.width, display.height);
    case 'qemu-key-ack':
      return qemuExtendedKeyEventRect();
    case 'layout':
      return extendedDesktopSizeRect({
        reason: update.reason,
        status: update.status,
        width: display.width,
        height: display.height,
        screens: singleScreen(display.width, display.height),
      });
  }
}
