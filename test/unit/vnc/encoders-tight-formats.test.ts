import type { EncoderFactory, EncodeSettings } from '../../../src/vnc/encoders/encoder';
import { tightEncoder } from '../../../src/vnc/encoders/tight';
import { tightPngEncoder } from '../../../src/vnc/encoders/tight-png';
import { createTranslator } from '../../../src/vnc/framebuffer/translate';
import { BGR233, BGR233_MAP, BGRX32, RGB565, type PixelFormat } from '../../../src/vnc/protocol/pixel-format';
import { ClientScreen } from '../../helpers/decoders/zlib';
import { SpecTightDecoder, type TightForm } from '../../helpers/decoders/tight';
import { bodyOf, desktop, fewColours, noise, photo, solid, twoColour, type TestSource } from './encoders-tight-images';

const rgb32 = (over: Partial<PixelFormat>): PixelFormat => ({ ...BGRX32, ...over });

/** Client formats other than noVNC's, each with what its TPIXEL is. */
const FORMATS: Array<[string, PixelFormat]> = [
  ['8 bpp BGR233', BGR233],
  ['8 bpp colour map', BGR233_MAP],
  ['16 bpp RGB565 little-endian', RGB565],
  ['16 bpp RGB565 big-endian', { ...RGB565, bigEndian: true }],
  ['32 bpp depth 24 big-endian (3-byte TPIXEL)', rgb32({ bigEndian: true })],
  ['32 bpp depth 24, channels off byte boundaries (3-byte TPIXEL)', rgb32({ redShift: 17, greenShift: 9, blueShift: 1 })],
  ['32 bpp depth 24 big-endian, channels off byte boundaries', rgb32({ bigEndian: true, redShift: 1, greenShift: 9, blueShift: 17 })],
  ['32 bpp depth 32 (4-byte TPIXEL)', rgb32({ depth: 32 })],
  ['32 bpp 10-bit channels big-endian (4-byte TPIXEL)', rgb32({ depth: 30, bigEndian: true, redMax: 1023, greenMax: 1023, blueMax: 1023, redShift: 20, greenShift: 10, blueShift: 0 })],
];

const W = 160;
const H = 120;

/** Several updates on one encoder and one client, each image steering to another form. */
const UPDATES: Array<[string, TestSource]> = [
  ['desktop', desktop(W, H)],
  ['noise', noise(W, H, 11)],
  ['two colours', twoColour(W, H)],
  ['palette', fewColours(W, H, 50)],
  ['fill', solid(W, H, 0x89abcd)],
];

async function run(factory: EncoderFactory, pf: PixelFormat, updates: Array<[string, TestSource]>, settings: EncodeSettings = { lossy: false }) {
  const translator = createTranslator(BGRX32, pf);
  const screen = new ClientScreen(W, H, translator.to);
  const decoder = new SpecTightDecoder(factory.encoding as 7 | -260);
  const encoder = factory.create();
  const rect = { x: 0, y: 0, w: W, h: H };
  const results: Array<{ name: string; forms: Set<TightForm>; exact: boolean; expected: Uint8Array }> = [];
  for (const [name, source] of updates) {
    const before = decoder.decoded.length;
    for (const r of await encoder.encode({ source, rect, translator, settings })) decoder.decode(screen, r.rect, bodyOf(r));
    const expected = translator.translate(source, rect);
    results.push({ name, forms: new Set(decoder.decoded.slice(before).map((d) => d.form)), exact: Buffer.compare(screen.bytes, expected) === 0, expected });
  }
  encoder.dispose?.();
  return { results, screen, decoder };
}

describe.each(FORMATS)('Tight for a %s client, decoded from the spec', (_name, pf) => {
  it('reproduces the client pixels exactly through fill, mask, palette and copy, update after update', async () => {
    const { results, decoder } = await run(tightEncoder, pf, UPDATES);
    expect(results.map((r) => [r.name, r.exact])).toEqual(UPDATES.map(([name]) => [name, true]));
    const eightBit = pf.bitsPerPixel === 8;
    expect(results.map((r) => [r.name, [...r.forms].sort()])).toEqual([
      // The windows' pieces have 3 colours: indices at 16/32 bpp, pixels at 8 bpp.
      ['desktop', eightBit ? ['copy', 'fill'] : ['fill', 'palette']],
      ['noise', ['copy']],
      ['two colours', ['palette']],
      ['palette', [eightBit ? 'copy' : 'palette']],
      ['fill', ['fill']],
    ]);
    // Every stream used was reset once, when first used.
    const resets = decoder.decoded.map((d) => d.resets).filter((r) => r !== 0);
    expect(resets).toEqual([...new Set(resets)]);
  });

  it('TightPNG reproduces the client pixels exactly with fills and PNG images only', async () => {
    const { results } = await run(tightPngEncoder, pf, UPDATES);
    expect(results.map((r) => [r.name, r.exact])).toEqual(UPDATES.map(([name]) => [name, true]));
    for (const r of results) for (const form of r.forms) expect(['fill', 'png']).toContain(form);
  });
});

describe('Tight JPEG in other pixel formats', () => {
  /** Mean absolute error per channel on a 0..255 scale between two client framebuffers. */
  function channelError(pf: PixelFormat, a: Uint8Array, b: Uint8Array): number {
    const n = pf.bitsPerPixel / 8;
    const value = (bytes: Uint8Array, i: number): number => {
      let v = 0;
      for (let k = 0; k < n; k++) v += bytes[i * n + k]! * 256 ** (pf.bigEndian ? n - 1 - k : k);
      return v;
    };
    let sum = 0;
    for (let i = 0; i < a.length / n; i++) {
      for (const [max, shift] of [[pf.redMax, pf.redShift], [pf.greenMax, pf.greenShift], [pf.blueMax, pf.blueShift]] as const) {
        const ca = Math.floor(value(a, i) / 2 ** shift) % (max + 1);
        const cb = Math.floor(value(b, i) / 2 ** shift) % (max + 1);
        sum += (Math.abs(ca - cb) * 255) / max;
      }
    }
    return sum / ((a.length / n) * 3);
  }

  it.each([
    ['16 bpp RGB565 big-endian', { ...RGB565, bigEndian: true }],
    ['32 bpp depth 32', rgb32({ depth: 32 })],
  ] as Array<[string, PixelFormat]>)('uses JPEG for photos at %s, close at quality 9', async (_name, pf) => {
    for (const factory of [tightEncoder, tightPngEncoder]) {
      const { results, screen } = await run(factory, pf, [['photo', photo(W, H)]], { lossy: true, qualityLevel: 9 });
      expect([...results[0]!.forms]).toEqual(['jpeg']);
      expect(channelError(pf, screen.bytes, results[0]!.expected)).toBeLessThan(8);
    }
  });

  it('never uses JPEG at 8 bpp (the spec allows it at 16 and 32 only)', async () => {
    const { results } = await run(tightEncoder, BGR233, [['photo', photo(W, H)]], { lossy: true, qualityLevel: 9 });
    expect([...results[0]!.forms]).toEqual(['copy']);
    expect(results[0]!.exact).toBe(true);
  });
});

describe('Tight from displays in other formats', () => {
  /** `source` re-expressed in display format `pf` (rows packed). */
  function asFormat(source: TestSource, pf: PixelFormat) {
    const rect = { x: 0, y: 0, w: source.width, h: source.height };
    const data = createTranslator(BGRX32, pf).translate(source, rect);
    return { data, stride: source.width * (pf.bitsPerPixel / 8), format: pf, width: source.width, height: source.height };
  }

  const withPadding = (source: TestSource): TestSource => {
    const data = Buffer.from(source.data);
    for (let i = 3; i < data.length; i += 4) data[i] = (i * 37) & 255; // the X byte is not colour
    return { ...source, data };
  };

  it.each([
    ['32 bpp big-endian', rgb32({ bigEndian: true })],
    ['32 bpp big-endian, channels off byte boundaries', rgb32({ bigEndian: true, redShift: 1, greenShift: 9, blueShift: 17 })],
    ['16 bpp RGB565', RGB565],
  ] as Array<[string, PixelFormat]>)('encodes a %s display for a 24-bit client exactly', async (_name, displayFormat) => {
    const client = rgb32({ bigEndian: true, redShift: 8, greenShift: 16, blueShift: 24 });
    for (const factory of [tightEncoder, tightPngEncoder]) {
      const screen = new ClientScreen(W, H, client);
      const decoder = new SpecTightDecoder(factory.encoding as 7 | -260);
      const encoder = factory.create();
      for (const [, image] of UPDATES) {
        const source = asFormat(image, displayFormat);
        const translator = createTranslator(displayFormat, client);
        const rect = { x: 0, y: 0, w: W, h: H };
        for (const r of await encoder.encode({ source, rect, translator, settings: { lossy: false } })) decoder.decode(screen, r.rect, bodyOf(r));
        expect(Buffer.compare(screen.bytes, translator.translate(source, rect))).toBe(0);
      }
      encoder.dispose?.();
    }
  });

  it('ignores the padding byte of a 32 bpp display when comparing colours', async () => {
    const source = withPadding(fewColours(W, H, 3));
    const translator = createTranslator(BGRX32, rgb32({ redShift: 0, blueShift: 16 })); // not identity: its X byte is 0
    const screen = new ClientScreen(W, H, translator.to);
    const decoder = new SpecTightDecoder(7);
    const rect = { x: 0, y: 0, w: W, h: H };
    for (const r of await tightEncoder.create().encode({ source, rect, translator, settings: { lossy: false } })) decoder.decode(screen, r.rect, bodyOf(r));
    expect(decoder.decoded.map((d) => [d.form, d.colours])).toEqual([['palette', 3]]);
    expect(Buffer.compare(screen.bytes, translator.translate(source, rect))).toBe(0);
  });
});
