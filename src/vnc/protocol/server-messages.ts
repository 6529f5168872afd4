import { VncError, VncErrorCode } from '../errors';
import type { Rect } from '../framebuffer/rect';
import { FenceFlag, MAX_FENCE_PAYLOAD, ServerMessageType, XVP_VERSION, type XvpCode } from './constants';
import { encodeExtendedClipboard, type ExtendedClipboardMessage } from './extended-clipboard';
import { encodePixelFormat, type PixelFormat } from './pixel-format';
import { MessageWriter } from './writer';

/** ServerInit: the framebuffer's size, the pixel format updates start in, and the desktop name (UTF-8). */
export function serverInit(width: number, height: number, format: PixelFormat, name: string): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  return new MessageWriter(24 + nameBytes.length)
    .u16(width)
    .u16(height)
    .bytes(encodePixelFormat(format))
    .u32(nameBytes.length)
    .bytes(nameBytes)
    .finish();
}

export function framebufferUpdateHeader(rectangles: number): Buffer {
  return new MessageWriter(4).u8(ServerMessageType.FRAMEBUFFER_UPDATE).padding(1).u16(rectangles).finish();
}

export function rectangleHeader(rect: Rect, encoding: number): Buffer {
  return new MessageWriter(12).u16(rect.x).u16(rect.y).u16(rect.w).u16(rect.h).s32(encoding).finish();
}

export function bell(): Buffer {
  return Buffer.of(ServerMessageType.BELL);
}

/** RFB cut text is Latin-1; characters outside it become '?' rather than garbage bytes. */
export function serverCutText(text: string): Buffer {
  const latin1 = Buffer.from(text.replace(/[^\u0000-\u00ff]/gu, '?'), 'latin1');
  return new MessageWriter(8 + latin1.length)
    .u8(ServerMessageType.SERVER_CUT_TEXT)
    .padding(3)
    .u32(latin1.length)
    .bytes(latin1)
    .finish();
}

/**
 * ServerCutText in the extended clipboard form: the payload's length sent
 * negated. Only for clients that listed the Extended Clipboard pseudo-encoding;
 * a provide is deflated here (one zlib stream per message, as the spec asks).
 */
export function serverExtendedClipboard(message: ExtendedClipboardMessage): Buffer {
  const payload = encodeExtendedClipboard(message);
  return new MessageWriter(8 + payload.length)
    .u8(ServerMessageType.SERVER_CUT_TEXT)
    .padding(3)
    .s32(-payload.length)
    .bytes(payload)
    .finish();
}

/**
 * EndOfContinuousUpdates (150): announces the extension (first SetEncodings
 * listing -313) and confirms every EnableContinuousUpdates that disables them.
 */
export function endOfContinuousUpdates(): Buffer {
  return Buffer.of(ServerMessageType.END_OF_CONTINUOUS_UPDATES);
}

/** The flags a server understands; an answer keeps only these (and never REQUEST). */
const KNOWN_FENCE_FLAGS = FenceFlag.BLOCK_BEFORE | FenceFlag.BLOCK_AFTER | FenceFlag.SYNC_NEXT;

/** ServerFence (248): u8 type, 3 padding, u32 flags, u8 length, payload (at most 64 bytes). */
export function serverFence(flags: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  if (!(Number.isInteger(flags) && flags >= 0 && flags <= 0xffff_ffff)) {
    throw new VncError(VncErrorCode.OUT_OF_BOUNDS, `fence flags ${flags} are not a u32`);
  }
  if (payload.length > MAX_FENCE_PAYLOAD) {
    throw new VncError(VncErrorCode.OUT_OF_BOUNDS, `fence payload of ${payload.length} bytes (at most ${MAX_FENCE_PAYLOAD})`);
  }
  return new MessageWriter(9 + payload.length)
    .u8(ServerMessageType.FENCE)
    .padding(3)
    .u32(flags)
    .u8(payload.length)
    .bytes(payload)
    .finish();
}

/** The answer to a client's fence request: REQUEST and unknown bits cleared, the payload echoed. */
export function fenceAnswer(requestFlags: number, payload: Uint8Array): Buffer {
  return serverFence((requestFlags & KNOWN_FENCE_FLAGS) >>> 0, payload);
}

/**
 * xvp Server Message (250): u8 type, padding, u8 version, u8 code. XVP_INIT
 * (sent with the highest version supported, 1) tells a client that listed the
 * xvp pseudo-encoding it may ask for power actions; XVP_FAIL refuses a request,
 * with the version the client used.
 */
export function serverXvp(code: XvpCode, version: number = XVP_VERSION): Buffer {
  return new MessageWriter(4).u8(ServerMessageType.XVP).padding(1).u8(version).u8(code).finish();
}
