import { colourMapFor, encodeSetColourMapEntries, type Rgb16 } from '../../../src/vnc/framebuffer/colour-map';
import type { PixelSource } from '../../../src/vnc/framebuffer/pixel-source';
import { createTranslator } from '../../../src/vnc/framebuffer/translate';
import { BGR233, BGR233_MAP, BGRX32, RGB565, type PixelFormat } from '../../../src/vnc/protocol/pixel-format';
import { rng } from '../../helpers/random';

describe('the BGR233 colour map', () => {
  const map = colourMapFor(BGR233_MAP);

  it('has 256 entries: index = blue*64 + green*8 + red, channels scaled to 0..65535', () => {
    expect(map.trueColourFormat).toEqual(BGR233);
    expect(map.entries).toHaveLength(256);
    for (let blue = 0; blue < 4; blue++) {
      for (let green = 0; green < 8; green++) {
        for (let red = 0; red < 8; red++) {
          expect(map.entries[blue * 64 + green * 8 + red]).toEqual({
            r: Math.round((red / 7) * 65535),
            g: Math.round((green / 7) * 65535),
            b: Math.round((blue / 3) * 65535),
          });
        }
      }
    }
    expect(map.entries[0]).toEqual({ r: 0, g: 0, b: 0 });
    expect(map.entries[7]).toEqual({ r: 65535, g: 0, b: 0 });
    expect(map.entries[56]).toEqual({ r: 0, g: 65535, b: 0 });
    expect(map.entries[192]).toEqual({ r: 0, g: 0, b: 65535 });
    expect(map.entries[255]).toEqual({ r: 65535, g: 65535, b: 65535 });
  });

  it('is the same for any colour-map format and refused for true colour', () => {
    expect(colourMapFor({ ...BGR233_MAP, redMax: 0, greenMax: 0, blueMax: 0 }).entries).toBe(map.entries);
    expect(() => colourMapFor(BGRX32)).toThrow(expect.objectContaining({ code: 'VNC_INVALID_PIXEL_FORMAT' }));
  });

  it.each([
    ['BGRX32', BGRX32],
    ['RGB565', RGB565],
  ] as Array<[string, PixelFormat]>)('gives each %s pixel the index of its nearest palette colour', (_name, format) => {
    const w = 64;
    const bytes = format.bitsPerPixel / 8;
    const data = new Uint8Array(w * bytes);
    const next = rng(format.bitsPerPixel);
    for (let i = 0; i < data.length; i++) data[i] = next() & 0xff;
    const source: PixelSource = { data, stride: data.length, format, width: w, height: 1 };
    const indices = createTranslator(format, BGR233_MAP).translate(source, { x: 0, y: 0, w, h: 1 });
    const view = new DataView(data.buffer);
    const distance = (rgb: [number, number, number], e: Rgb16): number =>
      (rgb[0] - e.r / 65535) ** 2 + (rgb[1] - e.g / 65535) ** 2 + (rgb[2] - e.b / 65535) ** 2;
    for (let x = 0; x < w; x++) {
      const p = bytes === 4 ? view.getUint32(x * 4, true) : view.getUint16(x * 2, true);
      const rgb: [number, number, number] = [
        (Math.floor(p / 2 ** format.redShift) % (format.redMax + 1)) / format.redMax,
        (Math.floor(p / 2 ** format.greenShift) % (format.greenMax + 1)) / format.greenMax,
        (Math.floor(p / 2 ** format.blueShift) % (format.blueMax + 1)) / format.blueMax,
      ];
      const best = Math.min(...map.entries.map((e) => distance(rgb, e)));
      const chosen = map.entries[indices[x]!]!;
      expect(distance(rgb, chosen)).toBeCloseTo(best, 12);
    }
  });
});

describe('SetColourMapEntries', () => {
  it('writes type 1, padding, first colour, count, then r, g, b as u16 big-endian', () => {
    const entries = [{ r: 1, g: 2, b: 0x1234 }, { r: 0xffff, g: 0x8000, b: 0 }];
    expect(Buffer.from(encodeSetColourMapEntries(5, entries)).toString('hex')).toBe(
      '01' + '00' + '0005' + '0002' + '0001' + '0002' + '1234' + 'ffff' + '8000' + '0000',
    );
  });

  it('sends the whole BGR233 map in 6 + 256 × 6 bytes', () => {
    const { entries } = colourMapFor(BGR233_MAP);
    const message = encodeSetColourMapEntries(0, entries);
    const expected: number[] = [1, 0, 0, 0, 1, 0];
    for (const e of entries) for (const v of [e.r, e.g, e.b]) expected.push(v >> 8, v & 0xff);
    expect([...message]).toEqual(expected);
    expect(message.length).toBe(1542);
    expect([...message.subarray(6 + 7 * 6, 6 + 8 * 6)]).toEqual([0xff, 0xff, 0, 0, 0, 0]);
  });

  it('refuses entries past index 65535', () => {
    expect(() => encodeSetColourMapEntries(65535, [{ r: 0, g: 0, b: 0 }, { r: 0, g: 0, b: 0 }])).toThrow(
      expect.objectContaining({ code: 'VNC_OUT_OF_BOUNDS' }),
    );
    expect(() => encodeSetColourMapEntries(-1, [])).toThrow(expect.objectContaining({ code: 'VNC_OUT_OF_BOUNDS' }));
  });
});
