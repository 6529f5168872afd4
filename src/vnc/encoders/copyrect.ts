import type { Rect } from '../framebuffer/rect';
import { Encoding } from '../protocol/constants';
import type { EncodedRect } from './encoder';

/** CopyRect (1): the client copies `rect`'s size of its own pixels from (srcX, srcY) to `rect`. */
export function copyRect(rect: Rect, srcX: number, srcY: number): EncodedRect {
  const body = Buffer.alloc(4);
  body.writeUInt16BE(srcX, 0);
  body.writeUInt16BE(srcY, 2);
  return { rect, encoding: Encoding.COPY_RECT, body: [body] };
}
