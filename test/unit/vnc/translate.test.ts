import { VncError } from '../../../src/vnc/errors';
import { readRgb, type PixelSource } from '../../../src/vnc/framebuffer/pixel-source';
import type { Rect } from '../../../src/vnc/framebuffer/rect';
import { createTranslator } from '../../../src/vnc/framebuffer/translate';
import { BGR233, BGR233_MAP, BGRX32, RGB565, type PixelFormat } from '../../../src/vnc/protocol/pixel-format';
import { trueColour as tc } from '../../helpers/pixel-formats';
import { rng } from '../../helpers/random';

const DESTINATIONS: Array<[string, PixelFormat]> = [
  ['32 LE r<<16 (BGRX)', BGRX32],
  ['32 BE r<<16', tc(32, true, [255, 255, 255], [16, 8, 0])],
  ['32 LE r<<0 (noVNC)', tc(32, false, [255, 255, 255], [0, 8, 16])],
  ['32 BE r<<24 depth 32', tc(32, true, [255, 255, 255], [24, 16, 8], 32)],
  ['32 LE b<<24 g<<16 r<<8', tc(32, false, [255, 255, 255], [8, 16, 24], 32)],
  ['32 LE 10-10-10', tc(32, false, [1023, 1023, 1023], [20, 10, 0], 30)],
  ['16 LE 565', RGB565],
  ['16 BE 565', tc(16, true, [31, 63, 31], [11, 5, 0], 16)],
  ['16 LE 555', tc(16, false, [31, 31, 31], [10, 5, 0], 15)],
  ['16 BE 555 b<<10', tc(16, true, [31, 31, 31], [0, 5, 10], 15)],
  ['16 BE 7/7/3', tc(16, true, [7, 7, 3], [0, 3, 6], 8)],
  ['16 LE 15/15/15', tc(16, false, [15, 15, 15], [8, 4, 0], 12)],
  ['16 BE 15/15/15 r<<12', tc(16, true, [15, 15, 15], [12, 8, 4], 16)],
  ['8 BGR233', BGR233],
  ['8 RGB332', tc(8, false, [7, 7, 3], [5, 2, 0], 8)],
  ['8 1-bit channels', tc(8, false, [1, 1, 1], [2, 1, 0], 3)],
];

const SOURCES: Array<[string, PixelFormat]> = [
  ['BGRX32', BGRX32],
  ['RGB565', RGB565],
  ['32 BE r<<0', tc(32, true, [255, 255, 255], [0, 8, 16])],
  ['16 BE 565', tc(16, true, [31, 63, 31], [11, 5, 0], 16)],
];

/**
 * The reference: per pixel through DataView, channels pulled out with division and
 * remainder, scaled in floating point with Math.round, put back with multiplication.
 */
function reference(source: PixelSource, rect: Rect, to: PixelFormat): Uint8Array {
  const from = source.format;
  const sBytes = from.bitsPerPixel / 8;
  const dBytes = to.bitsPerPixel / 8;
  const sv = new DataView(source.data.buffer, source.data.byteOffset, source.data.byteLength);
  const out = new Uint8Array(rect.w * rect.h * dBytes);
  const ov = new DataView(out.buffer);
  const channels: Array<[number, number, number, number]> = [
    [from.redMax, from.redShift, to.redMax, to.redShift],
    [from.greenMax, from.greenShift, to.greenMax, to.greenShift],
    [from.blueMax, from.blueShift, to.blueMax, to.blueShift],
  ];
  let o = 0;
  for (let row = 0; row < rect.h; row++) {
    for (let col = 0; col < rect.w; col++) {
      const at = (rect.y + row) * source.stride + (rect.x + col) * sBytes;
      const p = sBytes === 4 ? sv.getUint32(at, !from.bigEndian) : sBytes === 2 ? sv.getUint16(at, !from.bigEndian) : sv.getUint8(at);
      let q = 0;
      for (const [sMax, sShift, dMax, dShift] of channels) {
        const v = Math.floor(p / 2 ** sShift) % (sMax + 1);
        q += Math.round((v * dMax) / sMax) * 2 ** dShift;
      }
      if (dBytes === 4) ov.setUint32(o, q, !to.bigEndian);
      else if (dBytes === 2) ov.setUint16(o, q, !to.bigEndian);
      else ov.setUint8(o, q);
      o += dBytes;
    }
  }
  return out;
}

/** When the layouts match, pixels are copied as they are (unused bits included). */
function rawRows(source: PixelSource, rect: Rect): Uint8Array {
  const bytes = source.format.bitsPerPixel / 8;
  const rows: Uint8Array[] = [];
  for (let row = rect.y; row < rect.y + rect.h; row++) {
    const start = row * source.stride + rect.x * bytes;
    rows.push(source.data.slice(start, start + rect.w * bytes));
  }
  return Buffer.concat(rows);
}

function sameLayout(a: PixelFormat, b: PixelFormat): boolean {
  const key = (f: PixelFormat): string =>
    [f.bitsPerPixel, f.bitsPerPixel > 8 && f.bigEndian, f.redMax, f.greenMax, f.blueMax, f.redShift, f.greenShift, f.blueShift].join();
  return key(a) === key(b);
}

function expected(source: PixelSource, rect: Rect, to: PixelFormat): Uint8Array {
  return sameLayout(source.format, to) ? rawRows(source, rect) : reference(source, rect, to);
}

const W = 37;
const H = 23;

/** A random W×H source; `pad` extra bytes per row, `skew` bytes before the data in its ArrayBuffer. */
function makeSource(format: PixelFormat, seed: number, pad = 0, skew = 0): PixelSource {
  const stride = W * (format.bitsPerPixel / 8) + pad;
  const backing = new Uint8Array(skew + stride * H);
  const next = rng(seed);
  for (let i = 0; i < backing.length; i++) backing[i] = next() & 0xff;
  return { data: backing.subarray(skew), stride, format, width: W, height: H };
}

const RECTS: Array<[string, Rect]> = [
  ['the whole source', { x: 0, y: 0, w: W, h: H }],
  ['1x1 top-left', { x: 0, y: 0, w: 1, h: 1 }],
  ['1x1 bottom-right', { x: W - 1, y: H - 1, w: 1, h: 1 }],
  ['touching the left edge', { x: 0, y: 5, w: 10, h: 4 }],
  ['touching the right edge', { x: W - 13, y: 2, w: 13, h: 6 }],
  ['touching the top edge', { x: 7, y: 0, w: 17, h: 3 }],
  ['touching the bottom edge', { x: 3, y: H - 5, w: 30, h: 5 }],
  ['odd inner rect', { x: 5, y: 7, w: 19, h: 11 }],
  ['one column', { x: 20, y: 0, w: 1, h: H }],
  ['one row', { x: 0, y: 11, w: W, h: 1 }],
];

describe('translation matches the per-pixel reference', () => {
  for (const [sName, sFormat] of SOURCES) {
    describe(`from ${sName}`, () => {
      it.each(DESTINATIONS)('to %s', (_dName, dFormat) => {
        const t = createTranslator(sFormat, dFormat);
        // Packed rows, an aligned wider stride, and an unaligned stride on an unaligned base.
        const layouts: Array<[number, number]> = [[0, 0], [12, 0], [3, 1]];
        layouts.forEach(([pad, skew], k) => {
          const source = makeSource(sFormat, 1000 + k * 7 + sFormat.bitsPerPixel, pad, skew);
          for (const [rName, rect] of RECTS) {
            const got = t.translate(source, rect);
            expect([rName, pad, skew, Buffer.from(got).toString('hex')]).toEqual([rName, pad, skew, Buffer.from(expected(source, rect, dFormat)).toString('hex')]);
          }
        });
      });
    });
  }
});

describe('translator behaviour', () => {
  it('copies rows when the formats are the same (depth aside)', () => {
    for (const pf of [BGRX32, RGB565]) {
      const t = createTranslator(pf, { ...pf, depth: pf.bitsPerPixel });
      expect(t.identity).toBe(true);
      const source = makeSource(pf, 5, 8);
      const rect = { x: 3, y: 4, w: 21, h: 9 };
      expect(Buffer.from(t.translate(source, rect))).toEqual(Buffer.from(rawRows(source, rect)));
    }
    expect(createTranslator(BGRX32, RGB565).identity).toBe(false);
  });

  it('writes into a caller buffer at aligned and unaligned offsets and touches nothing else', () => {
    const t = createTranslator(BGRX32, tc(16, true, [31, 63, 31], [11, 5, 0], 16));
    const source = makeSource(BGRX32, 9);
    const rect = { x: 2, y: 3, w: 11, h: 5 };
    const want = reference(source, rect, t.to);
    for (const offset of [0, 16, 3]) {
      const out = new Uint8Array(offset + want.length + 4).fill(0xee);
      const got = t.translate(source, rect, out, offset);
      expect(got.length).toBe(want.length);
      expect(Buffer.from(out.subarray(offset, offset + want.length))).toEqual(Buffer.from(want));
      expect([...out.subarray(0, offset), ...out.subarray(offset + want.length)].every((b) => b === 0xee)).toBe(true);
    }
  });

  it('serves colour-map clients through the BGR233 layout', () => {
    const t = createTranslator(BGRX32, BGR233_MAP);
    expect(t.to).toEqual(BGR233);
    const source = makeSource(BGRX32, 11);
    const rect = { x: 0, y: 0, w: W, h: H };
    expect(Buffer.from(t.translate(source, rect))).toEqual(Buffer.from(reference(source, rect, BGR233)));
  });

  it('returns an empty result for a zero-size rect', () => {
    const t = createTranslator(BGRX32, RGB565);
    expect(t.translate(makeSource(BGRX32, 1), { x: 4, y: 4, w: 0, h: 3 }).length).toBe(0);
  });

  it('refuses rects outside the source, a source in another format, and a short output', () => {
    const t = createTranslator(BGRX32, RGB565);
    const source = makeSource(BGRX32, 2);
    const bad: Rect[] = [
      { x: W - 3, y: 0, w: 4, h: 1 }, { x: 0, y: H - 1, w: 1, h: 2 }, { x: -1, y: 0, w: 2, h: 2 },
      { x: 0.5, y: 0, w: 2, h: 2 }, { x: 0, y: 0, w: -1, h: 2 },
    ];
    for (const rect of bad) expect(() => t.translate(source, rect)).toThrow(expect.objectContaining({ code: 'VNC_OUT_OF_BOUNDS' }));
    const short = { ...source, data: source.data.subarray(0, source.data.length - 1) };
    expect(() => t.translate(short, { x: 0, y: 0, w: W, h: H })).toThrow(expect.objectContaining({ code: 'VNC_OUT_OF_BOUNDS' }));
    expect(() => t.translate(makeSource(RGB565, 3), { x: 0, y: 0, w: 1, h: 1 })).toThrow(expect.objectContaining({ code: 'VNC_INVALID_PIXEL_FORMAT' }));
    expect(() => t.translate(source, { x: 0, y: 0, w: 4, h: 4 }, new Uint8Array(40), 10)).toThrow(expect.objectContaining({ code: 'VNC_OUT_OF_BOUNDS' }));
  });

  it('refuses invalid formats and a colour-map source', () => {
    expect(() => createTranslator(BGRX32, { ...RGB565, greenMax: 62 })).toThrow(VncError);
    expect(() => createTranslator(BGR233_MAP, BGRX32)).toThrow(/true colour/);
  });
});

describe('readRgb', () => {
  it.each(SOURCES)('reads %s pixels as 8-bit RGB', (_name, format) => {
    const source = makeSource(format, 77, 5, 1);
    const expand = (v: number, max: number): number => Math.round((v * 255) / max);
    for (const [x, y] of [[0, 0], [W - 1, H - 1], [13, 7], [36, 0], [0, 22]] as const) {
      const sv = new DataView(source.data.buffer, source.data.byteOffset);
      const at = y * source.stride + x * (format.bitsPerPixel / 8);
      const p = format.bitsPerPixel === 32 ? sv.getUint32(at, !format.bigEndian) : sv.getUint16(at, !format.bigEndian);
      const r = expand(Math.floor(p / 2 ** format.redShift) % (format.redMax + 1), format.redMax);
      const g = expand(Math.floor(p / 2 ** format.greenShift) % (format.greenMax + 1), format.greenMax);
      const b = expand(Math.floor(p / 2 ** format.blueShift) % (format.blueMax + 1), format.blueMax);
      expect(readRgb(source, x, y)).toBe(r * 65536 + g * 256 + b);
    }
    expect(() => readRgb(source, W, 0)).toThrow(VncError);
  });
});
