import { PNG } from 'pngjs';
import type { EncodedRect, EncodeSettings } from '../../../src/vnc/encoders/encoder';
import { noJpeg } from '../../../src/vnc/encoders/jpeg';
import { createTightPngEncoder, tightPngEncoder } from '../../../src/vnc/encoders/tight-png';
import { createTranslator } from '../../../src/vnc/framebuffer/translate';
import { BGRX32 } from '../../../src/vnc/protocol/pixel-format';
import { NOVNC_FORMAT, NovncScreen } from '../../helpers/novnc-oracle';
import {
  bodyOf, controls, coverage, desktop, encodeRects, fewColours, noise, photo, solid, sourceRgb, totalBytes, twoColour, type TestSource,
} from './encoders-tight-images';

const translator = createTranslator(BGRX32, NOVNC_FORMAT);

async function roundTrip(source: TestSource, settings: EncodeSettings = { lossy: false }, factory = tightPngEncoder) {
  const encoder = factory.create();
  const screen = new NovncScreen(source.width, source.height);
  const rects = await encodeRects(encoder, source, { x: 0, y: 0, w: source.width, h: source.height }, translator, settings);
  for (const r of rects) screen.decode(r.rect, r.encoding, bodyOf(r));
  return { rects, screen };
}

/** The PNG inside a 0xA0 rectangle (after the control byte and the compact length). */
function pngOf(r: EncodedRect): PNG {
  const body = bodyOf(r);
  const lengthBytes = body[1]! < 128 ? 1 : body[2]! < 128 ? 2 : 3;
  return PNG.sync.read(body.subarray(1 + lengthBytes));
}

describe('TightPNG encoder, decoded by noVNC', () => {
  it('sends one colour as a fill and everything else as PNG, never basic compression', async () => {
    const fill = await roundTrip(solid(40, 30, 0xa1b2c3));
    expect(fill.rects.map((r) => [r.encoding, [...bodyOf(r)]])).toEqual([[-260, [0x80, 0xa1, 0xb2, 0xc3]]]);
    for (const source of [twoColour(61, 23), fewColours(128, 128, 200), noise(100, 50), desktop(400, 300)]) {
      const { rects, screen } = await roundTrip(source);
      expect(controls(rects).every((c) => c === 0x80 || c === 0xa0)).toBe(true);
      expect(controls(rects)).toContain(0xa0);
      expect(screen.rgb()).toEqual(sourceRgb(source));
    }
  });

  it('uses palette PNGs (1-bit for two colours) up to 256 colours and RGB PNGs beyond', async () => {
    const mono = await roundTrip(twoColour(61, 23));
    expect(pngOf(mono.rects[0]!)).toMatchObject({ width: 61, height: 23 });
    const monoBody = bodyOf(mono.rects[0]!);
    const ihdr = monoBody.indexOf(Buffer.from('IHDR'));
    expect([monoBody[ihdr + 12], monoBody[ihdr + 13]]).toEqual([1, 3]); // bit depth 1, palette
    const indexed = bodyOf((await roundTrip(fewColours(128, 128, 200))).rects[0]!);
    expect([indexed[indexed.indexOf(Buffer.from('IHDR')) + 12], indexed[indexed.indexOf(Buffer.from('IHDR')) + 13]]).toEqual([8, 3]);
    expect(indexed.readUInt32BE(indexed.indexOf(Buffer.from('PLTE')) - 4)).toBe(200 * 3);
    const rgb = bodyOf((await roundTrip(noise(100, 50))).rects[0]!);
    expect(rgb[rgb.indexOf(Buffer.from('IHDR')) + 13]).toBe(2); // truecolour
  });

  it('splits wide rectangles into pieces no wider than 2048', async () => {
    const source = fewColours(2100, 40, 30);
    const { rects, screen } = await roundTrip(source);
    expect(rects.every((r) => r.rect.w <= 2048 && r.rect.w * r.rect.h <= 65536)).toBe(true);
    expect(coverage({ x: 0, y: 0, w: 2100, h: 40 }, rects).every((c) => c === 1)).toBe(true);
    expect(screen.rgb()).toEqual(sourceRgb(source));
  });

  it('sends photos as JPEG when asked for and allowed, else as PNG', async () => {
    const source = photo(320, 240);
    const jpeg = await roundTrip(source, { lossy: true, qualityLevel: 9 });
    expect(controls(jpeg.rects)).toEqual([0x90]);
    const expected = sourceRgb(source);
    const error = jpeg.screen.rgb().reduce((sum, v, i) => sum + Math.abs((v & 255) - (expected[i]! & 255)), 0) / expected.length;
    expect(error).toBeLessThan(8);
    for (const [settings, factory] of [
      [{ lossy: false, qualityLevel: 9 }, tightPngEncoder],
      [{ lossy: true, qualityLevel: 9 }, createTightPngEncoder({ loadJpeg: noJpeg })],
    ] as const) {
      const lossless = await roundTrip(source, settings, factory);
      expect(controls(lossless.rects).every((c) => c === 0xa0)).toBe(true);
      expect(lossless.screen.rgb()).toEqual(expected);
      expect(totalBytes(lossless.rects)).toBeGreaterThan(totalBytes(jpeg.rects));
    }
  });
});
