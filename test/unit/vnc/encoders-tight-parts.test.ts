import { PNG } from 'pngjs';
import { ColourTable } from '../../../src/vnc/encoders/colour-table';
import { jpegSettings, lazyJpeg, loadSharpJpeg } from '../../../src/vnc/encoders/jpeg';
import { countColours, looksPhotographic, packMask } from '../../../src/vnc/encoders/tight-analysis';
import { JPEG_MAX_AREA, planPieces, type Piece } from '../../../src/vnc/encoders/tight-plan';
import { encodePng } from '../../../src/vnc/encoders/tight-png-image';
import { splitSolidAreas, type Region } from '../../../src/vnc/encoders/tight-solid';
import { compactLength, packTpixels, tpixelLayout, tpixelOf } from '../../../src/vnc/encoders/tight-wire';
import { BGR233, BGRX32, RGB565 } from '../../../src/vnc/protocol/pixel-format';
import { NOVNC_FORMAT } from '../../helpers/novnc-oracle';
import { rng } from './encoders-tight-images';

function randomValues(n: number, seed: number): Uint32Array {
  const next = rng(seed);
  return Uint32Array.from({ length: n }, () => next() & 0xffffff);
}

function covered(w: number, h: number, parts: ReadonlyArray<{ x: number; y: number; w: number; h: number }>): number[] {
  const count = new Array<number>(w * h).fill(0);
  for (const p of parts) for (let y = p.y; y < p.y + p.h; y++) for (let x = p.x; x < p.x + p.w; x++) count[y * w + x]! += 1;
  return count;
}

describe('Tight wire pieces', () => {
  it('writes compact lengths in 1, 2 or 3 bytes (rfbproto: 10000 is 90 4E)', () => {
    const cases: Array<[number, number[]]> = [
      [0, [0]], [127, [0x7f]], [128, [0x80, 0x01]], [10000, [0x90, 0x4e]], [16383, [0xff, 0x7f]],
      [16384, [0x80, 0x80, 0x01]], [4194303, [0xff, 0xff, 0xff]],
    ];
    for (const [n, bytes] of cases) expect([...compactLength(n)]).toEqual(bytes);
    expect(() => compactLength(4194304)).toThrow(RangeError);
    expect(() => compactLength(-1)).toThrow(RangeError);
  });

  it('uses 3-byte R,G,B TPIXELs for 32 bpp depth 24 with 8-bit channels only', () => {
    expect(tpixelLayout(NOVNC_FORMAT)).toBeDefined();
    expect(tpixelLayout(BGRX32)).toBeDefined();
    for (const pf of [RGB565, BGR233, { ...BGRX32, depth: 32 }, { ...BGRX32, redMax: 127 }]) expect(tpixelLayout(pf)).toBeUndefined();
    // noVNC's format read through a little-endian view: 0xBBGGRR.
    expect([...tpixelOf(0x00332211, tpixelLayout(NOVNC_FORMAT)!)]).toEqual([0x11, 0x22, 0x33]);
    expect([...tpixelOf(0x00332211, tpixelLayout(BGRX32)!)]).toEqual([0x33, 0x22, 0x11]);
    const bigEndian = tpixelLayout({ ...BGRX32, bigEndian: true })!; // bytes 0, R, G, B: view 0xBBGGRR00
    expect([...packTpixels(Uint32Array.of(0x33221100, 0xccbbaa00), 2, 0, 0, 2, 1, bigEndian)]).toEqual([0x11, 0x22, 0x33, 0xaa, 0xbb, 0xcc]);
  });

  it('maps quality levels to TigerVNC\'s JPEG qualities and subsampling, clamped to 0..9', () => {
    expect([0, 3, 6, 9].map((level) => jpegSettings(level))).toEqual([
      { quality: 15, subsampling: '4:2:0' }, { quality: 42, subsampling: '4:2:2' },
      { quality: 79, subsampling: '4:4:4' }, { quality: 100, subsampling: '4:4:4' },
    ]);
    expect(jpegSettings(12).quality).toBe(100);
    expect(jpegSettings(-3).quality).toBe(15);
  });
});

describe('Tight analysis', () => {
  it('counts colours up to a limit, writing palette indices, and packs a row-padded 1-bit mask', () => {
    const palette = new ColourTable(256);
    const indices = new Uint8Array(9);
    const values = Uint32Array.of(5, 5, 7, 5, 7, 7, 7, 5, 5, 9, 9, 9, 9, 9, 9, 9, 9, 9); // rows of 9
    expect(countColours(values, 9, 0, 0, 9, 1, 256, palette, indices)).toBe(2);
    expect([...palette.colours.subarray(0, 2)]).toEqual([5, 7]);
    expect([...indices]).toEqual([0, 0, 1, 0, 1, 1, 1, 0, 0]);
    expect([...packMask(indices, 9, 1)]).toEqual([0b00101110, 0b00000000]);
    expect([...packMask(Uint8Array.of(1, 0, 1, 1, 0, 0), 3, 2)]).toEqual([0b10100000, 0b10000000]);
    expect(countColours(values, 9, 0, 0, 9, 2, 2, palette, new Uint8Array(18))).toBe(3); // over the limit
    expect(countColours(values, 9, 0, 1, 9, 1, 256, palette, indices)).toBe(1);
  });

  it('tells photographic pixels from flat, text-like ones', () => {
    expect(looksPhotographic(randomValues(64 * 64, 3), 64, 0, 0, 64, 64)).toBe(true);
    const text = randomValues(64 * 64, 4).map((v, i) => (i % 5 === 0 ? v : 0xffffff));
    expect(looksPhotographic(text, 64, 0, 0, 64, 64)).toBe(false);
  });

  it('cuts solid areas that hold only their colour, covering the rectangle exactly once', () => {
    const w = 300;
    const h = 200;
    const noisy = randomValues(w * h, 9);
    // Background 0x445566 with two noisy windows.
    const inWindow = (x: number, y: number): boolean => (x >= 40 && x < 120 && y >= 30 && y < 90) || (x >= 200 && x < 290 && y >= 100 && y < 180);
    const values = Uint32Array.from({ length: w * h }, (_, i) => (inWindow(i % w, Math.floor(i / w)) ? noisy[i]! : 0x445566));
    const regions: Region[] = [];
    splitSolidAreas(values, w, 0, 0, w, h, regions);
    expect(covered(w, h, regions).every((c) => c === 1)).toBe(true);
    let solidPixels = 0;
    let wrong = 0;
    for (const r of regions.filter((r) => r.solid)) {
      for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) wrong += values[y * w + x] === r.colour ? 0 : 1;
      solidPixels += r.w * r.h;
    }
    expect(wrong).toBe(0);
    const background = w * h - 80 * 60 - 90 * 80;
    expect(solidPixels).toBeGreaterThan(0.9 * background);
  });
});

describe('Tight piece plan', () => {
  const plan = (values: Uint32Array, w: number, h: number, jpeg: boolean): Piece[] =>
    planPieces(values, w, h, { maxColours: 256, pixelsPerColour: 4, jpeg }, new ColourTable(256));

  it('keeps pieces within 2048 wide and 65536 pixels (JPEG within its merged size)', () => {
    const w = 3000;
    const h = 90;
    const values = randomValues(w * h, 12);
    for (let i = 0; i < w * 40; i++) values[i] = 7; // a solid band on top
    for (const jpeg of [false, true]) {
      const pieces = plan(values, w, h, jpeg);
      expect(covered(w, h, pieces).every((c) => c === 1)).toBe(true);
      for (const p of pieces) {
        expect(p.w).toBeLessThanOrEqual(2048);
        if (p.kind === 'jpeg') expect(p.w * p.h).toBeLessThanOrEqual(JPEG_MAX_AREA);
        else if (p.kind !== 'fill') expect(p.w * p.h).toBeLessThanOrEqual(65536);
      }
      expect(pieces.filter((p) => p.kind === 'fill').map((p) => [p.x, p.y, p.w, p.h])).toEqual([[0, 0, 2048, 40], [2048, 0, 952, 40]]);
      expect(new Set(pieces.filter((p) => p.kind !== 'fill').map((p) => p.kind))).toEqual(new Set([jpeg ? 'jpeg' : 'photo']));
    }
  });

  it('merges a column of photographic bands into few JPEG pieces', () => {
    const pieces = plan(randomValues(1920 * 1080, 2), 1920, 1080, true);
    // Bands are 34 rows (65536 / 1920); 8 of them (272 rows) fit in one JPEG piece.
    expect(pieces.map((p) => [p.kind, p.x, p.y, p.w, p.h])).toEqual([
      ['jpeg', 0, 0, 1920, 272], ['jpeg', 0, 272, 1920, 272], ['jpeg', 0, 544, 1920, 272], ['jpeg', 0, 816, 1920, 264],
    ]);
  });
});

describe('Tight image codecs', () => {
  it('writes PNGs that a PNG reader decodes: RGB, 8-bit and 1-bit palettes', async () => {
    const rgb = await encodePng({ width: 2, height: 2, kind: 'rgb', rows: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12) }, 6);
    expect([...PNG.sync.read(rgb).data]).toEqual([1, 2, 3, 255, 4, 5, 6, 255, 7, 8, 9, 255, 10, 11, 12, 255]);
    const palette = Uint8Array.of(255, 0, 0, 0, 0, 255, 0, 255, 0);
    const indexed = await encodePng({ width: 3, height: 1, kind: 'indexed8', rows: Uint8Array.of(2, 0, 1), palette }, 9);
    expect([...PNG.sync.read(indexed).data]).toEqual([0, 255, 0, 255, 255, 0, 0, 255, 0, 0, 255, 255]);
    const mono = await encodePng({ width: 10, height: 1, kind: 'indexed1', rows: Uint8Array.of(0b10000001, 0b01000000), palette: palette.subarray(0, 6) }, 0);
    const pixels = PNG.sync.read(mono).data;
    expect(Array.from({ length: 10 }, (_, i) => pixels[i * 4 + 2])).toEqual([255, 0, 0, 0, 0, 0, 0, 255, 0, 255]);
    await expect(encodePng({ width: 3, height: 1, kind: 'rgb', rows: new Uint8Array(8) }, 6)).rejects.toThrow(RangeError);
  });

  it('loads sharp lazily, once, and gets JFIF images from it', async () => {
    let loads = 0;
    const get = lazyJpeg(() => (loads++, loadSharpJpeg()));
    expect(loads).toBe(0);
    const codec = get();
    expect(get()).toBe(codec);
    expect(loads).toBe(1);
    expect(codec?.name).toBe('sharp');
    const jpeg = await codec!.encode(new Uint8Array(16 * 8 * 3).fill(200), 16, 8, 75, '4:2:0');
    expect([jpeg[0], jpeg[1], jpeg[jpeg.length - 2], jpeg[jpeg.length - 1]]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
  });
});
