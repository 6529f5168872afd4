import { VncError } from '../../../src/vnc/errors';
import {
  BGR233,
  BGR233_MAP,
  BGRX32,
  RGB565,
  checkPixelFormat,
  decodePixelFormat,
  describePixelFormat,
  encodePixelFormat,
  pixelFormatEquals,
  validatePixelFormat,
  type PixelFormat,
  type WirePixelFormat,
} from '../../../src/vnc/protocol/pixel-format';

// Wire bytes written out by hand from RFC 6143 §7.4: bpp, depth, big-endian, true-colour,
// u16 red/green/blue max, u8 red/green/blue shift, 3 padding bytes.
const BGRX32_BYTES = '20 18 00 01 00ff 00ff 00ff 10 08 00 000000';
const RGB565_BE_BYTES = '10 10 01 01 001f 003f 001f 0b 05 00 000000';
const BGR233_MAP_BYTES = '08 08 00 00 0007 0007 0003 00 03 06 000000';

function bytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}

function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function wire(changes: Partial<Record<keyof PixelFormat, number | boolean>>): WirePixelFormat {
  return { ...BGRX32, ...changes } as WirePixelFormat;
}

describe('pixel format wire layout', () => {
  it('decodes and encodes BGRX32 as the exact 16 bytes', () => {
    expect(decodePixelFormat(bytes(BGRX32_BYTES))).toEqual({ ...BGRX32 });
    expect(hexOf(encodePixelFormat(BGRX32))).toBe(BGRX32_BYTES.replace(/\s+/g, ''));
  });

  it('round-trips a big-endian 16 bpp format and a colour-map format', () => {
    const be565 = { ...RGB565, bigEndian: true };
    expect(decodePixelFormat(bytes(RGB565_BE_BYTES))).toEqual(be565);
    expect(hexOf(encodePixelFormat(be565))).toBe(RGB565_BE_BYTES.replace(/\s+/g, ''));
    expect(decodePixelFormat(bytes(BGR233_MAP_BYTES))).toEqual({ ...BGR233_MAP });
    expect(hexOf(encodePixelFormat(BGR233_MAP))).toBe(BGR233_MAP_BYTES.replace(/\s+/g, ''));
  });

  it('ignores the padding when decoding and always sends it as zero', () => {
    const dirty = bytes('20 18 00 01 00ff 00ff 00ff 10 08 00 abcdef');
    const pf = decodePixelFormat(dirty);
    expect(pf).toEqual({ ...BGRX32 });
    expect(hexOf(encodePixelFormat(pf)).slice(26)).toBe('000000');
  });

  it('reads any non-zero flag byte as true and writes it back as 1', () => {
    const pf = decodePixelFormat(bytes('20 18 02 ff 00ff 00ff 00ff 10 08 00 000000'));
    expect(pf.bigEndian).toBe(true);
    expect(pf.trueColour).toBe(true);
    expect(hexOf(encodePixelFormat(pf)).slice(4, 8)).toBe('0101');
  });

  it('decodes at an offset (inside a SetPixelFormat message) and refuses short input', () => {
    const message = bytes('00 000000' + BGRX32_BYTES);
    expect(decodePixelFormat(message, 4)).toEqual({ ...BGRX32 });
    expect(() => decodePixelFormat(message, 5)).toThrow(VncError);
    expect(() => decodePixelFormat(new Uint8Array(15))).toThrow(/16 bytes/);
  });
});

describe('validatePixelFormat', () => {
  it.each([
    ['BGRX32', BGRX32],
    ['RGB565', RGB565],
    ['BGR233 true colour', BGR233],
    ['BGR233 colour map', BGR233_MAP],
    ['depth 32 in 32 bpp', wire({ depth: 32 })],
    ['10-10-10 in 32 bpp', wire({ redMax: 1023, greenMax: 1023, blueMax: 1023, redShift: 20, greenShift: 10, blueShift: 0, depth: 30 })],
    ['a 1-bit channel in the top bit', wire({ redMax: 1, redShift: 31 })],
    ['RGB332 in 8 bpp', wire({ bitsPerPixel: 8, depth: 8, redMax: 7, greenMax: 7, blueMax: 3, redShift: 5, greenShift: 2, blueShift: 0 })],
    ['depth 16 with 5-5-5 in 16 bpp', wire({ bitsPerPixel: 16, depth: 16, redMax: 31, greenMax: 31, blueMax: 31, redShift: 10, greenShift: 5, blueShift: 0 })],
    ['colour map with zero maxima and shifts', wire({ bitsPerPixel: 8, depth: 8, trueColour: false, redMax: 0, greenMax: 0, blueMax: 0, redShift: 0, greenShift: 0, blueShift: 0 })],
  ])('accepts %s', (_name, pf) => {
    expect(validatePixelFormat(pf)).toBeUndefined();
  });

  const refused: Array<[WirePixelFormat, string]> = [
    [wire({ bitsPerPixel: 0 }), 'bits-per-pixel 0 is not 8, 16 or 32'],
    [wire({ bitsPerPixel: 1, depth: 1 }), 'bits-per-pixel 1 is not 8, 16 or 32'],
    [wire({ bitsPerPixel: 4 }), 'bits-per-pixel 4 is not 8, 16 or 32'],
    [wire({ bitsPerPixel: 24 }), 'bits-per-pixel 24 is not 8, 16 or 32'],
    [wire({ bitsPerPixel: 64 }), 'bits-per-pixel 64 is not 8, 16 or 32'],
    [wire({ depth: 0 }), 'depth 0 is not between 1 and bits-per-pixel 32'],
    [wire({ bitsPerPixel: 16, depth: 24 }), 'depth 24 is not between 1 and bits-per-pixel 16'],
    [wire({ trueColour: false, depth: 8 }), 'a colour-map format needs 8 bits per pixel, not 32'],
    [wire({ bitsPerPixel: 8, depth: 4, trueColour: false }), 'a colour-map format needs depth 8 (the colour map has 256 entries), not 4'],
    [wire({ redMax: 0 }), 'red-max is 0'],
    [wire({ greenMax: 0 }), 'green-max is 0'],
    [wire({ blueMax: 0 }), 'blue-max is 0'],
    [wire({ greenMax: 100 }), 'green-max 100 is not of the form 2^n-1'],
    [wire({ blueMax: 256 }), 'blue-max 256 is not of the form 2^n-1'],
    [wire({ redShift: 28 }), 'red-shift 28 with 8 bits does not fit in 32 bits per pixel'],
    [wire({ bitsPerPixel: 16, depth: 16, redMax: 31, greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 12 }), 'blue-shift 12 with 5 bits does not fit in 16 bits per pixel'],
    [wire({ bitsPerPixel: 8, depth: 8, redMax: 7, greenMax: 7, blueMax: 3, redShift: 6, greenShift: 3, blueShift: 0 }), 'red-shift 6 with 3 bits does not fit in 8 bits per pixel'],
    [wire({ greenShift: 12 }), "green bits overlap another channel's"],
    [wire({ redMax: 1, redShift: 31, blueMax: 65535, blueShift: 16 }), "blue bits overlap another channel's"],
  ];
  it.each(refused.map(([pf, reason]) => [reason, pf] as const))('refuses: %s', (reason, pf) => {
    expect(validatePixelFormat(pf)).toBe(reason);
  });

  it('checkPixelFormat throws a VncError carrying the reason', () => {
    expect(checkPixelFormat(BGRX32)).toBe(BGRX32);
    try {
      checkPixelFormat(wire({ bitsPerPixel: 24 }));
      throw new Error('no error');
    } catch (error) {
      expect(error).toBeInstanceOf(VncError);
      expect((error as VncError).code).toBe('VNC_INVALID_PIXEL_FORMAT');
      expect((error as VncError).message).toContain('bits-per-pixel 24 is not 8, 16 or 32');
    }
  });
});

describe('pixelFormatEquals and describePixelFormat', () => {
  it('compares every field', () => {
    expect(pixelFormatEquals(BGRX32, { ...BGRX32 })).toBe(true);
    const fields: Array<[keyof PixelFormat, number | boolean]> = [
      ['bitsPerPixel', 16], ['depth', 32], ['bigEndian', true], ['trueColour', false], ['redMax', 127],
      ['greenMax', 127], ['blueMax', 127], ['redShift', 0], ['greenShift', 16], ['blueShift', 24],
    ];
    for (const [field, value] of fields) expect(pixelFormatEquals(BGRX32, wire({ [field]: value }))).toBe(false);
  });

  it('describes formats for logs', () => {
    expect(describePixelFormat(BGRX32)).toBe('32bpp depth 24 LE rgb888 (r<<16 g<<8 b<<0)');
    expect(describePixelFormat({ ...RGB565, bigEndian: true })).toBe('16bpp depth 16 BE rgb565 (r<<11 g<<5 b<<0)');
    expect(describePixelFormat(BGR233)).toBe('8bpp depth 8 bgr233 (r<<0 g<<3 b<<6)');
    expect(describePixelFormat(BGR233_MAP)).toBe('8bpp depth 8 colour-map');
    expect(describePixelFormat(wire({ redShift: 0, blueShift: 16 }))).toBe('32bpp depth 24 LE bgr888 (r<<0 g<<8 b<<16)');
    expect(describePixelFormat(wire({ greenMax: 100 }))).toBe('32bpp depth 24 LE rgb8[max 100]8 (r<<16 g<<8 b<<0)');
  });
});
