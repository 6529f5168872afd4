import type { EncodedRect, EncodeSettings } from '../../../src/vnc/encoders/encoder';
import { noJpeg, type JpegEncoder } from '../../../src/vnc/encoders/jpeg';
import { createTightEncoder, tightEncoder } from '../../../src/vnc/encoders/tight';
import type { Rect } from '../../../src/vnc/framebuffer/rect';
import { createTranslator } from '../../../src/vnc/framebuffer/translate';
import { BGRX32 } from '../../../src/vnc/protocol/pixel-format';
import { NOVNC_FORMAT, NovncScreen } from '../../helpers/novnc-oracle';
import {
  bodyOf, controls, coverage, desktop, encodeRects, fewColours, noise, photo, solid, sourceRgb, totalBytes, twoColour,
  makeSource, type TestSource,
} from './encoders-tight-images';

const translator = createTranslator(BGRX32, NOVNC_FORMAT);
const LOSSLESS: EncodeSettings = { lossy: false };

function decodeAll(screen: NovncScreen, rects: readonly EncodedRect[]): void {
  for (const r of rects) screen.decode(r.rect, r.encoding, bodyOf(r));
}

/** Encodes the whole source on a fresh encoder and noVNC screen; returns the rects and the screen. */
async function roundTrip(source: TestSource, settings: EncodeSettings = LOSSLESS, factory = tightEncoder) {
  const encoder = factory.create();
  const screen = new NovncScreen(source.width, source.height);
  const rect = { x: 0, y: 0, w: source.width, h: source.height };
  const rects = await encodeRects(encoder, source, rect, translator, settings);
  decodeAll(screen, rects);
  encoder.dispose?.();
  return { rects, screen };
}

describe('Tight encoder, decoded by noVNC', () => {
  it('sends a one-colour rectangle as a fill: control 0x80 and one RGB TPIXEL', async () => {
    const { rects, screen } = await roundTrip(solid(100, 30, 0x336699));
    expect(rects).toHaveLength(1);
    expect(rects[0]!.encoding).toBe(7);
    expect([...bodyOf(rects[0]!)]).toEqual([0x80, 0x33, 0x66, 0x99]);
    expect(screen.rgb()).toEqual(new Array(3000).fill(0x336699));
  });

  it('sends two colours as a 1-bit mask on stream 1 (rows padded to a byte), resetting the stream on first use', async () => {
    const source = twoColour(61, 23); // 61 is not a multiple of 8
    const { rects, screen } = await roundTrip(source);
    expect(rects).toHaveLength(1);
    const body = bodyOf(rects[0]!);
    expect([...body.subarray(0, 3)]).toEqual([0x40 | 0x10 | 0x02, 1, 1]); // explicit filter, stream 1, reset 1; palette; 2 colours
    expect(new Set([body.readUIntBE(3, 3), body.readUIntBE(6, 3)])).toEqual(new Set([0x202020, 0xfafafa]));
    expect(screen.rgb()).toEqual(sourceRgb(source));
  });

  it('sends 3..256 colours as palette indices on stream 2', async () => {
    for (const n of [3, 17, 256]) {
      const source = fewColours(128, 128, n);
      const { rects, screen } = await roundTrip(source);
      expect(controls(rects)).toEqual([0x40 | 0x20 | 0x04]);
      expect(bodyOf(rects[0]!)[2]).toBe(n - 1);
      expect(screen.rgb()).toEqual(sourceRgb(source));
    }
  });

  it('sends many colours with the copy filter on stream 0 as RGB TPIXELs', async () => {
    const source = noise(64, 40);
    const { rects, screen } = await roundTrip(source);
    expect(controls(rects)).toEqual([0x01]);
    expect(screen.rgb()).toEqual(sourceRgb(source));
  });

  it('sends data under 12 bytes uncompressed, with no length and no stream reset', async () => {
    const threeColours = makeSource(3, 1, (x) => [0xff0000, 0x00ff00, 0x0000ff][x]!); // 9 bytes of TPIXELs
    const { rects, screen } = await roundTrip(threeColours);
    expect([...bodyOf(rects[0]!)]).toEqual([0x00, 0xff, 0, 0, 0, 0xff, 0, 0, 0, 0xff]);
    expect(screen.rgb()).toEqual([0xff0000, 0x00ff00, 0x0000ff]);
    const one = await roundTrip(solid(1, 1, 0x010203));
    expect([...bodyOf(one.rects[0]!)]).toEqual([0x80, 1, 2, 3]);
  });

  it('decodes rectangles touching every edge, one after another on one encoder', async () => {
    const source = fewColours(50, 40, 9);
    const encoder = tightEncoder.create();
    const screen = new NovncScreen(50, 40);
    const parts: Rect[] = [
      { x: 0, y: 0, w: 50, h: 1 }, { x: 0, y: 39, w: 50, h: 1 }, { x: 0, y: 1, w: 1, h: 38 },
      { x: 49, y: 1, w: 1, h: 38 }, { x: 1, y: 1, w: 48, h: 38 },
    ];
    for (const rect of parts) decodeAll(screen, await encodeRects(encoder, source, rect, translator));
    expect(screen.rgb()).toEqual(sourceRgb(source));
  });

  it('splits wide and large rectangles into pieces no wider than 2048 and, unless fills, no larger than 65536 pixels', async () => {
    const source = noise(2100, 70, 3);
    const { rects, screen } = await roundTrip(source);
    for (const r of rects) {
      expect(r.rect.w).toBeLessThanOrEqual(2048);
      expect(r.rect.w * r.rect.h).toBeLessThanOrEqual(65536);
    }
    expect(rects.length).toBeGreaterThanOrEqual(3);
    expect(coverage({ x: 0, y: 0, w: 2100, h: 70 }, rects).every((c) => c === 1)).toBe(true);
    expect(screen.rgb()).toEqual(sourceRgb(source));
    const flat = await roundTrip(solid(4100, 20, 0x123456));
    expect(flat.rects.map((r) => [r.rect.x, r.rect.w, bodyOf(r).length])).toEqual([[0, 2048, 4], [2048, 2048, 4], [4096, 4, 4]]);
  });

  it('cuts large solid areas out as fills and compresses only the windows', async () => {
    const source = desktop(640, 480);
    const { rects, screen } = await roundTrip(source);
    expect(screen.rgb()).toEqual(sourceRgb(source));
    const fills = rects.filter((r) => bodyOf(r)[0] === 0x80);
    const filled = fills.reduce((n, r) => n + r.rect.w * r.rect.h, 0);
    // The windows cover 2/9 of the screen; the background is sent as a few fills.
    expect(filled).toBeGreaterThan(0.7 * 640 * 480);
    expect(fills.length).toBeLessThan(20);
    expect(totalBytes(rects)).toBeLessThan(20_000);
  });

  it('keeps its zlib streams across rectangles and updates: only the first use of a stream resets it', async () => {
    const encoder = tightEncoder.create();
    const screen = new NovncScreen(96, 64);
    const frames = [noise(96, 64, 1), twoColour(96, 64), fewColours(96, 64, 40), noise(96, 64, 2), twoColour(96, 64)];
    const seen: number[] = [];
    for (const source of frames) {
      const rects = await encodeRects(encoder, source, { x: 0, y: 0, w: 96, h: 64 }, translator);
      seen.push(...controls(rects));
      decodeAll(screen, rects);
      expect(screen.rgb()).toEqual(sourceRgb(source));
    }
    expect(seen).toEqual([0x01, 0x52, 0x64, 0x00, 0x50]);
  });

  it('starts its streams in step with a client that already had Tight from an earlier encoder', async () => {
    const screen = new NovncScreen(64, 32);
    for (const seed of [1, 2]) {
      const encoder = tightEncoder.create();
      const source = noise(64, 32, seed);
      decodeAll(screen, await encodeRects(encoder, source, { x: 0, y: 0, w: 64, h: 32 }, translator));
      expect(screen.rgb()).toEqual(sourceRgb(source));
      encoder.dispose?.();
    }
  });

  it('follows the compression level as it changes between updates', async () => {
    const encoder = tightEncoder.create();
    const screen = new NovncScreen(200, 100);
    const sizes: number[] = [];
    for (const level of [0, 9, 1, 6]) {
      const source = fewColours(200, 100, 60 + level);
      const rects = await encodeRects(encoder, source, { x: 0, y: 0, w: 200, h: 100 }, translator, { lossy: false, compressLevel: level });
      decodeAll(screen, rects);
      expect(screen.rgb()).toEqual(sourceRgb(source));
      sizes.push(totalBytes(rects));
    }
    // Level 0 stores the 20000 index bytes; level 9 deflates them.
    expect(sizes[0]).toBeGreaterThan(20_000);
    expect(sizes[1]).toBeLessThan(sizes[0]! / 4);
  });

  it('sends photographic pieces as JPEG only with a quality level and lossy allowed; quality 9 is close', async () => {
    const source = photo(320, 240);
    const jpeg = await roundTrip(source, { lossy: true, qualityLevel: 9 });
    expect(new Set(controls(jpeg.rects))).toEqual(new Set([0x90]));
    const expected = sourceRgb(source);
    const decoded = jpeg.screen.rgb();
    for (const shift of [16, 8, 0]) {
      const error = decoded.reduce((sum, v, i) => sum + Math.abs(((v >> shift) & 255) - ((expected[i]! >> shift) & 255)), 0) / decoded.length;
      expect(error).toBeLessThan(8);
    }
    const low = await roundTrip(source, { lossy: true, qualityLevel: 0 });
    expect(totalBytes(low.rects)).toBeLessThan(totalBytes(jpeg.rects) / 3);
    for (const settings of [{ lossy: false, qualityLevel: 9 }, { lossy: true }] as EncodeSettings[]) {
      const lossless = await roundTrip(source, settings);
      expect(controls(lossless.rects).some((c) => c >> 4 === 9)).toBe(false);
      expect(lossless.screen.rgb()).toEqual(expected);
    }
  });

  it('stores photographic pieces on stream 3 at compression levels up to 3 (deflate gains little on them, slowly)', async () => {
    const source = photo(200, 100);
    const raw = 200 * 100 * 3;
    const fast = await roundTrip(source, { lossy: false, compressLevel: 2 });
    expect(controls(fast.rects)).toEqual([0x38]);
    expect(totalBytes(fast.rects)).toBeGreaterThan(raw);
    expect(fast.screen.rgb()).toEqual(sourceRgb(source));
    const small = await roundTrip(source, { lossy: false, compressLevel: 4 });
    expect(controls(small.rects)).toEqual([0x01]);
    expect(totalBytes(small.rects)).toBeLessThan(raw);
    expect(small.screen.rgb()).toEqual(sourceRgb(source));
  });

  it('keeps text-like and few-colour pieces lossless even when JPEG is allowed', async () => {
    for (const source of [desktop(320, 240), fewColours(200, 100, 200)]) {
      const { rects, screen } = await roundTrip(source, { lossy: true, qualityLevel: 5 });
      expect(controls(rects).some((c) => c >> 4 === 9)).toBe(false);
      expect(screen.rgb()).toEqual(sourceRgb(source));
    }
  });

  it('stays lossless when no JPEG codec can be loaded, and looks for one only once', async () => {
    let lookups = 0;
    const factory = createTightEncoder({ loadJpeg: () => (lookups++, noJpeg()) });
    const source = photo(200, 120);
    for (let i = 0; i < 2; i++) {
      const { rects, screen } = await roundTrip(source, { lossy: true, qualityLevel: 6 }, factory);
      expect(controls(rects).every((c) => c >> 4 === 0)).toBe(true);
      expect(screen.rgb()).toEqual(sourceRgb(source));
    }
    expect(lookups).toBe(1);
  });

  it('falls back to lossless stream 3 when the JPEG codec fails, in the order the client reads', async () => {
    let calls = 0;
    const flaky: JpegEncoder = {
      name: 'flaky',
      encode: async () => {
        calls++;
        throw new Error('codec broke');
      },
    };
    const factory = createTightEncoder({ loadJpeg: () => flaky });
    const source = photo(2100, 100); // two JPEG pieces: 2048 wide, then 52
    const { rects, screen } = await roundTrip(source, { lossy: true, qualityLevel: 6 }, factory);
    expect(calls).toBeGreaterThan(1);
    expect(controls(rects)[0]).toBe(0x38); // stream 3, reset 3
    expect(controls(rects).slice(1).every((c) => c === 0x30)).toBe(true);
    expect(screen.rgb()).toEqual(sourceRgb(source));
  });

  it('closes its zlib streams on dispose', async () => {
    const encoder = tightEncoder.create();
    const source = noise(32, 32);
    await encodeRects(encoder, source, { x: 0, y: 0, w: 32, h: 32 }, translator);
    encoder.dispose?.();
    await expect(encodeRects(encoder, source, { x: 0, y: 0, w: 32, h: 32 }, translator)).rejects.toThrow(/closed/);
  });
});
