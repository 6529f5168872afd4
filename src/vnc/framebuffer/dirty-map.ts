/**
 * Per-client record of the screen areas the client has not been sent yet.
 *
 * The map is a grid of 16×16 tiles, one byte each. 16 is the unit that suits
 * every RFB encoder (Hextile tiles are 16×16; ZRLE's 64 and Tight's larger
 * rects are multiples) and is fine enough that a text cursor or a typed letter
 * costs at most a few hundred pixels, while marking a full 1080p screen
 * touches only 8160 bytes. `take` turns the dirty tiles into few rectangles.
 */
import { checkFramebufferSize, clipRect, type Rect } from './rect';

export const TILE_SIZE = 16;

/** Default cap on the rectangles one `take` returns: past it, areas merge. */
export const MAX_DIRTY_RECTS = 32;

/** A rectangle in tile units while coalescing (mutable: runs grow downwards). */
interface TileRect {
  tx: number;
  ty: number;
  tw: number;
  th: number;
}

export class DirtyMap {
  private w = 0;
  private h = 0;
  private cols = 0;
  private rows = 0;
  /** cols × rows bytes, 1 = dirty. */
  private tiles = new Uint8Array(0);

  /** A new map is all dirty: a new client has been sent nothing. */
  constructor(width: number, height: number) {
    this.resize(width, height);
  }

  get width(): number {
    return this.w;
  }

  get height(): number {
    return this.h;
  }

  /** New size; everything is dirty (the client must get the whole new screen). */
  resize(width: number, height: number): void {
    checkFramebufferSize(width, height);
    this.w = width;
    this.h = height;
    this.cols = Math.ceil(width / TILE_SIZE);
    this.rows = Math.ceil(height / TILE_SIZE);
    this.tiles = new Uint8Array(this.cols * this.rows).fill(1);
  }

  /** Marks the tiles the area touches; parts outside the screen are ignored. */
  mark(x: number, y: number, w: number, h: number): void {
    const r = clipRect({ x, y, w, h }, this.w, this.h);
    if (r === undefined) return;
    const tx0 = Math.floor(r.x / TILE_SIZE);
    const tx1 = Math.ceil((r.x + r.w) / TILE_SIZE);
    const ty1 = Math.ceil((r.y + r.h) / TILE_SIZE);
    for (let ty = Math.floor(r.y / TILE_SIZE); ty < ty1; ty++) {
      this.tiles.fill(1, ty * this.cols + tx0, ty * this.cols + tx1);
    }
  }

  markAll(): void {
    this.tiles.fill(1);
  }

  clear(): void {
    this.tiles.fill(0);
  }

  /**
   * Marks, moved by (dx, dy), the dirty parts of `area`: after a CopyRect of
   * `area`, what the client had stale there is stale at the destination too.
   */
  markShifted(area: Rect, dx: number, dy: number): void {
    const r = clipRect(area, this.w, this.h);
    if (r === undefined) return;
    const moved: Rect[] = [];
    const ty1 = Math.ceil((r.y + r.h) / TILE_SIZE);
    const tx1 = Math.ceil((r.x + r.w) / TILE_SIZE);
    for (let ty = Math.floor(r.y / TILE_SIZE); ty < ty1; ty++) {
      for (let tx = Math.floor(r.x / TILE_SIZE); tx < tx1; tx++) {
        if (this.tiles[ty * this.cols + tx] !== 1) continue;
        const part = clipRect({ x: tx * TILE_SIZE, y: ty * TILE_SIZE, w: TILE_SIZE, h: TILE_SIZE }, this.w, this.h);
        const inside = part && clipRect({ x: part.x - r.x, y: part.y - r.y, w: part.w, h: part.h }, r.w, r.h);
        if (inside) moved.push({ x: inside.x + r.x + dx, y: inside.y + r.y + dy, w: inside.w, h: inside.h });
      }
    }
    // Collected first: the destination may overlap the area being read.
    for (const m of moved) this.mark(m.x, m.y, m.w, m.h);
  }

  isEmpty(): boolean {
    return this.tiles.indexOf(1) < 0;
  }

  /** The whole dirty area as at most `maxRects` rectangles, and clears it. */
  take(maxRects = MAX_DIRTY_RECTS): Rect[] {
    return this.takeWithin({ x: 0, y: 0, w: this.w, h: this.h }, maxRects);
  }

  /**
   * Like `take`, for a FramebufferUpdateRequest's area only. Tiles the area
   * touches are taken whole, so a rect may reach up to 15 px past the area
   * (within the screen): leaving a partly sent tile dirty would make every
   * later request for the same area resend it at once. Tiles the area does not
   * touch stay dirty.
   */
  takeWithin(area: Rect, maxRects = MAX_DIRTY_RECTS): Rect[] {
    const a = clipRect(area, this.w, this.h);
    if (a === undefined) return [];
    const tx0 = Math.floor(a.x / TILE_SIZE);
    const tx1 = Math.ceil((a.x + a.w) / TILE_SIZE);
    const ty0 = Math.floor(a.y / TILE_SIZE);
    const ty1 = Math.ceil((a.y + a.h) / TILE_SIZE);
    let found = this.runs(tx0, ty0, tx1, ty1);
    if (found.length > Math.max(1, maxRects)) found = this.bands(tx0, ty0, tx1, ty1, Math.max(1, maxRects));
    for (let ty = ty0; ty < ty1; ty++) this.tiles.fill(0, ty * this.cols + tx0, ty * this.cols + tx1);
    return found.map((t) => this.toPixels(t));
  }

  private toPixels(t: TileRect): Rect {
    const x = t.tx * TILE_SIZE;
    const y = t.ty * TILE_SIZE;
    return { x, y, w: Math.min((t.tx + t.tw) * TILE_SIZE, this.w) - x, h: Math.min((t.ty + t.th) * TILE_SIZE, this.h) - y };
  }

  /** Horizontal runs of dirty tiles, merged downwards while a run keeps the same x-extent. */
  private runs(tx0: number, ty0: number, tx1: number, ty1: number): TileRect[] {
    const out: TileRect[] = [];
    let open: TileRect[] = [];
    for (let ty = ty0; ty < ty1; ty++) {
      // A view of this row's part of the window bounds each indexOf to it.
      const row = this.tiles.subarray(ty * this.cols + tx0, ty * this.cols + tx1);
      const next: TileRect[] = [];
      let k = 0;
      let at = 0;
      for (;;) {
        const start = row.indexOf(1, at);
        if (start < 0) break;
        let end = row.indexOf(0, start);
        if (end < 0) end = row.length;
        const rx = tx0 + start;
        const rw = end - start;
        // `open` is sorted by x like the runs, so one forward pointer finds a match.
        while (k < open.length && open[k]!.tx < rx) k++;
        const above = open[k];
        if (above !== undefined && above.tx === rx && above.tw === rw) {
          above.th++;
          next.push(above);
        } else {
          const made = { tx: rx, ty, tw: rw, th: 1 };
          out.push(made);
          next.push(made);
        }
        at = end;
      }
      open = next;
    }
    return out;
  }

  /**
   * Past the cap: each tile row becomes one span from its first to its last dirty
   * tile, equal spans merge downwards, then the neighbouring pair whose bounding
   * box wastes the fewest tiles merges until the cap holds. Rects stay disjoint
   * because they own disjoint row ranges.
   */
  private bands(tx0: number, ty0: number, tx1: number, ty1: number, maxRects: number): TileRect[] {
    const list: TileRect[] = [];
    for (let ty = ty0; ty < ty1; ty++) {
      const row = this.tiles.subarray(ty * this.cols + tx0, ty * this.cols + tx1);
      const first = row.indexOf(1);
      if (first < 0) continue;
      const span = { tx: tx0 + first, ty, tw: row.lastIndexOf(1) - first + 1, th: 1 };
      const prev = list[list.length - 1];
      if (prev !== undefined && prev.ty + prev.th === ty && prev.tx === span.tx && prev.tw === span.tw) prev.th++;
      else list.push(span);
    }
    while (list.length > maxRects) {
      let best = 0;
      let bestWaste = Infinity;
      for (let i = 0; i + 1 < list.length; i++) {
        const waste = area(bound(list[i]!, list[i + 1]!)) - area(list[i]!) - area(list[i + 1]!);
        if (waste < bestWaste) {
          bestWaste = waste;
          best = i;
        }
      }
      list.splice(best, 2, bound(list[best]!, list[best + 1]!));
    }
    return list;
  }
}

function area(t: TileRect): number {
  return t.tw * t.th;
}

function bound(a: TileRect, b: TileRect): TileRect {
  const tx = Math.min(a.tx, b.tx);
  const ty = Math.min(a.ty, b.ty);
  return { tx, ty, tw: Math.max(a.tx + a.tw, b.tx + b.tw) - tx, th: Math.max(a.ty + a.th, b.ty + b.th) - ty };
}
