/**
 * The colour table of the palette and background encodings: client pixel
 * values to indices, in order of first appearance, up to a limit. ZRLE and
 * Tight number colours with `indexOf`; Hextile and RRE count them with `add`
 * and read back the most common (`top`), their natural background.
 *
 * Made once per encoder and reset per tile or region, so it allocates nothing
 * while encoding. Reset is O(1): slots carry the generation that filled them.
 */
export class ColourTable {
  /** The colours by index; entries `[0, size)` are valid. */
  readonly colours: Uint32Array;
  /** Distinct colours added since the last reset. */
  size = 0;
  /** A new colour arrived when `size` had reached the limit; it and later new ones were refused. */
  full = false;
  /** The most common colour counted by `add` (first to reach the count wins ties); 0 when none. */
  top = 0;
  /** How often `top` was counted. */
  topCount = 0;
  /** The current limit: `maxColours`, or less when `reset` was given less. */
  private cap: number;
  private readonly mask: number;
  private readonly keys: Uint32Array;
  private readonly slotIndex: Uint16Array;
  /** Per slot rather than per index: `add` then needs no second lookup. */
  private readonly counts: Uint32Array;
  /** Which reset a slot was filled in, so reset() need not clear the table. */
  private readonly stamps: Uint32Array;
  private generation = 1;

  /** `maxColours`: most colours kept (1 to 65535); `reset` may lower the limit, never raise it. */
  constructor(readonly maxColours: number) {
    // Indices are kept as 16 bits.
    if (!Number.isInteger(maxColours) || maxColours < 1 || maxColours > 0xffff) {
      throw new RangeError(`colour table limit ${maxColours} is not 1..65535`);
    }
    // At least twice as many slots as colours keeps the linear probes short.
    let slots = 8;
    while (slots < maxColours * 2) slots *= 2;
    this.mask = slots - 1;
    this.keys = new Uint32Array(slots);
    this.slotIndex = new Uint16Array(slots);
    this.counts = new Uint32Array(slots);
    this.stamps = new Uint32Array(slots);
    this.colours = new Uint32Array(maxColours);
    this.cap = maxColours;
  }

  /** Most colours kept until the next reset. */
  get limit(): number {
    return this.cap;
  }

  /** Forgets every colour; at most `limit` (capped at `maxColours`) are kept from now on. */
  reset(limit = this.maxColours): void {
    this.cap = limit < this.maxColours ? limit : this.maxColours;
    this.size = 0;
    this.full = false;
    this.top = 0;
    this.topCount = 0;
    if (++this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  /**
   * The index of `pixel` (an unsigned 32-bit value), added when new; -1 when it
   * is new and the table already holds `limit` colours. Does not count.
   */
  indexOf(pixel: number): number {
    const slot = this.slotOf(pixel);
    return slot < 0 ? -1 : this.slotIndex[slot]!;
  }

  /**
   * Counts `count` occurrences of `pixel` (an unsigned 32-bit value), adding it
   * when new, and keeps `top` up to date. Returns its index, or -1 as `indexOf`.
   */
  add(pixel: number, count: number): number {
    const slot = this.slotOf(pixel);
    if (slot < 0) return -1;
    const c = this.counts[slot]! + count;
    this.counts[slot] = c;
    if (c > this.topCount) {
      this.topCount = c;
      this.top = pixel;
    }
    return this.slotIndex[slot]!;
  }

  /** The slot holding `pixel`, which is added (uncounted) when new; -1 when it is new and the table is full. */
  private slotOf(pixel: number): number {
    const { keys, stamps, mask, generation } = this;
    // Fold the bytes together: client pixels differ mostly in their low bits.
    let slot = (pixel ^ (pixel >>> 7) ^ (pixel >>> 15) ^ (pixel >>> 23)) & mask;
    while (stamps[slot] === generation) {
      if (keys[slot] === pixel) return slot;
      slot = (slot + 1) & mask;
    }
    if (this.size === this.cap) {
      this.full = true;
      return -1;
    }
    const index = this.size++;
    stamps[slot] = generation;
    keys[slot] = pixel;
    this.slotIndex[slot] = index;
    this.counts[slot] = 0;
    this.colours[index] = pixel;
    return slot;
  }

  /**
   * Counts the pixels of a region of `values` (row-major with `stride`), every
   * `rowStep`-th row, one `add` per run of equal pixels. Stops early once full.
   */
  addRegion(values: Uint32Array, stride: number, x: number, y: number, w: number, h: number, rowStep = 1): void {
    for (let row = y, end = y + h; row < end && !this.full; row += rowStep) {
      let i = row * stride + x;
      const rowEnd = i + w;
      let run = values[i]!;
      let n = 1;
      for (i++; i < rowEnd; i++) {
        const v = values[i]!;
        if (v === run) {
          n++;
        } else {
          this.add(run, n);
          run = v;
          n = 1;
        }
      }
      this.add(run, n);
    }
  }
}
