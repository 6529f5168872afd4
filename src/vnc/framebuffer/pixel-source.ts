/**
 * A view of a display's pixels as encoders read them, and the slow but general
 * per-pixel accessors (for encoders that need colours, not client pixels).
 */
import { VncError, VncErrorCode } from '../errors';
import { bytesPerPixel, type PixelFormat } from '../protocol/pixel-format';
import type { Rect } from './rect';

export interface PixelSource {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Bytes from one row to the next (at least width × bytes per pixel). */
  readonly stride: number;
  /** True colour, 8/16/32 bpp. */
  readonly format: PixelFormat;
}

/** True on little-endian hosts: typed-array views then read LE pixels natively. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Throws unless `rect` lies inside the source's width × height and every byte
 * of it inside `data` (a source whose stride or data is too short is caught here).
 */
export function checkSourceRect(source: PixelSource, rect: Rect): void {
  const { x, y, w, h } = rect;
  const bpp = bytesPerPixel(source.format);
  const ok =
    Number.isInteger(x) && Number.isInteger(y) && Number.isInteger(w) && Number.isInteger(h) &&
    x >= 0 && y >= 0 && w >= 0 && h >= 0 && x + w <= source.width && y + h <= source.height &&
    Number.isInteger(source.stride) && source.stride > 0 &&
    (w === 0 || h === 0 || ((x + w) * bpp <= source.stride && (y + h - 1) * source.stride + (x + w) * bpp <= source.data.length));
  if (!ok) {
    throw new VncError(
      VncErrorCode.OUT_OF_BOUNDS,
      `rectangle ${w}x${h}+${x}+${y} is outside the ${source.width}x${source.height} source (${source.data.length} bytes, stride ${source.stride}, ${bpp} bytes per pixel)`,
    );
  }
}

/** The raw pixel value at (x, y) in the source's byte order; no bounds check. */
export function readPixelValue(source: PixelSource, x: number, y: number): number {
  const d = source.data;
  const bpp = bytesPerPixel(source.format);
  const i = y * source.stride + x * bpp;
  if (bpp === 1) return d[i] ?? 0;
  const big = source.format.bigEndian;
  if (bpp === 2) {
    const a = d[i] ?? 0;
    const b = d[i + 1] ?? 0;
    return big ? (a << 8) | b : (b << 8) | a;
  }
  const b0 = d[i] ?? 0;
  const b1 = d[i + 1] ?? 0;
  const b2 = d[i + 2] ?? 0;
  const b3 = d[i + 3] ?? 0;
  return (big ? ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) : ((b3 << 24) | (b2 << 16) | (b1 << 8) | b0)) >>> 0;
}

/** `value` (0..srcMax) scaled to 0..dstMax, rounded to nearest (halves up), in integers. */
export function scaleChannel(value: number, srcMax: number, dstMax: number): number {
  return Math.floor((2 * value * dstMax + srcMax) / (2 * srcMax));
}

/** The pixel at (x, y) as 0xRRGGBB with 8 bits per channel. */
export function readRgb(source: PixelSource, x: number, y: number): number {
  checkSourceRect(source, { x, y, w: 1, h: 1 });
  const pf = source.format;
  const p = readPixelValue(source, x, y);
  const r = scaleChannel((p >>> pf.redShift) & pf.redMax, pf.redMax, 255);
  const g = scaleChannel((p >>> pf.greenShift) & pf.greenMax, pf.greenMax, 255);
  const b = scaleChannel((p >>> pf.blueShift) & pf.blueMax, pf.blueMax, 255);
  return (r << 16) | (g << 8) | b;
}
