import type { EncodedRect } from '../../../src/vnc/encoders/encoder';
import { HextileFlag, hextileEncoder } from '../../../src/vnc/encoders/hextile';
import type { PixelSource } from '../../../src/vnc/framebuffer/pixel-source';
import type { Rect } from '../../../src/vnc/framebuffer/rect';
import { createTranslator, type Translator } from '../../../src/vnc/framebuffer/translate';
import { Encoding } from '../../../src/vnc/protocol/constants';
import { BGR233_MAP, BGRX32, type PixelFormat } from '../../../src/vnc/protocol/pixel-format';
import { decodeHextile } from '../../helpers/decoders/hextile';
import { fewColourSource, noiseSource, rgbSource, textSource } from '../../helpers/decoders/images';
import { ValueScreen } from '../../helpers/decoders/rre';
import { bodyOf, CLIENT_FORMATS, edgeRects, novncRoundTrip, specRoundTrip } from '../../helpers/encoder-checks';
import { NOVNC_FORMAT } from '../../helpers/novnc-oracle';
import { rng } from '../../helpers/random';

const A = 0x102030;
const B = 0xf0e0d0;
const C = 0x00ff00;

function encode(source: PixelSource, rect: Rect, translator: Translator, encoder = hextileEncoder.create()): EncodedRect {
  const out = encoder.encode({ source, rect, translator, settings: { lossy: false } });
  if (!Array.isArray(out) || out.length !== 1) throw new Error('hextile returns one rectangle, synchronously');
  const [encoded] = out as EncodedRect[];
  expect(encoded!.encoding).toBe(Encoding.HEXTILE);
  expect(encoded!.rect).toEqual(rect);
  return encoded!;
}

/** Encodes `rects` in order on one encoder, decodes them with noVNC and compares the whole screen. */
function checkWithNovnc(source: PixelSource, rects: readonly Rect[]): void {
  const encoder = hextileEncoder.create();
  novncRoundTrip(source, rects, (rect, translator) => [encode(source, rect, translator, encoder)]);
}

/** Encodes `rects` on one encoder, decodes them with the spec decoder; returns the subencodings seen. */
function checkWithSpec(source: PixelSource, format: PixelFormat, rects: readonly Rect[]): number[] {
  const encoder = hextileEncoder.create();
  return specRoundTrip(source, format, rects, (rect, translator, screen) => decodeHextile(screen, rect, bodyOf(encode(source, rect, translator, encoder))));
}

/**
 * A 160×32 screen whose 10×2 tiles, in order, should encode as DESIGNED_SUBENCODINGS:
 * solid, repeated solid, mono with a new foreground, mono reusing everything,
 * new solid, mono on a new background, coloured, coloured on the same
 * background, mono after coloured (same foreground as before, but it must be
 * sent again), noise, then after the raw tile: solid, ..., new background and foreground.
 */
const DESIGNED_SUBENCODINGS = [2, 0, 12, 8, 2, 10, 26, 24, 12, 1, 2, 12, 10, 1, 14, 0, 0, 0, 0, 0];

function designedSource(): PixelSource {
  const noise = Array.from({ length: 256 }, rng(7));
  const kinds = ['A', 'A', 'A+B|', 'A+B-', 'B', 'C+B|', 'A+BC', 'A+BC', 'A+B|', 'noise', 'A', 'A+B|', 'C+B|', 'noise', 'A+B-', 'A', 'A', 'A', 'A', 'A'];
  return rgbSource(160, 32, (x, y) => {
    const kind = kinds[Math.floor(y / 16) * 10 + Math.floor(x / 16)]!;
    const tx = x % 16;
    const ty = y % 16;
    const bg = kind[0] === 'C' ? C : kind[0] === 'B' ? B : A;
    if (kind === 'noise') return noise[ty * 16 + tx]!;
    if (kind.endsWith('|')) return tx >= 5 && tx < 8 && ty >= 2 && ty < 14 ? (kind[2] === 'A' ? A : B) : bg;
    if (kind.endsWith('-')) return ty === 9 && tx >= 2 && tx < 14 ? B : bg;
    if (kind.endsWith('BC')) return tx < 4 && ty < 4 ? B : tx >= 10 && ty >= 12 ? C : bg;
    return bg;
  });
}

describe('Hextile encoder, decoded by noVNC (32 bpp, red at shift 0)', () => {
  it.each([
    ['random noise', noiseSource(45, 37, 3)],
    ['four colours in 5×5 blocks', fewColourSource(45, 37, [A, B, C, 0xffffff], 5, 4)],
    ['two colours in 3×3 blocks', fewColourSource(45, 37, [A, B], 3, 5)],
    ['text', textSource(70, 50, 6)],
  ])('reproduces %s, whole and as rects touching every edge', (_name, source) => {
    checkWithNovnc(source, [{ x: 0, y: 0, w: source.width, h: source.height }]);
    checkWithNovnc(source, edgeRects(source.width, source.height));
  });

  it('reproduces 1×1, 17×33, 1×40 and 40×1 rectangles', () => {
    const source = fewColourSource(41, 41, [A, B, C], 2, 8);
    checkWithNovnc(source, [
      { x: 0, y: 0, w: 1, h: 1 }, { x: 1, y: 0, w: 40, h: 1 }, { x: 0, y: 1, w: 1, h: 40 },
      { x: 1, y: 1, w: 17, h: 33 }, { x: 18, y: 1, w: 23, h: 33 }, { x: 1, y: 34, w: 40, h: 7 },
    ]);
  });

  it('decodes a screen built to use every subencoding, as two rects on one encoder', () => {
    const source = designedSource();
    checkWithNovnc(source, [{ x: 0, y: 0, w: 160, h: 16 }, { x: 0, y: 16, w: 160, h: 16 }]);
  });
});

describe('Hextile subencodings', () => {
  it('uses each subencoding where the design expects it', () => {
    const seen = checkWithSpec(designedSource(), NOVNC_FORMAT, [{ x: 0, y: 0, w: 160, h: 32 }]);
    expect(seen).toEqual(DESIGNED_SUBENCODINGS);
    const flags = seen.reduce((all, s) => all | s, 0);
    expect(flags).toBe(HextileFlag.RAW | HextileFlag.BACKGROUND_SPECIFIED | HextileFlag.FOREGROUND_SPECIFIED | HextileFlag.ANY_SUBRECTS | HextileFlag.SUBRECTS_COLOURED);
  });

  it('specifies the background again at the start of each rectangle', () => {
    const source = rgbSource(32, 32, () => A);
    const encoder = hextileEncoder.create();
    const translator = createTranslator(BGRX32, NOVNC_FORMAT);
    for (let i = 0; i < 2; i++) {
      const body = bodyOf(encode(source, { x: 0, y: 0, w: 32, h: 32 }, translator, encoder));
      expect([...body]).toEqual([2, 0x10, 0x20, 0x30, 0, 0, 0, 0]);
    }
  });
});

describe('Hextile encoder in every pixel format family, decoded from the spec', () => {
  it.each(CLIENT_FORMATS)('%s', (_name, format) => {
    const seen: number[] = [];
    for (const source of [noiseSource(45, 37, 9), fewColourSource(45, 37, [A, B, C, 0x808080], 4, 10), textSource(45, 37, 11)]) {
      seen.push(...checkWithSpec(source, format, [{ x: 0, y: 0, w: 45, h: 37 }]));
      seen.push(...checkWithSpec(source, format, edgeRects(45, 37)));
    }
    seen.push(...checkWithSpec(designedSource(), format, [{ x: 0, y: 0, w: 160, h: 32 }]));
    const flags = seen.reduce((all, s) => all | s, 0);
    expect(flags).toBe(31);
  });

  it('merges colours that become equal in the client format (BGR233: a dark tile is solid)', () => {
    const next = rng(12);
    const dark = rgbSource(16, 16, () => next() & 0x0f0f0f);
    const translator = createTranslator(BGRX32, BGR233_MAP);
    expect([...bodyOf(encode(dark, { x: 0, y: 0, w: 16, h: 16 }, translator))]).toEqual([HextileFlag.BACKGROUND_SPECIFIED, 0]);
  });
});

describe('Hextile per-tile choices', () => {
  const translator = createTranslator(BGRX32, NOVNC_FORMAT);

  it('sends a solid 64×64 rect in 20 bytes: the background once, then empty tiles', () => {
    const body = bodyOf(encode(rgbSource(64, 64, () => B), { x: 0, y: 0, w: 64, h: 64 }, translator));
    expect([...body]).toEqual([2, 0xf0, 0xe0, 0xd0, 0, ...new Array<number>(15).fill(0)]);
  });

  it('sends a two-colour glyph tile as foreground + monochrome subrects', () => {
    // An "H": two stems and a bar, ink on paper.
    const glyph = rgbSource(16, 16, (x, y) => ((x === 3 || x === 10) && y >= 2 && y < 14) || (y === 7 && x > 3 && x < 10) ? A : B);
    const body = bodyOf(encode(glyph, { x: 0, y: 0, w: 16, h: 16 }, translator));
    const flags = HextileFlag.BACKGROUND_SPECIFIED | HextileFlag.FOREGROUND_SPECIFIED | HextileFlag.ANY_SUBRECTS;
    // Background paper, foreground ink, 3 subrects in scan order: both stems (found on row 2), then the bar.
    expect([...body]).toEqual([flags, 0xf0, 0xe0, 0xd0, 0, 0x10, 0x20, 0x30, 0, 3, 0x32, 0x0b, 0xa2, 0x0b, 0x47, 0x50]);
  });

  it('sends noise as raw tiles', () => {
    const rect = { x: 0, y: 0, w: 40, h: 40 };
    const body = bodyOf(encode(noiseSource(40, 40, 13), rect, translator));
    expect(body.length).toBe(9 + 40 * 40 * 4);
    const screen = new ValueScreen(40, 40, 4, false);
    expect(decodeHextile(screen, rect, body)).toEqual(new Array<number>(9).fill(HextileFlag.RAW));
  });

  it('makes a text screen at least 5× smaller than Raw', () => {
    const source = textSource(640, 480, 14);
    const body = bodyOf(encode(source, { x: 0, y: 0, w: 640, h: 480 }, translator));
    expect(body.length * 5).toBeLessThan(640 * 480 * 4);
  });
});
