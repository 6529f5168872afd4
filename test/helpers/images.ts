/**
 * Known images for the tests with real viewers (TigerVNC, gvnccapture, noVNC):
 * drawn into a Display's buffer and returned as the RGBA a viewer must show, so
 * a capture can be compared pixel for pixel.
 *
 * ```ts
 * const display = new Display({ width: 160, height: 100, name: 'known image' });
 * const expected = knownImage(display, 12345);
 * // ... a viewer connects ...
 * expect(compareImages(expected, capture).summary).toBe(identical(expected));
 * ```
 */
import { BGRX32, describePixelFormat, type Display } from '../../src/vnc';
import type { RgbaImage } from './clients/types';

/** The C library's rand() LCG: seeded noise, 32 bits a step. */
export function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) >>> 0);
}

/**
 * Paints every pixel of `display` (32 bpp BGRX, its default layout) with
 * `rgb(x, y)` as 0xRRGGBB, row by row, damages it all, and returns the RGBA
 * image a viewer should show.
 */
export function paintDisplay(display: Display, rgb: (x: number, y: number) => number): RgbaImage {
  const { width, height, stride, buffer } = display;
  if (describePixelFormat(display.format) !== describePixelFormat(BGRX32)) {
    throw new Error(`paintDisplay draws BGRX32 displays, not ${describePixelFormat(display.format)}`);
  }
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = rgb(x, y) & 0xffffff;
      buffer.writeUInt32LE(value, y * stride + x * 4);
      rgba.set([value >> 16, (value >> 8) & 255, value & 255, 255], (y * width + x) * 4);
    }
  }
  display.damage();
  return { width, height, rgba };
}

/**
 * Sharp edges, every channel at many levels, and noise: nothing a decoder could
 * fake. Top half: red rises from 0 to 255 left to right, green from 0 to 255
 * top to bottom; bottom half: red and green are noise (seeded by `seed`).
 * Blue everywhere: (3x ^ y ^ seed), an edge at almost every pixel. Another
 * seed gives other noise and other blue.
 */
export function knownImage(display: Display, seed: number): RgbaImage {
  const { width, height } = display;
  const half = Math.ceil(height / 2);
  const noise = lcg(seed);
  return paintDisplay(display, (x, y) => {
    const n = noise();
    const top = y < half;
    const r = top ? Math.round((x * 255) / Math.max(1, width - 1)) : n >>> 24;
    const g = top ? Math.round((y * 255) / Math.max(1, half - 1)) : (n >>> 16) & 255;
    const b = ((x * 3) ^ y ^ seed) & 255;
    return (r << 16) | (g << 8) | b;
  });
}

/**
 * For the compressed encodings, top to bottom: flat blocks (fills, solid tiles),
 * two-colour text-like glyphs (mono palettes), a five-colour band (palettes) and
 * a smooth noisy "photo" (raw/basic/JPEG), with edges that are not tile-aligned.
 * The bands are placed for 320×200 (70, 60, 20 and 50 rows) and scale with the
 * display; glyphs and palette stripes keep their pixel sizes.
 */
export function mixedImage(display: Display, seed: number): RgbaImage {
  const { width, height } = display;
  const flatEnd = Math.floor((height * 7) / 20);
  const textEnd = Math.floor((height * 13) / 20);
  const paletteEnd = Math.floor((height * 3) / 4);
  const columns = [Math.floor((width * 5) / 16), Math.floor((width * 2) / 3)];
  const noise = lcg(seed);
  const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
  return paintDisplay(display, (x, y) => {
    const n = noise();
    if (y < flatEnd) return x < columns[0]! ? 0x1d3557 : x < columns[1]! ? 0xe63946 : 0xf1faee;
    if (y < textEnd) return ((x >> 2) + (y >> 3)) % 3 === 0 && x % 7 !== 0 ? 0x000000 : 0xffffff;
    if (y < paletteEnd) return [0x264653, 0x2a9d8f, 0xe9c46a, 0xf4a261, 0xe76f51][(x >> 4) % 5] ?? 0;
    const r = (x * 255) / width + ((n >>> 28) - 8);
    const g = ((y - paletteEnd) * 255) / (height - paletteEnd) + ((n >>> 24) & 15) - 8;
    return (clamp(r) << 16) | (clamp(g) << 8) | 128;
  });
}
