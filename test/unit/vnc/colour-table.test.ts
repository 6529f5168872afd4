import { ColourTable } from '../../../src/vnc/encoders/colour-table';

describe('ColourTable as a palette', () => {
  it('numbers colours by first appearance, refuses past its limit, and forgets on reset', () => {
    const palette = new ColourTable(3);
    // A limit of 3 gets 8 slots; 8, 0 and 16 all hash to slot 0, so probing must tell them apart.
    expect([8, 0, 16].map((c) => palette.indexOf(c))).toEqual([0, 1, 2]);
    expect([0, 16, 8].map((c) => palette.indexOf(c))).toEqual([1, 2, 0]);
    expect(palette.full).toBe(false);
    expect(palette.indexOf(0xffffffff)).toBe(-1);
    expect(palette.full).toBe(true);
    expect(palette.indexOf(0)).toBe(1);
    expect([palette.size, ...palette.colours.subarray(0, palette.size)]).toEqual([3, 8, 0, 16]);
    palette.reset();
    expect([palette.size, palette.full, palette.indexOf(0xffffffff), palette.indexOf(0)]).toEqual([0, false, 0, 1]);
    expect(palette.colours[0]).toBe(0xffffffff);
  });

  it('keeps 127 colours apart in a table of 256 slots, whatever their hash', () => {
    const palette = new ColourTable(127);
    for (const step of [1, 256, 65536, 0x01010101, 0x80]) {
      palette.reset();
      const values = Array.from({ length: 127 }, (_, i) => (i * step) >>> 0);
      expect(values.map((v) => palette.indexOf(v))).toEqual(values.map((_, i) => i));
      expect(values.map((v) => palette.indexOf(v))).toEqual(values.map((_, i) => i));
      expect(palette.indexOf(0xdeadbeef)).toBe(-1);
    }
  });
});

describe('ColourTable as a counter', () => {
  it('counts colours, keeps the most common as top (first to reach a count wins ties), and indexes them too', () => {
    const table = new ColourTable(4);
    expect([table.top, table.topCount]).toEqual([0, 0]);
    expect([table.add(7, 2), table.add(9, 2), table.add(7, 1), table.add(9, 1)]).toEqual([0, 1, 0, 1]);
    expect([table.top, table.topCount, table.size]).toEqual([7, 3, 2]);
    expect(table.add(9, 1)).toBe(1);
    expect([table.top, table.topCount]).toEqual([9, 4]);
    // A colour numbered without counting starts at 0 when counted later.
    expect(table.indexOf(5)).toBe(2);
    table.add(5, 4);
    expect([table.top, table.topCount]).toEqual([9, 4]);
    table.add(5, 1);
    expect([table.top, table.topCount, ...table.colours.subarray(0, table.size)]).toEqual([5, 5, 7, 9, 5]);
  });

  it('lowers its limit per reset, never above the size it was made with', () => {
    const table = new ColourTable(4);
    expect(table.limit).toBe(4);
    table.reset(2);
    expect([table.limit, table.add(1, 1), table.add(2, 1), table.full, table.add(3, 5), table.full]).toEqual([2, 0, 1, false, -1, true]);
    expect([table.size, table.top, table.topCount]).toEqual([2, 1, 1]);
    table.reset(100);
    expect([table.limit, table.size, table.full, table.top, table.topCount]).toEqual([4, 0, false, 0, 0]);
    table.reset();
    expect(table.limit).toBe(4);
  });

  it('counts a region by runs, every rowStep-th row, stopping once full', () => {
    const table = new ColourTable(8);
    // 4×3 inside a stride of 5; column 0 is outside the region.
    const values = Uint32Array.of(
      9, 1, 1, 2, 2,
      9, 3, 3, 3, 3,
      9, 1, 2, 1, 1,
    );
    table.addRegion(values, 5, 1, 0, 4, 3);
    expect([table.size, table.top, table.topCount, ...table.colours.subarray(0, table.size)]).toEqual([3, 1, 5, 1, 2, 3]);
    table.reset();
    table.addRegion(values, 5, 1, 0, 4, 3, 2);
    expect([table.size, table.top, table.topCount]).toEqual([2, 1, 5]);
    table.reset(1);
    table.addRegion(values, 5, 1, 0, 4, 3);
    expect([table.size, table.full, table.top, table.topCount]).toEqual([1, true, 1, 2]);
  });

  it('refuses limits it cannot index', () => {
    expect(() => new ColourTable(0)).toThrow(RangeError);
    expect(() => new ColourTable(0x10000)).toThrow(RangeError);
    expect(() => new ColourTable(2.5)).toThrow(RangeError);
    expect(new ColourTable(0xffff).limit).toBe(0xffff);
  });
});
