import { VncError, VncErrorCode } from '../errors';

/** A rectangle of pixels; the framebuffer code never hands out a zero-size one. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Largest framebuffer side vncd accepts (TigerVNC's limit; keeps w*h*4 far below 2^31). */
export const MAX_FRAMEBUFFER_SIDE = 16384;

/** `r` cropped to a width×height framebuffer, or undefined when nothing is left. */
export function clipRect(r: Rect, width: number, height: number): Rect | undefined {
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(width, Math.ceil(r.x + r.w));
  const y1 = Math.min(height, Math.ceil(r.y + r.h));
  // `!(a < b)` also rejects NaN coordinates.
  if (!(x0 < x1) || !(y0 < y1)) return undefined;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** Throws unless width and height are integers in 0..MAX_FRAMEBUFFER_SIDE. */
export function checkFramebufferSize(width: number, height: number): void {
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > MAX_FRAMEBUFFER_SIDE) {
      throw new VncError(VncErrorCode.INVALID_SIZE, `framebuffer ${name} ${v} is not an integer between 0 and ${MAX_FRAMEBUFFER_SIDE}`);
    }
  }
}
