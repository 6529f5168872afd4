import type { Rect } from '../framebuffer/rect';
import { ServerMessageType } from './constants';
import { MessageWriter } from './writer';

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
