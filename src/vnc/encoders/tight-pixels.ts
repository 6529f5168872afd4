/**
 * Pixel buffers Tight needs besides the client's own: 8-bit RGB for JPEG and
 * PNG whatever the client's format, and rows of a piece cut out of a
 * translated rectangle.
 */
import { checkSourceRect, type PixelSource } from '../framebuffer/pixel-source';
import type { Rect } from '../framebuffer/rect';
import { createTranslator, type Translator } from '../framebuffer/translate';
import type { PixelFormat } from '../protocol/pixel-format';
import { rgbLayout, type TpixelLayout } from './tight-wire';

/** Bytes R, G, B, 0 per pixel: the layout the RGB paths translate other formats to. */
export const RGBX: PixelFormat = Object.freeze({
  bitsPerPixel: 32, depth: 24, bigEndian: false, trueColour: true,
  redMax: 255, greenMax: 255, blueMax: 255, redShift: 0, greenShift: 8, blueShift: 16,
});

const RGBX_LAYOUT = rgbLayout(RGBX)!;

/** A rectangle as one value per pixel (row-major, stride = width) whose R, G, B sit where `layout` says. */
export interface RgbValues {
  /** Equal values are equal 8-bit colours. Valid until the next `read`. */
  readonly values: Uint32Array;
  readonly layout: TpixelLayout;
}

/**
 * Reads rectangles of a display as 8-bit RGB values into a reused buffer.
 * 32 bpp displays with 8-bit channels (the usual case) are read directly,
 * their padding bits masked off: several times faster than a translation.
 * Other displays go through a translator to RGBX, rebuilt only when the
 * display's format object changes.
 */
export class RgbReader {
  private scratch = new Uint32Array(0);
  private from: PixelFormat | undefined;
  private translator: Translator | undefined;

  read(source: PixelSource, rect: Rect): RgbValues {
    checkSourceRect(source, rect);
    const n = rect.w * rect.h;
    if (this.scratch.length < n) this.scratch = new Uint32Array(n);
    const values = this.scratch.subarray(0, n);
    const layout = rgbLayout(source.format);
    const { data, stride } = source;
    if (layout !== undefined && !layout.swap && stride % 4 === 0 && data.byteOffset % 4 === 0) {
      const mask = ((255 << layout.red) | (255 << layout.green) | (255 << layout.blue)) >>> 0;
      const words = new Uint32Array(data.buffer, data.byteOffset, data.length >>> 2);
      const step = stride >>> 2;
      let o = 0;
      for (let row = 0; row < rect.h; row++) {
        for (let i = (rect.y + row) * step + rect.x, end = i + rect.w; i < end; i++) values[o++] = words[i]! & mask;
      }
      return { values, layout };
    }
    if (this.translator === undefined || this.from !== source.format) {
      this.translator = createTranslator(source.format, RGBX);
      this.from = source.format;
    }
    this.translator.translate(source, rect, new Uint8Array(values.buffer, values.byteOffset, n * 4), 0);
    return { values, layout: RGBX_LAYOUT };
  }
}

/** The rows of a region of packed pixels (`stride` pixels of `bpp` bytes per row), packed. */
export function copyRows(bytes: Uint8Array, stride: number, bpp: number, x: number, y: number, w: number, h: number): Uint8Array {
  const rowBytes = w * bpp;
  if (x === 0 && w === stride) return bytes.slice(y * rowBytes, (y + h) * rowBytes);
  const out = new Uint8Array(rowBytes * h);
  for (let row = 0; row < h; row++) {
    const from = ((y + row) * stride + x) * bpp;
    out.set(bytes.subarray(from, from + rowBytes), row * rowBytes);
  }
  return out;
}
