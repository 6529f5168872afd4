/**
 * Finding large one-colour areas inside a rectangle, so Tight can send them as
 * 4-byte fills and compress only the rest. The search follows the behaviour of
 * TightVNC/QEMU: scan 16×16 tiles; from the first solid tile, grow the area in
 * whole tiles (right, then down), keep it if it is big enough, stretch it pixel
 * by pixel in all four directions, then split what is left around it.
 */
import { isSolid } from './tight-analysis';

/** A part of the rectangle, relative to it: one colour (`solid`) or to be encoded piece by piece. */
export interface Region {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly solid: boolean;
  /** The colour of a solid region (a pixel value); 0 otherwise. */
  readonly colour: number;
}

/** Rectangles smaller than this are not searched: the fills would save little. */
export const MIN_SPLIT_AREA = 4096;
/** A solid area must be at least this big to be cut out (unless it is the whole rectangle). */
export const MIN_SOLID_AREA = 2048;
const TILE = 16;

/** Appends the regions of (x, y, w, h) to `out`: solid ones and the rest, covering it exactly once. */
export function splitSolidAreas(values: Uint32Array, stride: number, x: number, y: number, w: number, h: number, out: Region[]): void {
  if (w * h < MIN_SPLIT_AREA) {
    out.push({ x, y, w, h, solid: false, colour: 0 });
    return;
  }
  for (let ty = y; ty < y + h; ty += TILE) {
    const th = TILE < y + h - ty ? TILE : y + h - ty;
    for (let tx = x; tx < x + w; tx += TILE) {
      const tw = TILE < x + w - tx ? TILE : x + w - tx;
      const colour = values[ty * stride + tx]!;
      if (!isSolid(values, stride, tx, ty, tw, th, colour)) continue;
      const best = growInTiles(values, stride, tx, ty, x + w - tx, y + h - ty, colour);
      const area = best.w * best.h;
      if (area !== w * h && area < MIN_SOLID_AREA) continue;
      const s = stretch(values, stride, { x: tx, y: ty, w: best.w, h: best.h }, x, y, w, h, colour);
      // Above the area: its tile rows held no large solid area, so it is not searched again.
      if (s.y > y) out.push({ x, y, w, h: s.y - y, solid: false, colour: 0 });
      if (s.x > x) splitSolidAreas(values, stride, x, s.y, s.x - x, s.h, out);
      out.push({ x: s.x, y: s.y, w: s.w, h: s.h, solid: true, colour });
      if (s.x + s.w < x + w) splitSolidAreas(values, stride, s.x + s.w, s.y, x + w - s.x - s.w, s.h, out);
      if (s.y + s.h < y + h) splitSolidAreas(values, stride, x, s.y + s.h, w, y + h - s.y - s.h, out);
      return;
    }
  }
  out.push({ x, y, w, h, solid: false, colour: 0 });
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The largest area of `colour` with its top-left corner at (x, y) made of whole
 * tiles: each row of tiles reaches right at most as far as the row above it.
 */
function growInTiles(values: Uint32Array, stride: number, x: number, y: number, maxW: number, maxH: number, colour: number): { w: number; h: number } {
  let reach = maxW;
  let bestW = 0;
  let bestH = 0;
  for (let ty = y; ty < y + maxH; ty += TILE) {
    const th = TILE < y + maxH - ty ? TILE : y + maxH - ty;
    let tx = x;
    while (tx < x + reach) {
      const tw = TILE < x + reach - tx ? TILE : x + reach - tx;
      if (!isSolid(values, stride, tx, ty, tw, th, colour)) break;
      tx += tw;
    }
    if (tx === x) break;
    reach = tx - x;
    const height = ty + th - y;
    if (reach * height > bestW * bestH) {
      bestW = reach;
      bestH = height;
    }
  }
  return { w: bestW, h: bestH };
}

/** Widens `box` one row or column at a time (up, down, left, right) while it stays `colour` and inside the bounds. */
function stretch(values: Uint32Array, stride: number, box: Box, x: number, y: number, w: number, h: number, colour: number): Box {
  const s = { ...box };
  while (s.y > y && isSolid(values, stride, s.x, s.y - 1, s.w, 1, colour)) {
    s.y--;
    s.h++;
  }
  while (s.y + s.h < y + h && isSolid(values, stride, s.x, s.y + s.h, s.w, 1, colour)) s.h++;
  while (s.x > x && isSolid(values, stride, s.x - 1, s.y, 1, s.h, colour)) {
    s.x--;
    s.w++;
  }
  while (s.x + s.w < x + w && isSolid(values, stride, s.x + s.w, s.y, 1, s.h, colour)) s.w++;
  return s;
}
