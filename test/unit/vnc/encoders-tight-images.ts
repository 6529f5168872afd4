/**
 * Source images for the Tight tests, each built to steer the encoder to one
 * form (fill, 2-colour mask, palette, full colour, JPEG), plus helpers to run
 * an encoder and to read back what it chose.
 */
import type { EncodedRect, EncodeSettings, RectEncoder } from '../../../src/vnc/encoders/encoder';
import type { PixelSource } from '../../../src/vnc/framebuffer/pixel-source';
import type { Rect } from '../../../src/vnc/framebuffer/rect';
import type { Translator } from '../../../src/vnc/framebuffer/translate';
import { COLOURS, noiseSource as noise, rgbSource as makeSource, sourceRgb, type TestSource } from '../../helpers/decoders/images';
import { bodyOf } from '../../helpers/encoder-checks';
import { rng } from '../../helpers/random';

// The shared builders, under the names the Tight tests use.
export { bodyOf, COLOURS, makeSource, noise, rng, sourceRgb, type TestSource };

export const solid = (w: number, h: number, colour = 0x336699): TestSource => makeSource(w, h, () => colour);

/** Dark glyph-like blocks on a light background: exactly two colours, no solid 16×16 tiles. */
export const twoColour = (w: number, h: number): TestSource =>
  makeSource(w, h, (x, y) => ((((x * 7) ^ (y * 13)) >> 2) % 3 === 0 ? 0x202020 : 0xfafafa));

/** `n` colours in short runs (3..256 colours: the palette filter). */
export const fewColours = (w: number, h: number, n: number): TestSource =>
  makeSource(w, h, (x, y) => COLOURS[((x >> 2) + (y >> 1) * 7) % n]!);

/** Smooth colour fields with a little grain, as a photo or video frame: many colours, neighbours rarely equal. */
export function photo(w: number, h: number, seed = 5): TestSource {
  const next = rng(seed);
  return makeSource(w, h, (x, y) => {
    const grain = next() & 7;
    const r = 128 + Math.round(90 * Math.sin(x / 23) * Math.cos(y / 31)) + grain;
    const g = (Math.round((x + 2 * y) / 5) + grain) & 255;
    const b = 60 + Math.round((150 * y) / Math.max(1, h)) + (grain >> 1);
    return (r << 16) | (g << 8) | b;
  });
}

/** A flat desktop with two windows of text-like content: large solid areas around them. */
export function desktop(w: number, h: number): TestSource {
  const windows = [
    { x: Math.floor(w / 8), y: Math.floor(h / 6), w: Math.floor(w / 3), h: Math.floor(h / 3) },
    { x: Math.floor(w / 2), y: Math.floor(h / 2), w: Math.floor(w / 3), h: Math.floor(h / 3) },
  ];
  return makeSource(w, h, (x, y) => {
    for (const win of windows) {
      if (x < win.x || y < win.y || x >= win.x + win.w || y >= win.y + win.h) continue;
      if (y < win.y + 20) return 0x3465a4;
      return ((x * 5) ^ (y * 3)) % 11 === 0 ? 0x111111 : 0xffffff;
    }
    return 0x4a6f8a;
  });
}

export async function encodeRects(encoder: RectEncoder, source: PixelSource, rect: Rect, translator: Translator, settings: EncodeSettings = { lossy: false }): Promise<EncodedRect[]> {
  return encoder.encode({ source, rect, translator, settings });
}

/** The compression-control byte of each rectangle. */
export const controls = (rects: readonly EncodedRect[]): number[] => rects.map((r) => r.body[0]![0]!);

export const totalBytes = (rects: readonly EncodedRect[]): number => rects.reduce((n, r) => n + bodyOf(r).length, 0);

/** Every pixel of `rect` covered exactly once by `rects`. */
export function coverage(rect: Rect, rects: readonly EncodedRect[]): number[] {
  const count = new Array<number>(rect.w * rect.h).fill(0);
  for (const { rect: r } of rects) {
    for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) count[(y - rect.y) * rect.w + x - rect.x]! += 1;
  }
  return count;
}
