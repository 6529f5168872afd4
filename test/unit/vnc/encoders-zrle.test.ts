import type { RectEncoder } from '../../../src/vnc/encoders/encoder';
import { zrleEncoder } from '../../../src/vnc/encoders/zrle';
import type { PixelSource } from '../../../src/vnc/framebuffer/pixel-source';
import type { Rect } from '../../../src/vnc/framebuffer/rect';
import { createTranslator, type Translator } from '../../../src/vnc/framebuffer/translate';
import { BGR233_MAP, BGRX32, RGB565, type PixelFormat } from '../../../src/vnc/protocol/pixel-format';
import { COLOURS, noiseSource as noise, rgbSource, type TestSource } from '../../helpers/decoders/images';
import { byteDifference, ClientScreen } from '../../helpers/decoders/zlib';
import { SpecZrleDecoder, type DecodedTile } from '../../helpers/decoders/zrle';
import { encodeOne, expectStreamAcrossEdges, itKeepsAZlibStream, screenDifference } from '../../helpers/encoder-checks';
import { NOVNC_FORMAT, NovncScreen } from '../../helpers/novnc-oracle';
import { trueColour } from '../../helpers/pixel-formats';
import { rng } from '../../helpers/random';

/**
 * Seven 64×64 tiles side by side, each built so that one subencoding is the
 * smallest: the expected subencoding byte of each, in order.
 */
const TILE_CASES: Array<[number, (x: number, y: number, r: () => number) => number]> = [
  [1, () => 0x336699], // solid
  [2, (x, y) => COLOURS[(x + y) & 1]!], // 2 colours, all runs of 1: packed 1 bit
  [4, (_x, _y, r) => COLOURS[r() & 3]!], // 4 colours of noise: packed 2 bits
  [12, (_x, _y, r) => COLOURS[r() % 12]!], // 12 colours of noise: packed 4 bits
  [128 + 20, (x, y) => COLOURS[((y * 64 + x) >> 5) % 20]!], // 20 colours, runs of 32: palette RLE
  [128, (x, y) => COLOURS[(y * 64 + x) >> 4]!], // 256 colours, runs of 16: plain RLE
  [0, (_x, _y, r) => r()], // noise: raw
  [128 + 2, (x, y) => COLOURS[[0, 1, 0, 1][[1000, 1500, 2000, 4096].findIndex((end) => y * 64 + x < end)]!]!], // runs of 1000, 500, 500, 2096: palette RLE, long lengths
  [128, (x, y) => (y * 64 + x < 3000 ? 0x123456 : COLOURS[(y * 64 + x) % 200]!)], // 1 long run, then 200 colours: plain RLE
];

function tileImage(height = 64): TestSource {
  const next = rng(7);
  return rgbSource(64 * TILE_CASES.length, height, (x, y) => TILE_CASES[x >> 6]![1](x & 63, y & 63, next));
}

/** A text-like screen: light background, dark glyphs from a small font, a title bar, some anti-aliasing. */
function textScreen(width: number, height: number): TestSource {
  const next = rng(99);
  const glyphs = Array.from({ length: 96 }, () => Array.from({ length: 16 * 8 }, () => next() % 100));
  const lineLength = Array.from({ length: Math.ceil(height / 18) }, () => next() % Math.floor(width / 8));
  const text = Array.from({ length: lineLength.length * 240 }, () => next() % 96);
  return rgbSource(width, height, (x, y) => {
    if (y < 24) return 0x2b4f81;
    const line = Math.floor((y - 24) / 18);
    const row = (y - 24) % 18;
    const col = Math.floor(x / 8);
    if (row >= 16 || x < 8 || col > lineLength[line]!) return 0xfafafa;
    const glyph = glyphs[text[(line * 240 + col) % text.length]!]!;
    const ink = glyph[row * 8 + (x % 8)]!;
    return ink < 22 ? 0x202020 : ink < 28 ? 0x9a9a9a : 0xfafafa;
  });
}

const encode = (encoder: RectEncoder, source: PixelSource, rect: Rect, translator: Translator, compressLevel?: number): Promise<Buffer> =>
  encodeOne(encoder, 16, source, rect, translator, compressLevel);

/** A 32 bpp format with the channels at `shifts`, `max` each. */
const tc32 = (bigEndian: boolean, shifts: [number, number, number], depth: number, max = 255): PixelFormat =>
  trueColour(32, bigEndian, [max, max, max], shifts, depth);

describe('ZRLE encoder, decoded by noVNC (NOVNC_FORMAT, 3-byte CPIXELs)', () => {
  it('reproduces random images of awkward sizes, and a tile of every subencoding', async () => {
    const sources = [
      noise(1, 1, 1), noise(65, 65, 2), noise(1, 130, 3), noise(130, 1, 4), noise(64, 64, 5),
      tileImage(), tileImage(130),
    ];
    for (const source of sources) {
      const translator = createTranslator(BGRX32, NOVNC_FORMAT);
      const screen = new NovncScreen(source.width, source.height);
      const encoder = zrleEncoder.create();
      const rect = { x: 0, y: 0, w: source.width, h: source.height };
      screen.decode(rect, 16, await encode(encoder, source, rect, translator));
      encoder.dispose?.();
      expect(screenDifference(screen, source)).toBeUndefined();
    }
  });

  it('keeps one stream over rectangles touching every edge, several updates and changing levels', async () => {
    const width = 150;
    const height = 100;
    const translator = createTranslator(BGRX32, NOVNC_FORMAT);
    const encoder = zrleEncoder.create();
    const updates = [tileImage(100), noise(width, height, 11), textScreen(width, height)].map((s) => rgbSource(width, height, (x, y) => s.data.readUInt32LE((y * s.width + (x % s.width)) * 4)));
    const screen = await expectStreamAcrossEdges(encoder, 16, updates);
    // The stream persists: a rectangle sent again costs a fraction of the first time.
    const last = updates[2]!;
    const again = rgbSource(width, height, (x, y) => (x < 64 && y < 64 ? updates[1]! : last).data.readUInt32LE((y * width + x) * 4));
    const first = await encode(encoder, again, { x: 0, y: 0, w: 64, h: 64 }, translator, 6);
    const second = await encode(encoder, again, { x: 0, y: 0, w: 64, h: 64 }, translator, 6);
    expect(second.length).toBeLessThan(first.length / 5);
    screen.decode({ x: 0, y: 0, w: 64, h: 64 }, 16, first);
    screen.decode({ x: 0, y: 0, w: 64, h: 64 }, 16, second);
    expect(screenDifference(screen, again)).toBeUndefined();
    encoder.dispose?.();
  });
});

describe('ZRLE tile choices, read by the spec decoder', () => {
  it('sends each test tile in the subencoding built for it, no larger than raw', async () => {
    const source = tileImage();
    const translator = createTranslator(BGRX32, NOVNC_FORMAT);
    const screen = new ClientScreen(source.width, 64, NOVNC_FORMAT);
    const encoder = zrleEncoder.create();
    const tiles = new SpecZrleDecoder().decode(screen, { x: 0, y: 0, w: source.width, h: 64 }, await encode(encoder, source, { x: 0, y: 0, w: source.width, h: 64 }, translator));
    encoder.dispose?.();
    expect(tiles.map((t) => t.subencoding)).toEqual(TILE_CASES.map(([sub]) => sub));
    expect(tiles.map((t) => t.size)).toEqual([
      1 + 3, // solid: one CPIXEL
      1 + 2 * 3 + 64 * 8, // 1-bit indices, 8 bytes a row
      1 + 4 * 3 + 64 * 16,
      1 + 12 * 3 + 64 * 32,
      1 + 20 * 3 + 128 * 2, // 128 runs of 32: index + length each
      1 + 256 * (3 + 1),
      1 + 4096 * 3,
      1 + 2 * 3 + (1 + 4) + (1 + 2) * 2 + (1 + 9), // lengths 999 = 3×255 + 234, 499 = 255 + 244, 2095 = 8×255 + 55
      1 + (3 + 12) + 1096 * (3 + 1), // 2999 = 11×255 + 194, then runs of 1
    ]);
    expect(byteDifference(screen.bytes, translator.translate(source, { x: 0, y: 0, w: source.width, h: 64 }))).toBeUndefined();
  });

  it('keeps the tile grid on the rectangle, not the screen', async () => {
    const source = rgbSource(200, 140, (x, y) => (x < 100 ? 0x111111 : COLOURS[(x + y) & 1]!));
    const translator = createTranslator(BGRX32, NOVNC_FORMAT);
    const screen = new ClientScreen(200, 140, NOVNC_FORMAT);
    const encoder = zrleEncoder.create();
    const rect = { x: 30, y: 5, w: 70, h: 130 };
    const tiles = new SpecZrleDecoder().decode(screen, rect, await encode(encoder, source, rect, translator));
    encoder.dispose?.();
    const layout = (t: DecodedTile): number[] => [t.x, t.y, t.w, t.h, t.subencoding];
    expect(tiles.map(layout)).toEqual([
      [30, 5, 64, 64, 1], [94, 5, 6, 64, 1], [30, 69, 64, 64, 1], [94, 69, 6, 64, 1], [30, 133, 64, 2, 1], [94, 133, 6, 2, 1],
    ]);
  });
});

describe('ZRLE for other client formats, read by the spec decoder', () => {
  const formats: Array<[string, PixelFormat, number]> = [
    ['8 bpp BGR233 (colour map)', BGR233_MAP, 1],
    ['16 bpp 565 LE', RGB565, 2],
    ['16 bpp 565 BE', { ...RGB565, bigEndian: true }, 2],
    ['32 bpp BE depth 24, colours in the low bytes', tc32(true, [16, 8, 0], 24), 3],
    ['32 bpp BE depth 24, colours in the high bytes', tc32(true, [24, 16, 8], 24), 3],
    ['32 bpp LE depth 24, colours in the high bytes', tc32(false, [8, 16, 24], 24), 3],
    ['32 bpp LE depth 32 (no compaction)', tc32(false, [16, 8, 0], 32), 4],
    ['32 bpp BE depth 30, 10 bits a channel', tc32(true, [20, 10, 0], 30, 1023), 4],
    ['32 bpp LE depth 16, colours in the middle bytes', tc32(false, [19, 13, 8], 16, 31), 3],
    ['32 bpp BE depth 16, colours in the middle bytes', tc32(true, [19, 13, 8], 16, 31), 3],
  ];

  it.each(formats)('%s', async (_name, format, cpixelBytes) => {
    const width = 150;
    const height = 100;
    const translator = createTranslator(BGRX32, format);
    const screen = new ClientScreen(width, height, translator.to);
    const decoder = new SpecZrleDecoder();
    const encoder = zrleEncoder.create();
    const tiled = tileImage(100);
    // 256 colours in runs of 8, spread so that even BGR233 keeps them apart: plain RLE.
    const gradient = rgbSource(width, height, (x, y) => {
      const v = ((y * width + x) >> 3) & 255;
      return ((v & 7) * 36) << 16 | (((v >> 3) & 7) * 36) << 8 | (v >> 6) * 85;
    });
    const images = [rgbSource(width, height, (x, y) => tiled.data.readUInt32LE((y * tiled.width + x) * 4)), noise(width, height, 21), textScreen(width, height), gradient];
    const seen = new Set<number>();
    for (const [u, source] of images.entries()) {
      const rects = [{ x: 0, y: 0, w: 150, h: 64 }, { x: 0, y: 64, w: 1, h: 36 }, { x: 1, y: 64, w: 149, h: 36 }];
      for (const [i, rect] of rects.entries()) {
        for (const tile of decoder.decode(screen, rect, await encode(encoder, source, rect, translator, (u + i) % 10))) {
          seen.add(tile.subencoding);
          if (tile.subencoding === 0) expect(tile.size).toBe(1 + tile.w * tile.h * cpixelBytes);
          if (tile.subencoding === 1) expect(tile.size).toBe(1 + cpixelBytes);
          expect(tile.size).toBeLessThanOrEqual(1 + tile.w * tile.h * cpixelBytes);
        }
      }
      expect(byteDifference(screen.bytes, translator.translate(source, { x: 0, y: 0, w: width, h: height }))).toBeUndefined();
    }
    encoder.dispose?.();
    // Every form was exercised in this format.
    for (const sub of [0, 1, 2, 128]) expect(seen).toContain(sub);
    expect([...seen].some((s) => s > 128)).toBe(true);
  });
});

describe('ZRLE sizes and lifetime', () => {
  it('compresses a flat screen to almost nothing and a text-like 1920x1080 screen at least 20x', async () => {
    const translator = createTranslator(BGRX32, NOVNC_FORMAT);
    const full = { x: 0, y: 0, w: 1920, h: 1080 };
    const raw = 1920 * 1080 * 4;
    const encoder = zrleEncoder.create();
    const flat = rgbSource(1920, 1080, (x, y) => (x > 300 && x < 900 && y > 200 && y < 700 ? 0xeeeeee : 0x3465a4));
    const flatBytes = await encode(encoder, flat, full, translator);
    expect(flatBytes.length).toBeLessThan(raw / 2000);
    const text = textScreen(1920, 1080);
    const textBytes = await encode(encoder, text, full, translator);
    expect(textBytes.length * 20).toBeLessThan(raw);
    const screen = new ClientScreen(1920, 1080, NOVNC_FORMAT);
    const decoder = new SpecZrleDecoder();
    decoder.decode(screen, full, flatBytes);
    decoder.decode(screen, full, textBytes);
    expect(byteDifference(screen.bytes, translator.translate(text, full))).toBeUndefined();
    encoder.dispose?.();
  });

  itKeepsAZlibStream(zrleEncoder, 16);
});
