import type { PixelSource } from '../../../src/vnc/framebuffer/pixel-source';
import type { Rect } from '../../../src/vnc/framebuffer/rect';
import { Shadow } from '../../../src/vnc/framebuffer/shadow';
import { BGRX32, RGB565, type PixelFormat } from '../../../src/vnc/protocol/pixel-format';
import { rng } from '../../helpers/random';

const W = 100;
const H = 40;
const FULL: Rect = { x: 0, y: 0, w: W, h: H };

/** A display-like source; `pad` extra bytes per row. */
function display(format: PixelFormat = BGRX32, pad = 0): PixelSource & { data: Uint8Array } {
  const stride = W * (format.bitsPerPixel / 8) + pad;
  return { data: new Uint8Array(stride * H), stride, format, width: W, height: H };
}

function randomise(source: PixelSource, seed: number): void {
  const next = rng(seed);
  for (let i = 0; i < source.data.length; i++) source.data[i] = next() & 0xff;
}

/** Flips one byte of pixel (x, y). */
function poke(source: PixelSource, x: number, y: number): void {
  const at = y * source.stride + x * (source.format.bitsPerPixel / 8);
  source.data[at] = source.data[at]! ^ 0x5a;
}

/** The shadow's pixels must equal the source's, row by row. */
function expectSame(shadow: Shadow, source: PixelSource): void {
  const s = shadow.source;
  const bytes = W * (source.format.bitsPerPixel / 8);
  const rows = (data: Uint8Array, stride: number): string =>
    Array.from({ length: H }, (_, y) => Buffer.from(data.subarray(y * stride, y * stride + bytes)).toString('hex')).join('\n');
  expect(rows(s.data, s.stride) === rows(source.data, source.stride)).toBe(true);
}

describe('Shadow', () => {
  it('reports nothing for damage where nothing changed', () => {
    const shadow = new Shadow(W, H, BGRX32);
    const source = display();
    expect(shadow.refresh(source, [FULL])).toEqual([]);
    randomise(source, 1);
    shadow.refresh(source, [FULL]);
    expect(shadow.refresh(source, [FULL, { x: 10, y: 10, w: 5, h: 5 }])).toEqual([]);
    expect(shadow.refresh(source, [])).toEqual([]);
  });

  it('reports a whole new screen as one run of tiles per tile row, clipped to the screen', () => {
    const shadow = new Shadow(W, H, BGRX32);
    const source = display();
    randomise(source, 2);
    expect(shadow.refresh(source, [FULL])).toEqual([
      { x: 0, y: 0, w: 100, h: 16 },
      { x: 0, y: 16, w: 100, h: 16 },
      { x: 0, y: 32, w: 100, h: 8 },
    ]);
    expectSame(shadow, source);
    expect(shadow.source).toMatchObject({ stride: W * 4, width: W, height: H, format: BGRX32 });
  });

  it('reports exactly the tile of a one-pixel change', () => {
    const shadow = new Shadow(W, H, BGRX32);
    const source = display();
    randomise(source, 3);
    shadow.refresh(source, [FULL]);
    poke(source, 37, 20);
    expect(shadow.refresh(source, [FULL])).toEqual([{ x: 32, y: 16, w: 16, h: 16 }]);
    expectSame(shadow, source);
    poke(source, 99, 39);
    expect(shadow.refresh(source, [{ x: 90, y: 35, w: 10, h: 5 }])).toEqual([{ x: 96, y: 32, w: 4, h: 8 }]);
    expectSame(shadow, source);
  });

  it('merges changed neighbours into a run and keeps separate tiles apart', () => {
    const shadow = new Shadow(W, H, RGB565);
    const source = display(RGB565);
    randomise(source, 4);
    shadow.refresh(source, [FULL]);
    poke(source, 15, 0); // tile 0
    poke(source, 16, 15); // tile 1, last row of the band
    poke(source, 70, 8); // tile 4
    poke(source, 5, 33); // tile 0 of the last band
    expect(shadow.refresh(source, [FULL])).toEqual([
      { x: 0, y: 0, w: 32, h: 16 },
      { x: 64, y: 0, w: 16, h: 16 },
      { x: 0, y: 32, w: 16, h: 8 },
    ]);
    expectSame(shadow, source);
  });

  it('only looks at damaged tiles: undamaged changes stay unseen until damaged', () => {
    const shadow = new Shadow(W, H, BGRX32);
    const source = display(BGRX32, 12);
    randomise(source, 5);
    shadow.refresh(source, [FULL]);
    poke(source, 50, 5);
    poke(source, 2, 2);
    expect(shadow.refresh(source, [{ x: 0, y: 0, w: 10, h: 10 }])).toEqual([{ x: 0, y: 0, w: 16, h: 16 }]);
    const at = 5 * W * 4 + 50 * 4;
    expect(shadow.source.data[at]).not.toBe(source.data[5 * source.stride + 50 * 4]);
    // Overlapping and out-of-screen damage is fine.
    expect(shadow.refresh(source, [{ x: 40, y: 0, w: 20, h: 20 }, { x: 45, y: 3, w: 200, h: 5 }, { x: -50, y: -50, w: 10, h: 10 }])).toEqual([
      { x: 48, y: 0, w: 16, h: 16 },
    ]);
    expectSame(shadow, source);
  });

  it.each([
    ['aligned 32 bpp', BGRX32, 0, 0],
    ['32 bpp at an odd byte offset', BGRX32, 1, 0],
    ['32 bpp with rows padded by 3 bytes', BGRX32, 0, 3],
    ['aligned 16 bpp', RGB565, 0, 0],
    ['16 bpp at an odd byte offset', RGB565, 1, 0],
  ])('finds the same changed tiles whether the source is %s', (_, format, offset, pad) => {
    const base = display(format, pad);
    // The same pixels at another offset in a larger buffer: the unaligned comparison path.
    const data = new Uint8Array(base.data.length + offset).subarray(offset);
    const source = { ...base, data };
    randomise(source, 3);
    const shadow = new Shadow(W, H, format);
    shadow.refresh(source, [FULL]);
    poke(source, 0, 0);
    poke(source, 99, 39);
    poke(source, 40, 17);
    expect(shadow.refresh(source, [FULL])).toEqual([
      { x: 0, y: 0, w: 16, h: 16 },
      { x: 32, y: 16, w: 16, h: 16 },
      { x: 96, y: 32, w: 4, h: 8 },
    ]);
    expectSame(shadow, source);
  });

  it('moves pixels like the display for a copy, in either direction', () => {
    const next = rng(6);
    for (let round = 0; round < 20; round++) {
      const shadow = new Shadow(W, H, BGRX32);
      const source = display();
      randomise(source, 100 + round);
      shadow.refresh(source, [FULL]);
      const w = 1 + (next() % 60);
      const h = 1 + (next() % 30);
      const from = { x: next() % (W - w + 1), y: next() % (H - h + 1), w, h };
      const to = { x: next() % (W - w + 1), y: next() % (H - h + 1), w, h };
      // The reference: read every source pixel first, then write them all.
      const view = new DataView(source.data.buffer);
      const moved: number[] = [];
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) moved.push(view.getUint32(((from.y + y) * W + from.x + x) * 4));
      let k = 0;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) view.setUint32(((to.y + y) * W + to.x + x) * 4, moved[k++]!);
      shadow.copy(from, to);
      expectSame(shadow, source);
      expect(shadow.refresh(source, [FULL])).toEqual([]);
    }
    const shadow = new Shadow(W, H, BGRX32);
    expect(() => shadow.copy({ x: 90, y: 0, w: 20, h: 5 }, { x: 0, y: 0, w: 20, h: 5 })).toThrow(expect.objectContaining({ code: 'VNC_OUT_OF_BOUNDS' }));
  });

  it('resizes to a black shadow and refuses sources of another size or pixel size', () => {
    const shadow = new Shadow(W, H, BGRX32);
    const source = display();
    randomise(source, 7);
    shadow.refresh(source, [FULL]);
    shadow.resize(20, 10);
    expect([shadow.width, shadow.height, shadow.source.data.length]).toEqual([20, 10, 800]);
    expect(shadow.source.data.every((b) => b === 0)).toBe(true);
    expect(() => shadow.refresh(source, [FULL])).toThrow(expect.objectContaining({ code: 'VNC_OUT_OF_BOUNDS' }));
    const small = { data: new Uint8Array(800).fill(1), stride: 80, format: BGRX32, width: 20, height: 10 };
    expect(shadow.refresh(small, [{ x: 0, y: 0, w: 20, h: 10 }])).toEqual([{ x: 0, y: 0, w: 20, h: 10 }]);
    expect(() => shadow.refresh({ ...small, format: RGB565 }, [])).toThrow(expect.objectContaining({ code: 'VNC_OUT_OF_BOUNDS' }));
    expect(() => shadow.refresh({ ...small, data: small.data.subarray(1) }, [])).toThrow(expect.objectContaining({ code: 'VNC_OUT_OF_BOUNDS' }));
    expect(() => shadow.resize(-1, 5)).toThrow(expect.objectContaining({ code: 'VNC_INVALID_SIZE' }));
  });
});
