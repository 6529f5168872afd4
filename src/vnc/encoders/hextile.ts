/**
 * Hextile (5): the rectangle as 16×16 tiles, left to right then top to bottom,
 * the last column and row narrower (RFC 6143 §7.7.4). Each tile starts with a
 * subencoding byte of HextileFlag bits. The client keeps the background and
 * foreground from tile to tile, so they are sent only when they change.
 *
 * Per tile, in the client's pixel format (colours equal after translation merge):
 * - one colour: the background, or nothing at all when it is unchanged;
 * - two colours: background (the commoner one) + foreground + monochrome subrects;
 * - more: coloured subrects on the commonest colour;
 * - Raw whenever the subrects would not be smaller.
 *
 * What the client remembers, and therefore what this encoder assumes:
 * - nothing at the start of a rectangle (its first non-raw tile must specify
 *   the background);
 * - nothing after a Raw tile (noVNC even ignores an empty tile after one);
 * - no foreground after a SubrectsColoured tile (TigerVNC's decoder leaves the
 *   last subrect's colour there, noVNC the old foreground).
 */
import { Encoding } from '../protocol/constants';
import { ColourTable } from './colour-table';
import { ClientPixelReader, writePixel, type ClientPixelRows } from './colours';
import type { EncodedRect, EncodeInput, EncoderFactory, RectEncoder } from './encoder';
import { fillValues, growSubrect } from './rre';

export const HextileFlag = {
  RAW: 1,
  BACKGROUND_SPECIFIED: 2,
  FOREGROUND_SPECIFIED: 4,
  ANY_SUBRECTS: 8,
  SUBRECTS_COLOURED: 16,
} as const;

const TILE = 16;
/** A tile's subrect count is one byte. */
const MAX_SUBRECTS = 255;
/** Output is gathered in chunks of about this size (a 1920-pixel strip is 123 kB raw at 32 bpp). */
const CHUNK = 256 * 1024;

class HextileEncoder implements RectEncoder {
  private readonly reader = new ClientPixelReader();
  private readonly counter = new ColourTable(TILE * TILE);
  /** The current tile's values (stride = its width); subrects found are painted with the background. */
  private readonly tile = new Uint32Array(TILE * TILE);
  private readonly subXY = new Uint8Array(TILE * TILE);
  private readonly subWH = new Uint8Array(TILE * TILE);
  private readonly subColour = new Uint32Array(TILE * TILE);
  private out: Buffer = Buffer.allocUnsafeSlow(CHUNK);
  /** What the client holds as background and foreground within the current rectangle. */
  private bg = 0;
  private fg = 0;
  private hasBg = false;
  private hasFg = false;

  encode({ source, rect, translator }: EncodeInput): EncodedRect[] {
    const { w, h } = rect;
    const bpp = translator.bytesPerPixel;
    this.hasBg = false;
    this.hasFg = false;
    const body: Uint8Array[] = [];
    let out = this.out;
    let pos = 0;
    for (let ty = 0; ty < h; ty += TILE) {
      const th = Math.min(TILE, h - ty);
      const rows = this.reader.read(translator, source, { x: rect.x, y: rect.y + ty, w, h: th });
      // Room for the strip's worst case, every tile raw.
      const need = Math.ceil(w / TILE) + w * th * bpp;
      if (pos + need > out.length) {
        if (pos > 0) body.push(Buffer.from(out.subarray(0, pos)));
        pos = 0;
        if (need > out.length) out = this.out = Buffer.allocUnsafeSlow(need);
      }
      for (let tx = 0; tx < w; tx += TILE) pos = this.encodeTile(rows, w, tx, Math.min(TILE, w - tx), th, bpp, out, pos);
    }
    if (pos > 0) body.push(Buffer.from(out.subarray(0, pos)));
    return [{ rect, encoding: Encoding.HEXTILE, body }];
  }

  /** Writes the tile of `rows` at column tx (tw × th) at `pos`; returns the next position. */
  private encodeTile(rows: ClientPixelRows, stride: number, tx: number, tw: number, th: number, bpp: 1 | 2 | 4, out: Buffer, pos: number): number {
    const { values } = rows;
    const tile = this.tile;
    // Copy the tile and count up to two colours on the way.
    let c0 = values[tx]!;
    let c1 = c0;
    let n0 = 0;
    let n1 = 0;
    let colours = 1;
    for (let r = 0, j = 0; r < th; r++) {
      for (let i = r * stride + tx, end = i + tw; i < end; i++, j++) {
        const v = values[i]!;
        tile[j] = v;
        if (v === c0) n0++;
        else if (v === c1) n1++;
        else if (colours === 1) { c1 = v; n1 = 1; colours = 2; }
        else colours = 3;
      }
    }

    if (colours === 1) {
      if (this.hasBg && this.bg === c0) {
        out[pos] = 0;
        return pos + 1;
      }
      out[pos] = HextileFlag.BACKGROUND_SPECIFIED;
      this.bg = c0;
      this.hasBg = true;
      return writePixel(out, pos + 1, c0, bpp);
    }

    const rawSize = 1 + tw * th * bpp;
    if (colours === 2) {
      // The commoner colour is the background; on a tie, the one the client already has.
      const swap = n1 > n0 || (n1 === n0 && this.hasBg && this.bg === c1);
      const bg = swap ? c1 : c0;
      const fg = swap ? c0 : c1;
      let flags: number = HextileFlag.ANY_SUBRECTS;
      let head = 2;
      if (!(this.hasBg && this.bg === bg)) { flags |= HextileFlag.BACKGROUND_SPECIFIED; head += bpp; }
      if (!(this.hasFg && this.fg === fg)) { flags |= HextileFlag.FOREGROUND_SPECIFIED; head += bpp; }
      const n = this.findSubrects(tw, th, bg, Math.min(MAX_SUBRECTS, Math.floor((rawSize - 1 - head) / 2)));
      if (n > 0) {
        pos = this.writeSubrects(out, pos, flags, bg, fg, n, bpp);
        this.bg = bg;
        this.hasBg = true;
        this.fg = fg;
        this.hasFg = true;
        return pos;
      }
    } else {
      // More colours than subrects can fit (even with the smallest header) means Raw: stop counting there.
      this.counter.reset(Math.floor((rawSize - 3) / (bpp + 2)) + 2);
      this.counter.addRegion(tile, tw, 0, 0, tw, th);
      const bg = this.counter.top;
      let flags: number = HextileFlag.ANY_SUBRECTS | HextileFlag.SUBRECTS_COLOURED;
      let head = 2;
      if (!(this.hasBg && this.bg === bg)) { flags |= HextileFlag.BACKGROUND_SPECIFIED; head += bpp; }
      const max = Math.min(MAX_SUBRECTS, Math.floor((rawSize - 1 - head) / (bpp + 2)));
      // Each colour but the background needs a subrect: skip the search when they cannot fit.
      const n = this.counter.full || this.counter.size - 1 > max ? -1 : this.findSubrects(tw, th, bg, max);
      if (n > 0) {
        pos = this.writeSubrects(out, pos, flags, bg, 0, n, bpp);
        this.bg = bg;
        this.hasBg = true;
        this.hasFg = false;
        return pos;
      }
    }

    // Raw: the client's bytes as translated (the tile copy may be painted over).
    out[pos++] = HextileFlag.RAW;
    const bytes = rows.bytes;
    const rowBytes = tw * bpp;
    for (let r = 0, s = tx * bpp; r < th; r++, s += stride * bpp, pos += rowBytes) out.set(bytes.subarray(s, s + rowBytes), pos);
    this.hasBg = false;
    this.hasFg = false;
    return pos;
  }

  /**
   * Covers every non-background pixel of the tile with subrects (greedy, see
   * growSubrect) into subXY / subWH / subColour; returns their number, or -1
   * when more than `max` would be needed.
   */
  private findSubrects(tw: number, th: number, bg: number, max: number): number {
    const tile = this.tile;
    let n = 0;
    for (let y = 0; y < th; y++) {
      for (let x = 0, i = y * tw; x < tw; x++, i++) {
        const c = tile[i]!;
        if (c === bg) continue;
        if (n >= max) return -1;
        const grown = growSubrect(tile, tw, x, y, tw, th, c);
        const sw = grown >>> 16;
        const sh = grown & 0xffff;
        fillValues(tile, tw, x, y, sw, sh, bg);
        this.subXY[n] = (x << 4) | y;
        this.subWH[n] = ((sw - 1) << 4) | (sh - 1);
        this.subColour[n] = c;
        n++;
        x += sw - 1;
        i += sw - 1;
      }
    }
    return n;
  }

  private writeSubrects(out: Buffer, pos: number, flags: number, bg: number, fg: number, n: number, bpp: 1 | 2 | 4): number {
    out[pos++] = flags;
    if (flags & HextileFlag.BACKGROUND_SPECIFIED) pos = writePixel(out, pos, bg, bpp);
    if (flags & HextileFlag.FOREGROUND_SPECIFIED) pos = writePixel(out, pos, fg, bpp);
    out[pos++] = n;
    const coloured = (flags & HextileFlag.SUBRECTS_COLOURED) !== 0;
    for (let k = 0; k < n; k++) {
      if (coloured) pos = writePixel(out, pos, this.subColour[k]!, bpp);
      out[pos++] = this.subXY[k]!;
      out[pos++] = this.subWH[k]!;
    }
    return pos;
  }
}

export const hextileEncoder: EncoderFactory = {
  encoding: Encoding.HEXTILE,
  name: 'hextile',
  create: () => new HextileEncoder(),
};
