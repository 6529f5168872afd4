/**
 * RRE (2): a background colour and a list of solid subrectangles (RFC 6143 §7.7.3).
 * Body: u32 subrect count, background pixel, then per subrect a pixel and
 * u16 x, y, w, h relative to the rectangle.
 *
 * RRE has no escape to raw pixels inside the encoding, and a busy area costs
 * bpp + 8 bytes per pixel, so the encoder bounds it:
 * - a rectangle of up to RRE_BLOCK² pixels is one RRE rect when its body is
 *   smaller than Raw's, else one Raw rect;
 * - a larger one is first tried whole (a desktop of flat windows is a few
 *   subrects), with a budget of a quarter of Raw's size; when that fails it is
 *   split into RRE_BLOCK × RRE_BLOCK blocks, each RRE or Raw as above (busy
 *   areas go Raw, flat ones stay RRE). The split adds a 12-byte rect header per
 *   4096 pixels, little beside the bpp/4 bytes per pixel the whole attempt
 *   exceeded.
 * Subrects are found greedily (see growSubrect), which Hextile shares.
 */
import type { PixelSource } from '../framebuffer/pixel-source';
import type { Rect } from '../framebuffer/rect';
import type { Translator } from '../framebuffer/translate';
import { Encoding } from '../protocol/constants';
import { ColourTable } from './colour-table';
import { ClientPixelReader, writePixel, type ClientPixelRows } from './colours';
import type { EncodedRect, EncodeInput, EncoderFactory, RectEncoder } from './encoder';

/** Side of the blocks a busy rectangle is split into. */
export const RRE_BLOCK = 64;
const HEADER = 4;
const WHOLE_BUDGET_DIVISOR = 4;
/** Distinct colours sampled to pick a large rectangle's background; more means "busy, use blocks". */
const SAMPLE_COLOURS = 256;
const SAMPLE_ROW_STEP = 4;

/**
 * Grows a rectangle of colour `c` from its top-left pixel (x, y) inside the
 * region ending at (right, bottom) of `px` (row-major, `stride`): the whole run
 * along the row, then down while every row below repeats it. (Also trying
 * "down the column, then right" and keeping the larger rect never lowered the
 * subrect count on random shapes, and raised it on 7% of them.)
 * Returns (width << 16) | height; sides are at most 16384 so this stays positive.
 */
export function growSubrect(px: Uint32Array, stride: number, x: number, y: number, right: number, bottom: number, c: number): number {
  const top = y * stride;
  let x2 = x + 1;
  while (x2 < right && px[top + x2] === c) x2++;
  let y2 = y + 1;
  down: for (let row = top + stride; y2 < bottom; y2++, row += stride) {
    for (let i = row + x, end = row + x2; i < end; i++) if (px[i] !== c) break down;
  }
  return ((x2 - x) << 16) | (y2 - y);
}

/** Paints a w × h region of `px` with `value` (marks a found subrect as covered). */
export function fillValues(px: Uint32Array, stride: number, x: number, y: number, w: number, h: number, value: number): void {
  for (let row = y * stride + x, end = row + h * stride; row < end; row += stride) px.fill(value, row, row + w);
}

class RreEncoder implements RectEncoder {
  private readonly reader = new ClientPixelReader();
  private readonly sample = new ColourTable(SAMPLE_COLOURS);
  private readonly counter = new ColourTable(RRE_BLOCK * RRE_BLOCK);
  private out: Buffer = Buffer.alloc(0);

  encode({ source, rect, translator }: EncodeInput): EncodedRect[] {
    const { w, h } = rect;
    if (w === 0 || h === 0) return [];
    if (w * h <= RRE_BLOCK * RRE_BLOCK) {
      return [this.block(this.reader.read(translator, source, rect), w, 0, 0, rect, source, translator)];
    }
    let rows = this.reader.read(translator, source, rect);
    const { values } = rows;
    const bpp = translator.bytesPerPixel;
    // The background of a large rect from a sample of its rows; too many colours means busy.
    this.sample.reset();
    this.sample.addRegion(values, w, 0, 0, w, h, SAMPLE_ROW_STEP);
    if (!this.sample.full) {
      const budget = Math.floor((w * h * bpp) / WHOLE_BUDGET_DIVISOR);
      const body = this.subrects(values, w, 0, 0, w, h, this.sample.top, maxSubrects(budget, bpp), bpp);
      if (body !== undefined) return [{ rect, encoding: Encoding.RRE, body: [body] }];
      // The attempt painted over found subrects: read the pixels again.
      rows = this.reader.read(translator, source, rect);
    }
    const rects: EncodedRect[] = [];
    for (let by = 0; by < h; by += RRE_BLOCK) {
      const bh = Math.min(RRE_BLOCK, h - by);
      for (let bx = 0; bx < w; bx += RRE_BLOCK) {
        const bw = Math.min(RRE_BLOCK, w - bx);
        rects.push(this.block(rows, w, bx, by, { x: rect.x + bx, y: rect.y + by, w: bw, h: bh }, source, translator));
      }
    }
    return rects;
  }

  /** `part` (at bx, by in `rows`) as RRE when smaller than Raw, else as Raw. */
  private block(rows: ClientPixelRows, stride: number, bx: number, by: number, part: Rect, source: PixelSource, translator: Translator): EncodedRect {
    const { values } = rows;
    const bpp = translator.bytesPerPixel;
    let painted = false;
    const limit = maxSubrects(part.w * part.h * bpp - 1, bpp);
    if (limit >= 0) {
      // Every colour but the background needs a subrect of its own: more than
      // limit + 1 colours cannot fit, so counting stops there.
      this.counter.reset(limit + 1);
      this.counter.addRegion(values, stride, bx, by, part.w, part.h);
      if (!this.counter.full) {
        painted = true;
        const body = this.subrects(values, stride, bx, by, part.w, part.h, this.counter.top, limit, bpp);
        if (body !== undefined) return { rect: part, encoding: Encoding.RRE, body: [body] };
      }
    }
    // At 32 bpp `values` is a view of `bytes`: after an RRE attempt painted over it, translate again.
    if (painted && bpp === 4) return { rect: part, encoding: Encoding.RAW, body: [translator.translate(source, part)] };
    const raw = Buffer.allocUnsafe(part.w * part.h * bpp);
    const rowBytes = part.w * bpp;
    for (let r = 0, from = (by * stride + bx) * bpp; r < part.h; r++, from += stride * bpp) {
      raw.set(rows.bytes.subarray(from, from + rowBytes), r * rowBytes);
    }
    return { rect: part, encoding: Encoding.RAW, body: [raw] };
  }

  /**
   * The RRE body of a w × h region at (x0, y0) of `values` on background `bg`,
   * or undefined when it needs more than `limit` subrects. Paints found subrects
   * with `bg` so that each pixel is covered once.
   */
  private subrects(values: Uint32Array, stride: number, x0: number, y0: number, w: number, h: number, bg: number, limit: number, bpp: 1 | 2 | 4): Buffer | undefined {
    const size = HEADER + bpp + limit * (bpp + 8);
    if (this.out.length < size) this.out = Buffer.allocUnsafeSlow(size);
    const out = this.out;
    let pos = writePixel(out, HEADER, bg, bpp);
    let n = 0;
    const right = x0 + w;
    const bottom = y0 + h;
    for (let y = y0; y < bottom; y++) {
      for (let i = y * stride + x0, x = x0; x < right; x++, i++) {
        const c = values[i]!;
        if (c === bg) continue;
        if (n >= limit) return undefined;
        n++;
        const grown = growSubrect(values, stride, x, y, right, bottom, c);
        const sw = grown >>> 16;
        const sh = grown & 0xffff;
        fillValues(values, stride, x, y, sw, sh, bg);
        pos = writePixel(out, pos, c, bpp);
        pos = out.writeUInt16BE(x - x0, pos);
        pos = out.writeUInt16BE(y - y0, pos);
        pos = out.writeUInt16BE(sw, pos);
        pos = out.writeUInt16BE(sh, pos);
        // The rest of the subrect's first row is background now.
        x += sw - 1;
        i += sw - 1;
      }
    }
    out.writeUInt32BE(n, 0);
    return Buffer.from(out.subarray(0, pos));
  }
}

/** Most subrects whose RRE body stays within `bytes`; negative when not even the header fits. */
function maxSubrects(bytes: number, bpp: number): number {
  return Math.floor((bytes - HEADER - bpp) / (bpp + 8));
}

export const rreEncoder: EncoderFactory = {
  encoding: Encoding.RRE,
  name: 'rre',
  create: () => new RreEncoder(),
};
