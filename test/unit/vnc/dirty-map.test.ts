import { DirtyMap, MAX_DIRTY_RECTS, TILE_SIZE } from '../../../src/vnc/framebuffer/dirty-map';
import type { Rect } from '../../../src/vnc/framebuffer/rect';
import { rng } from '../../helpers/random';

/** A map with nothing dirty (a new map starts all dirty). */
function clean(width: number, height: number): DirtyMap {
  const map = new DirtyMap(width, height);
  map.take(Infinity);
  expect(map.isEmpty()).toBe(true);
  return map;
}

function sortRects(rects: readonly Rect[]): Rect[] {
  return [...rects].sort((a, b) => a.y - b.y || a.x - b.x);
}

describe('DirtyMap', () => {
  it('uses 16-pixel tiles', () => {
    expect(TILE_SIZE).toBe(16);
    expect(MAX_DIRTY_RECTS).toBe(32);
  });

  it('starts all dirty and takes the whole screen as one rect', () => {
    const map = new DirtyMap(100, 50);
    expect(map.isEmpty()).toBe(false);
    expect(map.take()).toEqual([{ x: 0, y: 0, w: 100, h: 50 }]);
    expect(map.isEmpty()).toBe(true);
    expect(map.take()).toEqual([]);
  });

  it('takes a marked pixel as its tile, and a short run as the tiles it touches', () => {
    const map = clean(200, 100);
    map.mark(5, 5, 1, 1);
    expect(map.take()).toEqual([{ x: 0, y: 0, w: 16, h: 16 }]);
    map.mark(20, 3, 30, 2);
    expect(map.take()).toEqual([{ x: 16, y: 0, w: 48, h: 16 }]);
    map.mark(31, 31, 2, 2);
    expect(map.take()).toEqual([{ x: 16, y: 16, w: 32, h: 32 }]);
  });

  it('takes a full row of tiles as one rect', () => {
    const map = clean(200, 100);
    map.mark(0, 20, 200, 1);
    expect(map.take()).toEqual([{ x: 0, y: 16, w: 200, h: 16 }]);
  });

  it('takes an L-shape as 2 rects', () => {
    const map = clean(200, 100);
    map.mark(0, 0, 48, 16);
    map.mark(0, 16, 16, 32);
    expect(map.take()).toEqual([{ x: 0, y: 0, w: 48, h: 16 }, { x: 0, y: 16, w: 16, h: 32 }]);
  });

  it('merges vertically only runs with the same x-extent', () => {
    const map = clean(200, 100);
    map.mark(16, 0, 32, 48); // tiles 1-2, rows 0-2
    map.mark(100, 16, 10, 10); // tile 6, row 1
    expect(sortRects(map.take())).toEqual([{ x: 16, y: 0, w: 32, h: 48 }, { x: 96, y: 16, w: 16, h: 16 }]);
  });

  it('clips edge tiles to the screen and ignores marks outside it', () => {
    const map = clean(100, 50);
    map.mark(99, 49, 5, 5);
    expect(map.take()).toEqual([{ x: 96, y: 48, w: 4, h: 2 }]);
    for (const [x, y, w, h] of [[-10, -10, 5, 5], [100, 0, 5, 5], [0, 50, 5, 5], [10, 10, 0, 5], [10, 10, 5, -3], [Number.NaN, 0, 5, 5]]) {
      map.mark(x!, y!, w!, h!);
    }
    expect(map.isEmpty()).toBe(true);
    map.mark(-10, -10, 12, 12);
    map.mark(90, -5, 1000, 6);
    expect(sortRects(map.take())).toEqual([{ x: 0, y: 0, w: 16, h: 16 }, { x: 80, y: 0, w: 20, h: 16 }]);
  });

  it('markAll and resize make everything dirty', () => {
    const map = clean(100, 50);
    map.markAll();
    expect(map.take()).toEqual([{ x: 0, y: 0, w: 100, h: 50 }]);
    map.resize(33, 17);
    expect([map.width, map.height]).toEqual([33, 17]);
    expect(map.take()).toEqual([{ x: 0, y: 0, w: 33, h: 17 }]);
    map.resize(0, 0);
    expect(map.isEmpty()).toBe(true);
    expect(map.take()).toEqual([]);
  });

  it('refuses impossible sizes', () => {
    for (const [w, h] of [[-1, 10], [10, 1.5], [16385, 10], [10, Number.NaN]]) {
      expect(() => new DirtyMap(w!, h!)).toThrow(expect.objectContaining({ code: 'VNC_INVALID_SIZE' }));
    }
  });

  it('caps the number of rects, merging into disjoint bounding boxes', () => {
    const map = clean(640, 480);
    for (let ty = 0; ty < 30; ty++) for (let tx = (ty % 2); tx < 40; tx += 2) map.mark(tx * 16 + 3, ty * 16 + 3, 1, 1);
    const rects = map.take();
    expect(rects.length).toBeLessThanOrEqual(32);
    expect(map.isEmpty()).toBe(true);
    // A checkerboard of 600 tiles: every row spans almost the whole width.
    expect(rects.reduce((n, r) => n + r.w * r.h, 0)).toBeGreaterThanOrEqual(600 * 256);
    map.markAll();
    map.mark(0, 0, 1, 1);
    expect(map.take(5)).toEqual([{ x: 0, y: 0, w: 640, h: 480 }]);
  });

  it('merges the neighbours that waste least when over the cap', () => {
    const map = clean(320, 160);
    // Rows 0, 2 and 9 hold one tile each at the left; row 4 one at the right.
    map.mark(0, 0, 1, 1);
    map.mark(0, 32, 1, 1);
    map.mark(0, 144, 1, 1);
    map.mark(300, 64, 1, 1);
    expect(map.take(3)).toEqual([
      { x: 0, y: 0, w: 16, h: 48 },
      { x: 288, y: 64, w: 16, h: 16 },
      { x: 0, y: 144, w: 16, h: 16 },
    ]);
  });

  it('takeWithin takes the tiles the area touches and leaves the rest dirty', () => {
    const map = clean(128, 128);
    map.markAll();
    expect(map.takeWithin({ x: 0, y: 0, w: 64, h: 64 })).toEqual([{ x: 0, y: 0, w: 64, h: 64 }]);
    expect(map.isEmpty()).toBe(false);
    expect(map.take()).toEqual([{ x: 64, y: 0, w: 64, h: 64 }, { x: 0, y: 64, w: 128, h: 64 }]);
    map.markAll();
    expect(map.takeWithin({ x: 10, y: 10, w: 10, h: 10 })).toEqual([{ x: 0, y: 0, w: 32, h: 32 }]);
    expect(map.takeWithin({ x: 500, y: 0, w: 10, h: 10 })).toEqual([]);
    expect(map.takeWithin({ x: 0, y: 0, w: 0, h: 10 })).toEqual([]);
  });

  /** Marks as a pixel mask, computed pixel by pixel, independently of the tile arithmetic. */
  function pixelMask(width: number, height: number, rects: readonly Rect[]): Uint8Array {
    const mask = new Uint8Array(width * height);
    for (const m of rects) {
      for (let y = Math.max(0, m.y); y < Math.min(height, m.y + m.h); y++) {
        for (let x = Math.max(0, m.x); x < Math.min(width, m.x + m.w); x++) mask[y * width + x]!++;
      }
    }
    return mask;
  }

  /** Problems found with one take (an empty list when all is well). */
  function problems(width: number, height: number, marks: Rect[], rects: Rect[], rest: Rect[], area: Rect, maxRects: number): string[] {
    const found: string[] = [];
    // Bit shifts, not Math.floor: globals such as Math are slow to reach inside jest's sandbox.
    const tile = (v: number): number => v >> 4;
    const touched = (x: number, y: number): boolean =>
      tile(x) >= tile(area.x) && tile(x) <= tile(area.x + area.w - 1) && tile(y) >= tile(area.y) && tile(y) <= tile(area.y + area.h - 1);
    if (rects.length > maxRects) found.push(`${rects.length} rects > ${maxRects}`);
    for (const r of rects) {
      if (!(r.w > 0 && r.h > 0 && r.x >= 0 && r.y >= 0 && r.x + r.w <= width && r.y + r.h <= height)) found.push(`bad rect ${JSON.stringify(r)}`);
    }
    const marked = pixelMask(width, height, marks);
    // Tile-rounded marked area: cells of 16×16 holding a marked pixel inside the touched tiles.
    const cells = new Set<number>();
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) if (marked[y * width + x] && touched(x, y)) cells.add(tile(y) * 4096 + tile(x));
    }
    let minTx = Infinity, minTy = Infinity, maxTx = -1, maxTy = -1;
    for (const c of cells) {
      minTx = Math.min(minTx, c % 4096); maxTx = Math.max(maxTx, c % 4096);
      minTy = Math.min(minTy, Math.floor(c / 4096)); maxTy = Math.max(maxTy, Math.floor(c / 4096));
    }
    const covered = pixelMask(width, height, rects);
    const left = pixelMask(width, height, rest);
    for (let y = 0; y < height && found.length < 5; y++) {
      for (let x = 0; x < width && found.length < 5; x++) {
        const i = y * width + x;
        const c = covered[i]!;
        if (c > 1) found.push(`(${x},${y}) sent twice`);
        if (marked[i] && touched(x, y) && c !== 1) found.push(`(${x},${y}) marked but not taken`);
        if (marked[i] && !touched(x, y) && left[i] !== 1) found.push(`(${x},${y}) outside the area but no longer dirty`);
        if (c === 0) continue;
        const cell = tile(y) * 4096 + tile(x);
        if (!touched(x, y)) found.push(`(${x},${y}) taken outside the tiles the area touches`);
        if (tile(x) < minTx || tile(x) > maxTx || tile(y) < minTy || tile(y) > maxTy) found.push(`(${x},${y}) outside the marks' tile bounding box`);
        // Under no cap the rects are exactly the tile-rounded marks.
        if (maxRects === Infinity && !cells.has(cell)) found.push(`(${x},${y}) taken but its tile was not marked`);
      }
    }
    return found;
  }

  it('property: taken rects cover every marked pixel, disjointly, within bounds and the tile-rounded marks', () => {
    const next = rng(4242);
    for (let round = 0; round < 150; round++) {
      const width = 1 + (next() % 300);
      const height = 1 + (next() % 200);
      const map = clean(width, height);
      const marks: Rect[] = [];
      const count = next() % 40;
      for (let i = 0; i < count; i++) {
        const m = { x: (next() % (width + 40)) - 20, y: (next() % (height + 40)) - 20, w: next() % 60, h: next() % 40 };
        marks.push(m);
        map.mark(m.x, m.y, m.w, m.h);
      }
      const maxRects = round % 3 === 0 ? Infinity : 1 + (next() % 40);
      const partial = round % 2 === 1;
      const area = partial
        ? { x: next() % width, y: next() % height, w: 1 + (next() % width), h: 1 + (next() % height) }
        : { x: 0, y: 0, w: width, h: height };
      const clipped = { x: area.x, y: area.y, w: Math.min(area.w, width - area.x), h: Math.min(area.h, height - area.y) };
      const rects = partial ? map.takeWithin(area, maxRects) : map.take(maxRects);
      const rest = map.take(Infinity);
      expect([round, problems(width, height, marks, rects, rest, clipped, maxRects)]).toEqual([round, []]);
      expect(map.isEmpty()).toBe(true);
    }
  });
});

describe('DirtyMap.markShifted', () => {
  it('marks the dirty parts of an area moved by an offset, clipped to the area and the screen', () => {
    const map = new DirtyMap(64, 64);
    map.clear();
    map.mark(0, 0, 1, 1); // tile (0,0)
    map.mark(40, 40, 1, 1); // tile (2,2): outside the area below
    map.markShifted({ x: 4, y: 4, w: 20, h: 20 }, 30, 2);
    // Tile (0,0) clipped to the area is (4,4)-(16,16); moved by (30,2): (34,6)-(46,18), tiles x 32..47, y 0..31,
    // which coalesce with the untouched dirty tile below them (32..47, 32..47). Tile (0,0) itself stays dirty.
    expect(map.take()).toEqual([
      { x: 0, y: 0, w: 16, h: 16 },
      { x: 32, y: 0, w: 16, h: 48 },
    ]);
  });
});
