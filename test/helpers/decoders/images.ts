/**
 * Deterministic test screens for the encoder tests and benchmarks, as sources
 * in the canvas-native BGRX32 format: noise, few-colour blocks, a text-like
 * screen (one background, glyphs in 8×16 cells) and a flat desktop with windows;
 * any picture from a function of (x, y), and the pixels of a source read back.
 */
import { BGRX32 } from '../../../src/vnc/protocol/pixel-format';
import type { PixelSource } from '../../../src/vnc/framebuffer/pixel-source';
import { rng } from '../random';

/** A source built here: its pixels in a Buffer, packed rows (stride = width × 4). */
export type TestSource = PixelSource & { data: Buffer };

/** A BGRX32 source whose pixel (x, y) is `rgb(x, y)` as 0xRRGGBB. */
export function rgbSource(width: number, height: number, rgb: (x: number, y: number) => number): TestSource {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.writeUInt32LE(rgb(x, y) & 0xffffff, (y * width + x) * 4);
  }
  return { data, width, height, stride: width * 4, format: BGRX32 };
}

export function noiseSource(width: number, height: number, seed = 1): TestSource {
  const next = rng(seed);
  return rgbSource(width, height, () => next());
}

/** Blocks of `block`×`block` pixels in one of `palette` colours, with one pixel in 32 of another. */
export function fewColourSource(width: number, height: number, palette: readonly number[], block: number, seed = 1): TestSource {
  const next = rng(seed);
  const across = Math.ceil(width / block);
  const cells = Array.from({ length: across * Math.ceil(height / block) }, () => palette[next() % palette.length]!);
  return rgbSource(width, height, (x, y) =>
    next() % 32 === 0 ? palette[next() % palette.length]! : cells[Math.floor(y / block) * across + Math.floor(x / block)]!,
  );
}

/** 0xRRGGBB of every pixel of a BGRX32 source, row by row (what NovncScreen.rgb() gives). */
export function sourceRgb(source: PixelSource): number[] {
  const view = new DataView(source.data.buffer, source.data.byteOffset, source.data.byteLength);
  const out: number[] = [];
  for (let y = 0; y < source.height; y++) {
    for (let x = 0; x < source.width; x++) out.push(view.getUint32(y * source.stride + x * 4, true) & 0xffffff);
  }
  return out;
}

/** 300 distinct colours, spread over the cube. */
export const COLOURS: readonly number[] = Array.from({ length: 300 }, (_, i) => (i * 0x3a5f1 + 0x10203) & 0xffffff);

export const TEXT_BACKGROUND = 0xffffff;
export const TEXT_INK = 0x202020;
const ACCENT_INK = 0x2040c0;

/**
 * A text editor look: white, lines of dark glyphs in 8×16 cells (a font of 64
 * random stroke glyphs), some words in an accent colour, blank lines and spaces.
 */
export function textSource(width: number, height: number, seed = 1): TestSource {
  const next = rng(seed);
  const glyphs: Uint8Array[] = [];
  for (let g = 0; g < 64; g++) {
    const cell = new Uint8Array(8 * 16);
    for (let s = 2 + (next() % 3); s > 0; s--) {
      const vertical = next() % 2 === 0;
      const x = 1 + (next() % 6);
      const y = 3 + (next() % 9);
      const length = 2 + (next() % 5);
      for (let k = 0; k < length; k++) {
        const cx = vertical ? x : Math.min(6, x + k);
        const cy = vertical ? Math.min(12, y + k) : y;
        cell[cy * 8 + cx] = 1;
      }
    }
    glyphs.push(cell);
  }
  const cols = Math.ceil(width / 8);
  const rows = Math.ceil(height / 16);
  // Per cell: 0 = blank, else glyph index + 1; the top bit marks the accent colour.
  const text = new Uint16Array(cols * rows);
  for (let r = 0; r < rows; r++) {
    if (next() % 5 === 0) continue;
    const length = next() % cols;
    let accent = false;
    for (let c = 0; c < length; c++) {
      if (next() % 6 === 0) {
        accent = next() % 8 === 0;
        continue;
      }
      text[r * cols + c] = (1 + (next() % 64)) | (accent ? 0x8000 : 0);
    }
  }
  return rgbSource(width, height, (x, y) => {
    const cell = text[Math.floor(y / 16) * cols + Math.floor(x / 8)]!;
    if (cell === 0) return TEXT_BACKGROUND;
    const glyph = glyphs[(cell & 0x7fff) - 1]!;
    if (glyph[(y % 16) * 8 + (x % 8)] !== 1) return TEXT_BACKGROUND;
    return cell & 0x8000 ? ACCENT_INK : TEXT_INK;
  });
}

export interface Window {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly colour: number;
}

/** A flat desktop colour with solid windows drawn in order (later ones on top). */
export function desktopSource(width: number, height: number, background: number, windows: readonly Window[]): TestSource {
  return rgbSource(width, height, (x, y) => {
    let rgb = background;
    for (const win of windows) if (x >= win.x && x < win.x + win.w && y >= win.y && y < win.y + win.h) rgb = win.colour;
    return rgb;
  });
}
