import { VncError, VncErrorCode } from '../errors';
import { clipRect, type Rect } from './rect';

/** Throws unless `from` and `to` are the same size and lie wholly inside a width×height framebuffer. */
export function checkMove(from: Rect, to: Rect, width: number, height: number, what: string): void {
  const a = clipRect(from, width, height);
  const b = clipRect(to, width, height);
  const inside =
    a !== undefined && b !== undefined && a.w === from.w && a.h === from.h && b.w === to.w && b.h === to.h;
  if (!inside || to.w !== from.w || to.h !== from.h) {
    throw new VncError(
      VncErrorCode.OUT_OF_BOUNDS,
      `copy of ${from.w}x${from.h} from (${from.x},${from.y}) to (${to.x},${to.y}) leaves the ${width}x${height} ${what}`,
    );
  }
}

/** Moves a checked block within one buffer; rows go in the order that never overwrites a row before it is read. */
export function moveRect(pixels: Uint8Array, stride: number, bytesPerPixel: number, from: Rect, to: Rect): void {
  const rowBytes = from.w * bytesPerPixel;
  const downward = to.y > from.y;
  for (let i = 0; i < from.h; i++) {
    const row = downward ? from.h - 1 - i : i;
    const start = (from.y + row) * stride + from.x * bytesPerPixel;
    pixels.copyWithin((to.y + row) * stride + to.x * bytesPerPixel, start, start + rowBytes);
  }
}
