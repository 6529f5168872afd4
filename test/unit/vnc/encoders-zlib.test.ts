import type { RectEncoder } from '../../../src/vnc/encoders/encoder';
import { zlibEncoder } from '../../../src/vnc/encoders/zlib';
import type { PixelSource } from '../../../src/vnc/framebuffer/pixel-source';
import type { Rect } from '../../../src/vnc/framebuffer/rect';
import { createTranslator, type Translator } from '../../../src/vnc/framebuffer/translate';
import { BGR233_MAP, BGRX32, RGB565, type PixelFormat } from '../../../src/vnc/protocol/pixel-format';
import { noiseSource as noise, rgbSource, type TestSource } from '../../helpers/decoders/images';
import { byteDifference, ClientScreen, SpecZlibDecoder, zlibPayload } from '../../helpers/decoders/zlib';
import { encodeOne, expectStreamAcrossEdges, itKeepsAZlibStream, screenDifference } from '../../helpers/encoder-checks';
import { NOVNC_FORMAT, NovncScreen } from '../../helpers/novnc-oracle';
import { trueColour } from '../../helpers/pixel-formats';
import { rng } from '../../helpers/random';

/** Blocks of a few colours with some noisy ones: compressible, but not trivially. */
function blocks(width: number, height: number, seed: number): TestSource {
  const next = rng(seed);
  const colours = [0xffffff, 0x202020, 0x3465a4, 0xcc0000];
  return rgbSource(width, height, (x, y) => ((x >> 3) + (y >> 2)) % 7 === 0 ? next() : colours[((x >> 4) ^ (y >> 3)) & 3]!);
}

const encode = (encoder: RectEncoder, source: PixelSource, rect: Rect, translator: Translator, compressLevel?: number): Promise<Buffer> =>
  encodeOne(encoder, 6, source, rect, translator, compressLevel);

describe('Zlib encoder, decoded by noVNC', () => {
  it('reproduces random images of awkward sizes', async () => {
    for (const source of [noise(1, 1, 1), noise(65, 65, 2), noise(1, 130, 3), noise(130, 1, 4), noise(64, 64, 5)]) {
      const screen = new NovncScreen(source.width, source.height);
      const encoder = zlibEncoder.create();
      const rect = { x: 0, y: 0, w: source.width, h: source.height };
      screen.decode(rect, 6, await encode(encoder, source, rect, createTranslator(BGRX32, NOVNC_FORMAT)));
      encoder.dispose?.();
      expect(screenDifference(screen, source)).toBeUndefined();
    }
  });

  it('keeps one stream over rectangles touching every edge, several updates and changing levels', async () => {
    const encoder = zlibEncoder.create();
    await expectStreamAcrossEdges(encoder, 6, [blocks(150, 100, 1), noise(150, 100, 2), blocks(150, 100, 3)]);
    encoder.dispose?.();
  });

  it('applies the level of each rectangle: 0 stores, 9 compresses, on the same stream', async () => {
    const source = blocks(128, 128, 9);
    const rect = { x: 0, y: 0, w: 128, h: 128 };
    const raw = 128 * 128 * 4;
    const translator = createTranslator(BGRX32, NOVNC_FORMAT);
    const screen = new NovncScreen(128, 128);
    const encoder = zlibEncoder.create();
    const stored = await encode(encoder, source, rect, translator, 0);
    // Stored blocks: the data itself plus a few bytes of block headers and flush marker.
    expect(zlibPayload(stored).length).toBeGreaterThan(raw);
    expect(zlibPayload(stored).length).toBeLessThan(raw + 64);
    const other = blocks(128, 128, 10);
    const packed = await encode(encoder, other, rect, translator, 9);
    expect(zlibPayload(packed).length).toBeLessThan(raw / 4);
    screen.decode(rect, 6, stored);
    screen.decode(rect, 6, packed);
    expect(screenDifference(screen, other)).toBeUndefined();
    // Out-of-range levels are clamped, not refused.
    const clamped = await encode(encoder, source, rect, translator, 42);
    screen.decode(rect, 6, clamped);
    expect(screenDifference(screen, source)).toBeUndefined();
    encoder.dispose?.();
  });
});

describe('Zlib for other client formats, read by the spec decoder', () => {
  const formats: Array<[string, PixelFormat]> = [
    ['8 bpp BGR233 (colour map)', BGR233_MAP],
    ['16 bpp 565 LE', RGB565],
    ['16 bpp 565 BE', { ...RGB565, bigEndian: true }],
    ['32 bpp BE depth 24, colours in the low bytes', trueColour(32, true, [255, 255, 255], [16, 8, 0], 24)],
    ['32 bpp BE depth 24, colours in the high bytes', trueColour(32, true, [255, 255, 255], [24, 16, 8], 24)],
    ['32 bpp LE depth 32', trueColour(32, false, [255, 255, 255], [16, 8, 0], 32)],
  ];

  it.each(formats)('%s', async (_name, format) => {
    const width = 97;
    const height = 70;
    const translator = createTranslator(BGRX32, format);
    const screen = new ClientScreen(width, height, translator.to);
    const decoder = new SpecZlibDecoder();
    const encoder = zlibEncoder.create();
    for (const [u, source] of [blocks(width, height, 4), noise(width, height, 5)].entries()) {
      const rects = [{ x: 0, y: 0, w: 97, h: 33 }, { x: 0, y: 33, w: 96, h: 37 }, { x: 96, y: 33, w: 1, h: 37 }];
      for (const [i, rect] of rects.entries()) {
        const body = await encode(encoder, source, rect, translator, (u * 3 + i) % 10);
        decoder.decode(screen, rect, body);
      }
      expect(byteDifference(screen.bytes, translator.translate(source, { x: 0, y: 0, w: width, h: height }))).toBeUndefined();
    }
    encoder.dispose?.();
  });
});

describe('Zlib sizes and lifetime', () => {
  it('compresses a flat 1920x1080 desktop to a tiny fraction of Raw', async () => {
    const translator = createTranslator(BGRX32, NOVNC_FORMAT);
    const full = { x: 0, y: 0, w: 1920, h: 1080 };
    const flat = rgbSource(1920, 1080, (x, y) => (x > 300 && x < 900 && y > 200 && y < 700 ? 0xeeeeee : 0x3465a4));
    const encoder = zlibEncoder.create();
    const body = await encode(encoder, flat, full, translator);
    encoder.dispose?.();
    expect(body.length).toBeLessThan((1920 * 1080 * 4) / 200);
    const screen = new ClientScreen(1920, 1080, NOVNC_FORMAT);
    new SpecZlibDecoder().decode(screen, full, body);
    expect(byteDifference(screen.bytes, translator.translate(flat, full))).toBeUndefined();
  });

  itKeepsAZlibStream(zlibEncoder, 6);
});
