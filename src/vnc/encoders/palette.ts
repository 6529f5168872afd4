/**
 * A small colour table for the palette-based encodings (ZRLE, Hextile, Tight):
 * client pixel values to indices, in order of first appearance, up to a limit.
 * Made once per encoder and reset per tile, so counting colours allocates nothing.
 */
export class Palette {
  /** The colours by index; entries `[0, size)` are valid. */
  readonly colours: Uint32Array;
  /** Number of distinct colours added since the last reset. */
  size = 0;
  /** Set when a colour past the limit was refused; `indexOf` then keeps refusing new colours. */
  full = false;
  private readonly mask: number;
  private readonly keys: Uint32Array;
  private readonly slotIndex: Uint16Array;
  /** Which reset a slot was filled in, so reset() need not clear the table. */
  private readonly stamps: Uint32Array;
  private generation = 1;

  /** `limit`: most colours kept (1 to 65535). */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1 || limit > 0xffff) throw new RangeError(`palette limit ${limit} is not 1..65535`);
    // At least twice as many slots as colours keeps the linear probes short.
    let slots = 8;
    while (slots < limit * 2) slots *= 2;
    this.mask = slots - 1;
    this.keys = new Uint32Array(slots);
    this.slotIndex = new Uint16Array(slots);
    this.stamps = new Uint32Array(slots);
    this.colours = new Uint32Array(limit);
  }

  /** Forgets every colour. */
  reset(): void {
    this.size = 0;
    this.full = false;
    if (++this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  /**
   * The index of `pixel` (an unsigned 32-bit value), added when new; -1 when it
   * is new and the palette already holds `limit` colours.
   */
  indexOf(pixel: number): number {
    const { keys, stamps, mask, generation } = this;
    // Fold the bytes together: client pixels differ mostly in their low bits.
    let slot = (pixel ^ (pixel >>> 7) ^ (pixel >>> 15) ^ (pixel >>> 23)) & mask;
    while (stamps[slot] === generation) {
      if (keys[slot] === pixel) return this.slotIndex[slot]!;
      slot = (slot + 1) & mask;
    }
    if (this.size === this.limit) {
      this.full = true;
      return -1;
    }
    const index = this.size++;
    stamps[slot] = generation;
    keys[slot] = pixel;
    this.slotIndex[slot] = index;
    this.colours[index] = pixel;
    return index;
  }
}
