/**
 * What the encoder tests share: client pixel formats, rectangles that touch
 * every edge, and round trips that encode a source and compare what noVNC or
 * the spec decoders show with the source, pixel for pixel.
 */
import type { EncodedRect, EncoderFactory, RectEncoder } from '../../src/vnc/encoders/encoder';
import type { PixelSource } from '../../src/vnc/framebuffer/pixel-source';
import type { Rect } from '../../src/vnc/framebuffer/rect';
import { createTranslator, type Translator } from '../../src/vnc/framebuffer/translate';
import { BGR233_MAP, BGRX32, RGB565, type PixelFormat } from '../../src/vnc/protocol/pixel-format';
import { noiseSource, sourceRgb } from './decoders/images';
import { pixelValues, ValueScreen } from './decoders/rre';
import { byteDifference } from './decoders/zlib';
import { NOVNC_FORMAT, NovncScreen } from './novnc-oracle';
import { trueColour } from './pixel-formats';

/** One client format of each family: colour map, 8, 16 and 32 bpp, both byte orders, noVNC's. */
export const CLIENT_FORMATS: Array<[string, PixelFormat]> = [
  ['8 bpp BGR233 (colour map)', BGR233_MAP],
  ['8 bpp RGB332', trueColour(8, false, [7, 7, 3], [5, 2, 0])],
  ['16 bpp 565 LE', RGB565],
  ['16 bpp 565 BE', { ...RGB565, bigEndian: true }],
  ['32 bpp BE r<<16', trueColour(32, true, [255, 255, 255], [16, 8, 0])],
  ['32 bpp LE r<<16 (native, identity)', BGRX32],
  ['32 bpp LE r<<0 (noVNC)', NOVNC_FORMAT],
];

/** A rectangle's body as one buffer. */
export const bodyOf = (encoded: EncodedRect): Buffer => Buffer.concat(encoded.body);

/** Rects that cover a width × height screen, touching every edge, with sides not multiples of 16. */
export function edgeRects(width: number, height: number): Rect[] {
  return [
    { x: 0, y: 0, w: 17, h: 33 },
    { x: 17, y: 0, w: width - 17, h: 1 },
    { x: 17, y: 1, w: width - 17, h: 32 },
    { x: 0, y: 33, w: 1, h: height - 33 },
    { x: 1, y: 33, w: width - 1, h: height - 33 },
  ];
}

/**
 * Encodes `rects` in order with `encode` (one encoder for them all, in noVNC's
 * format), decodes every rectangle it returns with noVNC, and expects the whole
 * screen to be the source. Returns the encodings of the rectangles, in order.
 */
export function novncRoundTrip(source: PixelSource, rects: readonly Rect[], encode: (rect: Rect, translator: Translator) => EncodedRect[]): number[] {
  const translator = createTranslator(BGRX32, NOVNC_FORMAT);
  const screen = new NovncScreen(source.width, source.height);
  const encodings: number[] = [];
  for (const rect of rects) {
    for (const encoded of encode(rect, translator)) {
      screen.decode(encoded.rect, encoded.encoding, bodyOf(encoded));
      encodings.push(encoded.encoding);
    }
  }
  expect(screen.rgb()).toEqual(sourceRgb(source));
  return encodings;
}

/**
 * Encodes and decodes `rects` in order with `encodeAndDecode` (one encoder for
 * them all, in `format`, onto a spec decoder's screen), then expects each rect
 * on the screen to hold the source's pixels in that format. Returns what
 * `encodeAndDecode` returned, in order.
 */
export function specRoundTrip(
  source: PixelSource,
  format: PixelFormat,
  rects: readonly Rect[],
  encodeAndDecode: (rect: Rect, translator: Translator, screen: ValueScreen) => number[],
): number[] {
  const translator = createTranslator(BGRX32, format);
  const screen = new ValueScreen(source.width, source.height, translator.bytesPerPixel, translator.to.bigEndian);
  const seen: number[] = [];
  for (const rect of rects) seen.push(...encodeAndDecode(rect, translator, screen));
  for (const rect of rects) {
    expect(screen.region(rect)).toEqual(pixelValues(translator.translate(source, rect), translator.bytesPerPixel, translator.to.bigEndian));
  }
  return seen;
}

/**
 * Encodes `rect` with an encoder that must answer with that one rectangle in
 * `encoding` (Zlib, ZRLE), at `compressLevel` (undefined: none asked); returns its body.
 */
export async function encodeOne(
  encoder: RectEncoder,
  encoding: number,
  source: PixelSource,
  rect: Rect,
  translator: Translator,
  compressLevel?: number,
): Promise<Buffer> {
  const settings = compressLevel === undefined ? { lossy: false } : { lossy: false, compressLevel };
  const rects = await encoder.encode({ source, rect, translator, settings });
  expect(rects.map((r) => [r.rect, r.encoding])).toEqual([[rect, encoding]]);
  return Buffer.concat(rects[0]!.body);
}

/** Undefined when noVNC's screen shows `source` exactly (as 0xRRGGBB), else where it differs first. */
export function screenDifference(screen: NovncScreen, source: PixelSource): string | undefined {
  const expected = Uint32Array.from(sourceRgb(source));
  return byteDifference(new Uint8Array(Uint32Array.from(screen.rgb()).buffer), new Uint8Array(expected.buffer));
}

/** 150×100 rectangles touching every edge, and the compression level each is sent at (undefined: none asked). */
const STREAM_EDGES: ReadonlyArray<[Rect, number | undefined]> = [
  [{ x: 0, y: 0, w: 150, h: 1 }, undefined],
  [{ x: 0, y: 99, w: 150, h: 1 }, 0],
  [{ x: 0, y: 1, w: 1, h: 98 }, 9],
  [{ x: 149, y: 1, w: 1, h: 98 }, 1],
  [{ x: 1, y: 1, w: 148, h: 98 }, 6],
];

/**
 * Sends each 150×100 source as rectangles touching every edge at changing
 * levels, all on one encoder (one zlib stream), decoding them with noVNC; after
 * each source, noVNC's screen must be that source exactly. Returns the screen.
 */
export async function expectStreamAcrossEdges(encoder: RectEncoder, encoding: number, sources: readonly PixelSource[]): Promise<NovncScreen> {
  const translator = createTranslator(BGRX32, NOVNC_FORMAT);
  const screen = new NovncScreen(150, 100);
  for (const source of sources) {
    expect([source.width, source.height]).toEqual([150, 100]);
    for (const [rect, level] of STREAM_EDGES) screen.decode(rect, encoding, await encodeOne(encoder, encoding, source, rect, translator, level));
    expect(screenDifference(screen, source)).toBeUndefined();
  }
  return screen;
}

/**
 * The lifetime tests of an encoder on a persistent zlib stream (Zlib, ZRLE),
 * whose rectangles must come back in `encoding`: call inside its describe.
 */
export function itKeepsAZlibStream(factory: EncoderFactory, encoding: number): void {
  it('keeps overlapping calls apart (the session should not make them, but buffers are reused)', async () => {
    const translator = createTranslator(BGRX32, NOVNC_FORMAT);
    const rect = { x: 0, y: 0, w: 70, h: 70 };
    const first = noiseSource(70, 70, 31);
    const second = noiseSource(70, 70, 32);
    const encoder = factory.create();
    const [a, b] = await Promise.all([
      encodeOne(encoder, encoding, first, rect, translator),
      encodeOne(encoder, encoding, second, rect, translator),
    ]);
    encoder.dispose?.();
    const screen = new NovncScreen(70, 70);
    screen.decode(rect, encoding, a);
    expect(screenDifference(screen, first)).toBeUndefined();
    screen.decode(rect, encoding, b);
    expect(screenDifference(screen, second)).toBeUndefined();
  });

  it('closes its zlib stream on dispose: later rectangles fail', async () => {
    const translator = createTranslator(BGRX32, NOVNC_FORMAT);
    const source = noiseSource(8, 8, 3);
    const encoder = factory.create();
    await encodeOne(encoder, encoding, source, { x: 0, y: 0, w: 8, h: 8 }, translator);
    encoder.dispose?.();
    await expect(encoder.encode({ source, rect: { x: 0, y: 0, w: 8, h: 8 }, translator, settings: { lossy: false } })).rejects.toThrow('closed');
  });
}
