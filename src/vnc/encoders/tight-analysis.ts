/**
 * Looking at pixel values (one number per pixel, row-major with a stride) the
 * way Tight chooses its sub-encodings: how many colours a piece has, its
 * palette indices or 1-bit mask, whether an area is one colour, and whether a
 * piece looks like a photograph (worth JPEG) rather than text or UI.
 */
import type { ColourTable } from './colour-table';

/**
 * Counts the distinct colours of a region into `palette` (reset first), in
 * order of first appearance, writing each pixel's palette index into
 * `indices` on the way (one pass serves both). Stops as soon as there are
 * more than `limit`, returning limit + 1; else returns the count.
 */
export function countColours(
  values: Uint32Array, stride: number, x: number, y: number, w: number, h: number, limit: number, palette: ColourTable, indices: Uint8Array,
): number {
  palette.reset();
  // Equal neighbours skip the table: runs are the common case on screens.
  let last = values[y * stride + x]!;
  let index = palette.indexOf(last);
  let o = 0;
  for (let row = 0; row < h; row++) {
    for (let i = (y + row) * stride + x, end = i + w; i < end; i++) {
      const v = values[i]!;
      if (v !== last) {
        last = v;
        index = palette.indexOf(v);
        if (index < 0 || palette.size > limit) return limit + 1;
      }
      indices[o++] = index;
    }
  }
  return palette.size;
}

/**
 * The 1-bit mask of w×h indices that are all 0 or 1: the leftmost pixel in
 * the most significant bit, each row padded to a byte.
 */
export function packMask(indices: Uint8Array, w: number, h: number): Uint8Array {
  const rowBytes = (w + 7) >>> 3;
  const out = new Uint8Array(rowBytes * h);
  for (let row = 0, i = 0; row < h; row++) {
    let o = row * rowBytes;
    for (let col = 0; col < w; col += 8) {
      let byte = 0;
      const n = w - col < 8 ? w - col : 8;
      for (let b = 0; b < n; b++) byte |= indices[i++]! << (7 - b);
      out[o++] = byte;
    }
  }
  return out;
}

/** True when every pixel of the region equals `colour`. */
export function isSolid(values: Uint32Array, stride: number, x: number, y: number, w: number, h: number, colour: number): boolean {
  for (let row = 0; row < h; row++) {
    for (let i = (y + row) * stride + x, end = i + w; i < end; i++) {
      if (values[i] !== colour) return false;
    }
  }
  return true;
}

/**
 * Whether a many-coloured region looks photographic: in photos and video,
 * neighbouring pixels are almost never exactly equal; in text, UI and most
 * synthetic images (even anti-aliased ones) most of them are. Photographic
 * here: fewer than half of the pairs equal. Samples every other row.
 */
export function looksPhotographic(values: Uint32Array, stride: number, x: number, y: number, w: number, h: number): boolean {
  let equal = 0;
  let pairs = 0;
  for (let row = 0; row < h; row += 2) {
    const start = (y + row) * stride + x;
    for (let i = start + 1, end = start + w; i < end; i++) {
      if (values[i] === values[i - 1]) equal++;
    }
    pairs += w - 1;
  }
  return pairs > 0 && equal * 2 < pairs;
}
