/**
 * Client pixels as plain numbers, for the encoders that compare colours (RRE,
 * Hextile): reading a rectangle as one value per pixel, counting how often each
 * colour occurs (to pick a background), and writing a value back as wire bytes.
 *
 * A value is the client's packed pixel read through a host-order typed array.
 * Comparing values therefore compares client pixels (native colours that become
 * equal after translation merge), and writing a value back in host byte order
 * reproduces the client's bytes exactly, whatever its endianness.
 */
import { HOST_LITTLE_ENDIAN, type PixelSource } from '../framebuffer/pixel-source';
import type { Rect } from '../framebuffer/rect';
import type { Translator } from '../framebuffer/translate';

/** One translated rectangle: the client's bytes and one value per pixel, row-major (stride = rect.w). */
export interface ClientPixelRows {
  readonly bytes: Uint8Array;
  readonly values: Uint32Array;
}

/**
 * Reads rectangles into reused buffers, so an encoder allocates nothing per
 * pixel or per tile. A result stays valid until the next `read`.
 */
export class ClientPixelReader {
  private bytes: Buffer = Buffer.alloc(0);
  private wide: Uint32Array = new Uint32Array(0);

  read(translator: Translator, source: PixelSource, rect: Rect): ClientPixelRows {
    const bpp = translator.bytesPerPixel;
    const n = rect.w * rect.h;
    // allocUnsafeSlow gives offset 0, so the typed views below are aligned.
    if (this.bytes.length < n * bpp) this.bytes = Buffer.allocUnsafeSlow(n * bpp);
    translator.translate(source, rect, this.bytes, 0);
    // A plain Uint8Array: a Buffer's subarray() costs several times more (callers slice per tile row).
    const bytes = new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, n * bpp);
    if (bpp === 4) return { bytes, values: new Uint32Array(bytes.buffer, bytes.byteOffset, n) };
    if (this.wide.length < n) this.wide = new Uint32Array(n);
    const values = this.wide.subarray(0, n);
    // TypedArray#set widens 8/16-bit values natively.
    values.set(bpp === 2 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : bytes);
    return { bytes, values };
  }
}

/** Writes a value's `bpp` bytes at `pos` as the translator laid them out; returns the next position. */
export function writePixel(out: Uint8Array, pos: number, value: number, bpp: 1 | 2 | 4): number {
  if (bpp === 1) {
    out[pos] = value;
  } else if (bpp === 2) {
    if (HOST_LITTLE_ENDIAN) { out[pos] = value; out[pos + 1] = value >>> 8; }
    else { out[pos] = value >>> 8; out[pos + 1] = value; }
  } else if (HOST_LITTLE_ENDIAN) {
    out[pos] = value; out[pos + 1] = value >>> 8; out[pos + 2] = value >>> 16; out[pos + 3] = value >>> 24;
  } else {
    out[pos] = value >>> 24; out[pos + 1] = value >>> 16; out[pos + 2] = value >>> 8; out[pos + 3] = value;
  }
  return pos + bpp;
}

/**
 * Counts occurrences of pixel values in an open-addressing table, up to a limit
 * of distinct colours, and tracks the most common one (the natural background).
 * Reset per region in O(1): slots carry the generation that filled them.
 */
export class ColourCounter {
  /** Distinct colours counted since the last reset. */
  size = 0;
  /** A new colour arrived when `size` had reached the limit; it and later new ones were dropped. */
  full = false;
  /** The most common colour so far (first to reach the count wins ties); 0 when empty. */
  top = 0;
  topCount = 0;
  private limit: number;
  private readonly mask: number;
  private readonly keys: Uint32Array;
  private readonly counts: Uint32Array;
  private readonly stamps: Uint32Array;
  private generation = 1;

  /** `maxColours`: the largest limit `reset` will be given (the table has twice as many slots). */
  constructor(readonly maxColours: number) {
    if (!Number.isInteger(maxColours) || maxColours < 1 || maxColours > 1 << 24) {
      throw new RangeError(`colour counter size ${maxColours} is not 1..2^24`);
    }
    let slots = 8;
    while (slots < maxColours * 2) slots *= 2;
    this.mask = slots - 1;
    this.keys = new Uint32Array(slots);
    this.counts = new Uint32Array(slots);
    this.stamps = new Uint32Array(slots);
    this.limit = maxColours;
  }

  /** Forgets every colour; at most `limit` distinct colours are counted from now on. */
  reset(limit = this.maxColours): void {
    this.limit = limit < this.maxColours ? limit : this.maxColours;
    this.size = 0;
    this.full = false;
    this.top = 0;
    this.topCount = 0;
    if (++this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  /** Adds `count` occurrences of `value` (an unsigned 32-bit pixel value). */
  add(value: number, count: number): void {
    const { keys, stamps, generation, mask } = this;
    // Fold the bytes together: client pixels differ mostly in their low bits.
    let slot = (value ^ (value >>> 7) ^ (value >>> 15) ^ (value >>> 23)) & mask;
    while (stamps[slot] === generation) {
      if (keys[slot] === value) {
        const c = this.counts[slot]! + count;
        this.counts[slot] = c;
        if (c > this.topCount) { this.topCount = c; this.top = value; }
        return;
      }
      slot = (slot + 1) & mask;
    }
    if (this.size === this.limit) {
      this.full = true;
      return;
    }
    this.size++;
    stamps[slot] = generation;
    keys[slot] = value;
    this.counts[slot] = count;
    if (count > this.topCount) { this.topCount = count; this.top = value; }
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
