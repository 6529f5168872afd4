import type { EncodedRect } from '../../../src/vnc/encoders/encoder';
import { RRE_BLOCK, rreEncoder } from '../../../src/vnc/encoders/rre';
import type { PixelSource } from '../../../src/vnc/framebuffer/pixel-source';
import type { Rect } from '../../../src/vnc/framebuffer/rect';
import { createTranslator, type Translator } from '../../../src/vnc/framebuffer/translate';
import { Encoding } from '../../../src/vnc/protocol/constants';
import { BGR233_MAP, BGRX32, type PixelFormat } from '../../../src/vnc/protocol/pixel-format';
import { desktopSource, fewColourSource, noiseSource, rgbSource, textSource } from '../../helpers/decoders/images';
import { decodeRaw, decodeRre } from '../../helpers/decoders/rre';
import { bodyOf, CLIENT_FORMATS, edgeRects, novncRoundTrip, specRoundTrip } from '../../helpers/encoder-checks';
import { NOVNC_FORMAT } from '../../helpers/novnc-oracle';
import { rng } from '../../helpers/random';

const A = 0x102030;
const B = 0xf0e0d0;
const C = 0x00ff00;

const DESKTOP = desktopSource(300, 200, 0x336699, [
  { x: 10, y: 20, w: 100, h: 80, colour: B },
  { x: 150, y: 30, w: 120, h: 150, colour: A },
  { x: 20, y: 120, w: 60, h: 70, colour: C },
]);

/** Encodes `rect`; checks that the rects returned tile it exactly, and that each is RRE or Raw. */
function encode(source: PixelSource, rect: Rect, translator: Translator, encoder = rreEncoder.create()): EncodedRect[] {
  const out = encoder.encode({ source, rect, translator, settings: { lossy: false } });
  if (!Array.isArray(out)) throw new Error('RRE encodes synchronously');
  const rects = out as EncodedRect[];
  const covered = new Uint8Array(rect.w * rect.h);
  for (const { rect: r, encoding } of rects) {
    expect([Encoding.RRE, Encoding.RAW]).toContain(encoding);
    expect(r.x >= rect.x && r.y >= rect.y && r.x + r.w <= rect.x + rect.w && r.y + r.h <= rect.y + rect.h).toBe(true);
    for (let y = r.y - rect.y; y < r.y - rect.y + r.h; y++) for (let x = r.x - rect.x; x < r.x - rect.x + r.w; x++) covered[y * rect.w + x]! += 1;
  }
  expect(covered.every((n) => n === 1)).toBe(true);
  return rects;
}

/** Encodes `rects` in order on one encoder and decodes them with noVNC; returns the encodings used. */
function checkWithNovnc(source: PixelSource, rects: readonly Rect[]): number[] {
  const encoder = rreEncoder.create();
  return novncRoundTrip(source, rects, (rect, translator) => encode(source, rect, translator, encoder));
}

/** Encodes and decodes with the spec decoders; returns the encodings used. */
function checkWithSpec(source: PixelSource, format: PixelFormat, rects: readonly Rect[]): number[] {
  const encoder = rreEncoder.create();
  return specRoundTrip(source, format, rects, (rect, translator, screen) =>
    encode(source, rect, translator, encoder).map((encoded) => {
      if (encoded.encoding === Encoding.RRE) decodeRre(screen, encoded.rect, bodyOf(encoded));
      else decodeRaw(screen, encoded.rect, bodyOf(encoded));
      return encoded.encoding;
    }),
  );
}

/**
 * A 200×150 screen, two flat colours with a noisy 120×50 patch: too busy for one
 * RRE rect, and the patch makes 2 of the 4×3 blocks busier than Raw.
 */
function patchSource(): PixelSource {
  const next = rng(21);
  return rgbSource(200, 150, (x, y) => (x >= 70 && x < 190 && y >= 10 && y < 60 ? next() : y < 100 ? A : B));
}

/** 200×150 in two colours with a checkerboard patch: few colours, yet too busy for one RRE rect. */
function boardSource(): PixelSource {
  return rgbSource(200, 150, (x, y) => (x >= 70 && x < 190 && y >= 10 && y < 60 && (x + y) % 2 === 0 ? C : A));
}

describe('RRE encoder, decoded by noVNC (32 bpp, red at shift 0)', () => {
  it.each([
    ['four colours in 5×5 blocks', fewColourSource(45, 37, [A, B, C, 0xffffff], 5, 4)],
    ['text', textSource(70, 50, 6)],
    ['a desktop', DESKTOP],
  ])('reproduces %s, whole and as rects touching every edge', (_name, source) => {
    expect(checkWithNovnc(source, [{ x: 0, y: 0, w: source.width, h: source.height }])).toContain(Encoding.RRE);
    expect(checkWithNovnc(source, edgeRects(source.width, source.height))).toContain(Encoding.RRE);
  });

  it('reproduces noise (as Raw)', () => {
    const source = noiseSource(45, 37, 3);
    expect(new Set(checkWithNovnc(source, edgeRects(45, 37)))).toEqual(new Set([Encoding.RAW]));
  });

  it('reproduces 1×1, 17×33, 1×40 and 40×1 rectangles', () => {
    const source = fewColourSource(41, 41, [A, B, C], 3, 8);
    const encodings = checkWithNovnc(source, [
      { x: 0, y: 0, w: 1, h: 1 }, { x: 1, y: 0, w: 40, h: 1 }, { x: 0, y: 1, w: 1, h: 40 },
      { x: 1, y: 1, w: 17, h: 33 }, { x: 18, y: 1, w: 23, h: 33 }, { x: 1, y: 34, w: 40, h: 7 },
    ]);
    expect(encodings).toContain(Encoding.RRE);
  });

  it('splits a busy large rect into blocks, RRE where flat and Raw where noisy', () => {
    const encodings = checkWithNovnc(patchSource(), [{ x: 0, y: 0, w: 200, h: 150 }]);
    expect(encodings.length).toBe(Math.ceil(200 / RRE_BLOCK) * Math.ceil(150 / RRE_BLOCK));
    expect(encodings.filter((e) => e === Encoding.RAW).length).toBe(2);
  });

  it('falls back to blocks when a large two-colour rect is too busy as a whole', () => {
    const encodings = checkWithNovnc(boardSource(), [{ x: 0, y: 0, w: 200, h: 150 }]);
    expect(encodings.length).toBe(12);
    expect(encodings.filter((e) => e === Encoding.RAW).length).toBe(2);
  });
});

describe('RRE encoder in every pixel format family, decoded from the spec', () => {
  it.each(CLIENT_FORMATS)('%s', (_name, format) => {
    const encodings: number[] = [];
    for (const source of [noiseSource(45, 37, 9), fewColourSource(45, 37, [A, B, C, 0x808080], 4, 10), textSource(45, 37, 11)]) {
      encodings.push(...checkWithSpec(source, format, [{ x: 0, y: 0, w: 45, h: 37 }]));
      encodings.push(...checkWithSpec(source, format, edgeRects(45, 37)));
    }
    encodings.push(...checkWithSpec(DESKTOP, format, [{ x: 0, y: 0, w: 300, h: 200 }]));
    encodings.push(...checkWithSpec(patchSource(), format, [{ x: 0, y: 0, w: 200, h: 150 }]));
    encodings.push(...checkWithSpec(boardSource(), format, [{ x: 0, y: 0, w: 200, h: 150 }]));
    expect(new Set(encodings)).toEqual(new Set([Encoding.RAW, Encoding.RRE]));
  });

  it('merges colours that become equal in the client format (BGR233: dark noise is solid)', () => {
    const dark = rgbSource(20, 20, (x, y) => ((x * 7 + y * 13) % 16) * 0x10101);
    const [encoded, ...rest] = encode(dark, { x: 0, y: 0, w: 20, h: 20 }, createTranslator(BGRX32, BGR233_MAP));
    expect(rest).toEqual([]);
    expect(encoded!.encoding).toBe(Encoding.RRE);
    expect([...bodyOf(encoded!)]).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('RRE choices', () => {
  const translator = createTranslator(BGRX32, NOVNC_FORMAT);

  it('sends a solid 300×200 rect as one RRE rect of 8 bytes', () => {
    const rects = encode(rgbSource(300, 200, () => B), { x: 0, y: 0, w: 300, h: 200 }, translator);
    expect(rects.map((r) => r.encoding)).toEqual([Encoding.RRE]);
    expect([...bodyOf(rects[0]!)]).toEqual([0, 0, 0, 0, 0xf0, 0xe0, 0xd0, 0]);
  });

  it('sends a desktop as one subrect per visible window piece', () => {
    const rect = { x: 0, y: 0, w: 300, h: 200 };
    const rects = encode(DESKTOP, rect, translator);
    expect(rects.length).toBe(1);
    const body = bodyOf(rects[0]!);
    // Windows B (10,20 100×80), A (150,30 120×150) and C (20,120 60×70), in scan order.
    const subrect = (rgb: number, x: number, y: number, w: number, h: number): number[] => [
      rgb >> 16, (rgb >> 8) & 255, rgb & 255, 0, 0, x, 0, y, 0, w, 0, h,
    ];
    expect([...body]).toEqual([0, 0, 0, 3, 0x33, 0x66, 0x99, 0, ...subrect(B, 10, 20, 100, 80), ...subrect(A, 150, 30, 120, 150), ...subrect(C, 20, 120, 60, 70)]);
  });

  it('sends a 1×1 rect and a noisy 64×64 one as Raw, never larger than Raw', () => {
    const source = noiseSource(64, 64, 22);
    for (const rect of [{ x: 5, y: 5, w: 1, h: 1 }, { x: 0, y: 0, w: 64, h: 64 }]) {
      const rects = encode(source, rect, translator);
      expect(rects.map((r) => r.encoding)).toEqual([Encoding.RAW]);
    }
  });

  it('sends a 64×64 block with one 2×2 dot as RRE (20 bytes), with 3 dots too, but Raw when busier than Raw', () => {
    const dots = (n: number): PixelSource => rgbSource(64, 64, (x, y) => (x % 16 < 2 && y % 16 < 2 && (x >> 4) + 4 * (y >> 4) < n ? A : B));
    const rect = { x: 0, y: 0, w: 64, h: 64 };
    expect(bodyOf(encode(dots(1), rect, translator)[0]!).length).toBe(8 + 12);
    expect(bodyOf(encode(dots(3), rect, translator)[0]!).length).toBe(8 + 3 * 12);
    // A checkerboard: 2048 one-pixel subrects (24 kB) against 16 kB of Raw.
    const board = rgbSource(64, 64, (x, y) => ((x + y) % 2 === 0 ? A : B));
    expect(encode(board, rect, translator).map((r) => r.encoding)).toEqual([Encoding.RAW]);
  });

  it('makes a text screen at least 3× smaller than Raw', () => {
    const rects = encode(textSource(640, 480, 14), { x: 0, y: 0, w: 640, h: 480 }, translator);
    const bytes = rects.reduce((sum, r) => sum + 12 + bodyOf(r).length, 0);
    expect(bytes * 3).toBeLessThan(640 * 480 * 4);
  });
});
