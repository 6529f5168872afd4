/**
 * Pseudo-rectangles: entries of a FramebufferUpdate that carry state, not
 * pixels. Each is an EncodedRect whose rect fields mean what the pseudo-encoding
 * says (rfbproto "Pseudo-encodings"). Cursors are in cursor.ts.
 */
import { VncError, VncErrorCode } from '../errors';
import { Encoding, type DesktopSizeReason, type DesktopSizeStatus } from '../protocol/constants';
import { writeScreens, type Screen } from '../protocol/screen-layout';
import { MessageWriter } from '../protocol/writer';
import type { EncodedRect } from './encoder';

const EMPTY = { x: 0, y: 0, w: 0, h: 0 } as const;

/** DesktopName (-307): all rect fields zero, then u32 length + UTF-8 name. */
export function desktopNameRect(name: string): EncodedRect {
  return { rect: EMPTY, encoding: Encoding.DESKTOP_NAME, body: [new MessageWriter().string(name).finish()] };
}

export interface ExtendedDesktopSize {
  readonly reason: DesktopSizeReason;
  /** OK unless this answers the receiving client's own SetDesktopSize. */
  readonly status: DesktopSizeStatus;
  readonly width: number;
  readonly height: number;
  readonly screens: readonly Screen[];
}

/**
 * ExtendedDesktopSize (-308): x = reason, y = status, w × h = framebuffer size;
 * body u8 number of screens, 3 padding, the screens. An update holding one must
 * carry no pixel rectangles (rfbproto).
 */
export function extendedDesktopSizeRect(change: ExtendedDesktopSize): EncodedRect {
  const body = new MessageWriter(4 + 16 * change.screens.length).u8(change.screens.length).padding(3);
  writeScreens(body, change.screens);
  return {
    rect: { x: change.reason, y: change.status, w: change.width, h: change.height },
    encoding: Encoding.EXTENDED_DESKTOP_SIZE,
    body: [body.finish()],
  };
}

/** QEMU LED state (-261): one byte of LedState bits. QEMU sends the rect as 1×1 at 0,0. */
export function ledStateRect(state: number): EncodedRect {
  if (!(Number.isInteger(state) && state >= 0 && state <= 0xff)) {
    throw new VncError(VncErrorCode.OUT_OF_BOUNDS, `LED state ${state} is not a byte`);
  }
  return { rect: { x: 0, y: 0, w: 1, h: 1 }, encoding: Encoding.QEMU_LED_STATE, body: [Buffer.of(state)] };
}

/**
 * QEMU pointer motion change (-257): x = 1 asks for absolute positions (the RFB
 * default), x = 0 for relative deltas around 0x7fff. No body. QEMU also puts the
 * framebuffer size in w × h; clients read only x.
 */
export function pointerMotionChangeRect(absolute: boolean, width = 0, height = 0): EncodedRect {
  return { rect: { x: absolute ? 1 : 0, y: 0, w: width, h: height }, encoding: Encoding.QEMU_POINTER_MOTION_CHANGE, body: [] };
}

/**
 * QEMU extended key event (-258), empty: tells the client it may send 255/0
 * key events with keycodes. Send it in answer to a SetEncodings listing -258.
 */
export function qemuExtendedKeyEventRect(): EncodedRect {
  return { rect: EMPTY, encoding: Encoding.QEMU_EXTENDED_KEY_EVENT, body: [] };
}
