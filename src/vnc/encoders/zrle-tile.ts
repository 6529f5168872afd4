/**
 * One ZRLE tile (at most 64×64 client pixels): one pass counts its runs and
 * colours, the exact size of every subencoding follows from those counts, and
 * the smallest one is written. All buffers live in the writer, made once per client.
 */
import { ColourTable } from './colour-table';
import type { CpixelLayout } from './zrle-cpixel';

export const ZRLE_TILE_SIZE = 64;

/**
 * Subencoding bytes (RFB ZRLE). The palette ones are the palette size itself
 * (2..16, packed indices) or the size with the RLE bit (2..127, palette RLE).
 */
export const ZrleSubencoding = { RAW: 0, SOLID: 1, RLE_BIT: 128, PLAIN_RLE: 128 } as const;

/** The largest palette ZRLE can send (the subencoding keeps 7 bits for its size). */
const MAX_PALETTE = 127;
const MAX_PACKED_PALETTE = 16;

// The chosen form of a tile.
const RAW = 0;
const SOLID = 1;
const PACKED = 2;
const PLAIN_RLE = 3;
const PALETTE_RLE = 4;

export class ZrleTileWriter {
  private readonly palette = new ColourTable(MAX_PALETTE);
  /** Palette index of each tile pixel, in tile order (valid while the palette is not full). */
  private readonly indices = new Uint8Array(ZRLE_TILE_SIZE * ZRLE_TILE_SIZE);
  private bytes: 1 | 2 | 3 | 4 = 4;
  private s0 = 0;
  private s1 = 8;
  private s2 = 16;
  private s3 = 24;
  // Results of the last analyse().
  private runs = 0;
  private singles = 0;
  /** Sum over runs of floor((length - 1) / 255): the extra 255 bytes of long run lengths. */
  private longRunBytes = 0;

  /** The CPIXEL layout of the client's format; set before writing tiles for it. */
  setLayout(layout: CpixelLayout): void {
    this.bytes = layout.bytes;
    [this.s0 = 0, this.s1 = 0, this.s2 = 0, this.s3 = 0] = layout.shifts;
  }

  get cpixelBytes(): number {
    return this.bytes;
  }

  /**
   * Writes the tile of `tw`×`th` pixels starting at `pixels[start]` (rows `stride`
   * apart) into `out` at `o`; returns the offset after it. `out` needs room for
   * 1 + tw·th·cpixelBytes bytes, the raw size, which no choice exceeds.
   */
  write(pixels: Uint32Array, start: number, stride: number, tw: number, th: number, out: Uint8Array, o: number): number {
    this.analyse(pixels, start, stride, tw, th);
    const cb = this.bytes;
    const { runs, longRunBytes } = this;
    // Exact body sizes (after the subencoding byte), before zlib; on a tie the form found first stays.
    let mode = RAW;
    let size = tw * th * cb;
    const plainRle = runs * (cb + 1) + longRunBytes;
    if (plainRle < size) {
      mode = PLAIN_RLE;
      size = plainRle;
    }
    const palette = this.palette;
    const n = palette.size;
    let bits = 0;
    if (!palette.full) {
      if (n === 1) mode = SOLID;
      else {
        // A run of one is a bare index; longer ones add a length (1 byte + the 255s).
        const paletteRle = n * cb + 2 * runs - this.singles + longRunBytes;
        if (paletteRle < size) {
          mode = PALETTE_RLE;
          size = paletteRle;
        }
        if (n <= MAX_PACKED_PALETTE) {
          bits = n <= 2 ? 1 : n <= 4 ? 2 : 4;
          const packed = n * cb + th * ((tw * bits + 7) >> 3);
          if (packed < size) mode = PACKED;
        }
      }
    }
    switch (mode) {
      case SOLID:
        out[o] = ZrleSubencoding.SOLID;
        return this.putPixel(out, o + 1, palette.colours[0]!);
      case PACKED:
        out[o] = n;
        return this.putPacked(out, this.putPalette(out, o + 1), tw, th, bits);
      case PALETTE_RLE:
        out[o] = ZrleSubencoding.RLE_BIT | n;
        return this.putPaletteRuns(out, this.putPalette(out, o + 1), tw * th);
      case PLAIN_RLE:
        out[o] = ZrleSubencoding.PLAIN_RLE;
        return this.putPlainRuns(pixels, start, stride, tw, th, out, o + 1);
      default:
        out[o] = ZrleSubencoding.RAW;
        return this.putRaw(pixels, start, stride, tw, th, out, o + 1);
    }
  }

  /** Counts runs (in tile order, across rows) and colours, stopping colours past 127. */
  private analyse(pixels: Uint32Array, start: number, stride: number, tw: number, th: number): void {
    const palette = this.palette;
    const indices = this.indices;
    palette.reset();
    let prev = pixels[start]!;
    let prevIndex = palette.indexOf(prev);
    let counting = true;
    let run = 0;
    let runs = 1;
    let singles = 0;
    let longRunBytes = 0;
    let k = 0;
    for (let row = 0, rowStart = start; row < th; row++, rowStart += stride) {
      for (let i = rowStart, end = rowStart + tw; i < end; i++) {
        const p = pixels[i]!;
        if (p !== prev) {
          if (run === 1) singles++;
          else if (run > 255) longRunBytes += ((run - 1) / 255) | 0;
          runs++;
          run = 0;
          prev = p;
          // Colours only change at run boundaries, so the palette is consulted once per run.
          if (counting) {
            prevIndex = palette.indexOf(p);
            counting = prevIndex >= 0;
          }
        }
        run++;
        indices[k++] = prevIndex;
      }
    }
    if (run === 1) singles++;
    else if (run > 255) longRunBytes += ((run - 1) / 255) | 0;
    this.runs = runs;
    this.singles = singles;
    this.longRunBytes = longRunBytes;
  }

  private putPixel(out: Uint8Array, o: number, v: number): number {
    // Uint8Array stores keep the low 8 bits of each shifted value.
    const n = this.bytes;
    out[o] = v >>> this.s0;
    if (n === 1) return o + 1;
    out[o + 1] = v >>> this.s1;
    if (n === 2) return o + 2;
    out[o + 2] = v >>> this.s2;
    if (n === 3) return o + 3;
    out[o + 3] = v >>> this.s3;
    return o + 4;
  }

  private putPalette(out: Uint8Array, o: number): number {
    const { colours, size } = this.palette;
    for (let i = 0; i < size; i++) o = this.putPixel(out, o, colours[i]!);
    return o;
  }

  /** Indices packed MSB first, `bits` each; every row starts on a byte. */
  private putPacked(out: Uint8Array, o: number, tw: number, th: number, bits: number): number {
    const indices = this.indices;
    for (let row = 0, k = 0; row < th; row++) {
      let acc = 0;
      let filled = 0;
      for (let end = k + tw; k < end; k++) {
        acc = (acc << bits) | indices[k]!;
        filled += bits;
        if (filled === 8) {
          out[o++] = acc;
          acc = 0;
          filled = 0;
        }
      }
      if (filled > 0) out[o++] = acc << (8 - filled);
    }
    return o;
  }

  private putPaletteRuns(out: Uint8Array, o: number, area: number): number {
    const indices = this.indices;
    let k = 0;
    while (k < area) {
      const index = indices[k]!;
      let end = k + 1;
      while (end < area && indices[end] === index) end++;
      if (end - k === 1) out[o++] = index;
      else {
        out[o++] = index | 128;
        o = putRunLength(out, o, end - k);
      }
      k = end;
    }
    return o;
  }

  private putPlainRuns(pixels: Uint32Array, start: number, stride: number, tw: number, th: number, out: Uint8Array, o: number): number {
    let prev = pixels[start]!;
    let run = 0;
    for (let row = 0, rowStart = start; row < th; row++, rowStart += stride) {
      for (let i = rowStart, end = rowStart + tw; i < end; i++) {
        const p = pixels[i]!;
        if (p !== prev) {
          o = putRunLength(out, this.putPixel(out, o, prev), run);
          prev = p;
          run = 0;
        }
        run++;
      }
    }
    return putRunLength(out, this.putPixel(out, o, prev), run);
  }

  // One loop per CPIXEL size keeps the per-pixel work to shifts and stores.
  private putRaw(pixels: Uint32Array, start: number, stride: number, tw: number, th: number, out: Uint8Array, o: number): number {
    const { s0, s1, s2, s3 } = this;
    const n = this.bytes;
    for (let row = 0, rowStart = start; row < th; row++, rowStart += stride) {
      const end = rowStart + tw;
      if (n === 3) {
        for (let i = rowStart; i < end; i++, o += 3) {
          const v = pixels[i]!;
          out[o] = v >>> s0;
          out[o + 1] = v >>> s1;
          out[o + 2] = v >>> s2;
        }
      } else if (n === 4) {
        for (let i = rowStart; i < end; i++, o += 4) {
          const v = pixels[i]!;
          out[o] = v >>> s0;
          out[o + 1] = v >>> s1;
          out[o + 2] = v >>> s2;
          out[o + 3] = v >>> s3;
        }
      } else if (n === 2) {
        for (let i = rowStart; i < end; i++, o += 2) {
          const v = pixels[i]!;
          out[o] = v >>> s0;
          out[o + 1] = v >>> s1;
        }
      } else {
        for (let i = rowStart; i < end; i++) out[o++] = pixels[i]!;
      }
    }
    return o;
  }
}

/** A run length as RFB writes it: length − 1 as a sum of 255s and a final byte below 255. */
function putRunLength(out: Uint8Array, o: number, length: number): number {
  let rest = length - 1;
  while (rest >= 255) {
    out[o++] = 255;
    rest -= 255;
  }
  out[o++] = rest;
  return o;
}
