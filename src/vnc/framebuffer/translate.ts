/**
 * Converts rectangles of a display's native pixels into a client's pixel format,
 * as packed rows (w × h × bytes per pixel) ready for Raw and the other encoders.
 *
 * A translator is built once per (native, client) pair, when the client sends
 * SetPixelFormat: it holds lookup tables that map each source channel value
 * straight to its scaled, shifted and byte-swapped destination bits, so the
 * per-pixel work is three lookups and two ORs (32 bpp sources) or a single
 * lookup (8/16 bpp sources, through a table of every source pixel value).
 */
import { VncError, VncErrorCode } from '../errors';
import { BGR233, bytesPerPixel, checkPixelFormat, type PixelFormat } from '../protocol/pixel-format';
import { checkSourceRect, HOST_LITTLE_ENDIAN, readPixelValue, scaleChannel, type PixelSource } from './pixel-source';
import type { Rect } from './rect';

export type { PixelSource } from './pixel-source';

export interface Translator {
  /** The display's native format (the source of every translate call). */
  readonly from: PixelFormat;
  /** The layout of the bytes produced: the client's format, or BGR233 for a colour-map client. */
  readonly to: PixelFormat;
  readonly bytesPerPixel: 1 | 2 | 4;
  /** True when pixels are copied unchanged. */
  readonly identity: boolean;
  /**
   * Writes `rect` of `source` as packed client pixels into `out` at `offset` (or into
   * a new buffer) and returns the bytes written. Throws VncError when the rect
   * is outside the source or `out`, or the source is not in `from`'s format.
   */
  translate(source: PixelSource, rect: Rect, out?: Uint8Array, offset?: number): Uint8Array;
}

/** A translator from `from` (true colour) to a client's format (true colour or colour map). */
export function createTranslator(from: PixelFormat, to: PixelFormat): Translator {
  return new LutTranslator(from, to);
}

type DstArray = Uint8Array | Uint16Array | Uint32Array;

interface ChannelLuts<T extends DstArray> {
  readonly r: T; readonly g: T; readonly b: T;
  readonly rs: number; readonly rm: number;
  readonly gs: number; readonly gm: number;
  readonly bs: number; readonly bm: number;
}

/** Same pixel bytes: depth never matters, byte order not at 8 bpp. */
function sameLayout(a: PixelFormat, b: PixelFormat): boolean {
  return (
    a.bitsPerPixel === b.bitsPerPixel && a.trueColour === b.trueColour &&
    (a.bitsPerPixel === 8 || a.bigEndian === b.bigEndian) &&
    a.redMax === b.redMax && a.greenMax === b.greenMax && a.blueMax === b.blueMax &&
    a.redShift === b.redShift && a.greenShift === b.greenShift && a.blueShift === b.blueShift
  );
}

function newDstArray(bpp: 1 | 2 | 4, length: number): DstArray {
  return bpp === 1 ? new Uint8Array(length) : bpp === 2 ? new Uint16Array(length) : new Uint32Array(length);
}

function swap16(v: number): number {
  return ((v & 0xff) << 8) | (v >>> 8);
}

function swap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/**
 * Destination bits for every value of one source channel. Byte-swapping each
 * channel's bits separately is exact because the channels never share a bit,
 * so swapped ORs equal the swap of the OR.
 */
function channelLut(srcMax: number, dstMax: number, dstShift: number, bpp: 1 | 2 | 4, swap: boolean): DstArray {
  const lut = newDstArray(bpp, srcMax + 1);
  for (let v = 0; v <= srcMax; v++) {
    const bits = (scaleChannel(v, srcMax, dstMax) << dstShift) >>> 0;
    lut[v] = !swap ? bits : bpp === 4 ? swap32(bits) : swap16(bits);
  }
  return lut;
}

class LutTranslator implements Translator {
  readonly from: PixelFormat;
  readonly to: PixelFormat;
  readonly bytesPerPixel: 1 | 2 | 4;
  readonly identity: boolean;
  private readonly srcBytes: 1 | 2 | 4;
  /** Source pixels can be read through a typed-array view (its byte order is the host's). */
  private readonly srcHostOrder: boolean;
  /** 32 bpp sources: one table per channel. */
  private readonly channels: ChannelLuts<DstArray> | undefined;
  /** 8/16 bpp sources: one entry per possible source pixel value. */
  private readonly pixels: DstArray | undefined;
  /** A row of source pixels in host order, for sources a view cannot read directly. */
  private rowScratch: Uint16Array | Uint32Array | undefined;

  constructor(from: PixelFormat, to: PixelFormat) {
    checkPixelFormat(from);
    checkPixelFormat(to);
    if (!from.trueColour) throw new VncError(VncErrorCode.INVALID_PIXEL_FORMAT, 'a native (source) format must be true colour');
    const dst = to.trueColour ? to : BGR233;
    this.from = from;
    this.to = dst;
    this.bytesPerPixel = bytesPerPixel(dst);
    this.srcBytes = bytesPerPixel(from);
    this.identity = sameLayout(from, dst);
    this.srcHostOrder = this.srcBytes === 1 || from.bigEndian !== HOST_LITTLE_ENDIAN;
    const dB = this.bytesPerPixel;
    const swap = dB > 1 && dst.bigEndian === HOST_LITTLE_ENDIAN;
    const luts: ChannelLuts<DstArray> = {
      r: channelLut(from.redMax, dst.redMax, dst.redShift, dB, swap),
      g: channelLut(from.greenMax, dst.greenMax, dst.greenShift, dB, swap),
      b: channelLut(from.blueMax, dst.blueMax, dst.blueShift, dB, swap),
      rs: from.redShift, rm: from.redMax,
      gs: from.greenShift, gm: from.greenMax,
      bs: from.blueShift, bm: from.blueMax,
    };
    if (this.srcBytes === 4) {
      this.channels = luts;
      this.pixels = undefined;
    } else {
      const size = this.srcBytes === 1 ? 0x100 : 0x10000;
      const table = newDstArray(dB, size);
      for (let p = 0; p < size; p++) {
        table[p] = luts.r[(p >>> luts.rs) & luts.rm]! | luts.g[(p >>> luts.gs) & luts.gm]! | luts.b[(p >>> luts.bs) & luts.bm]!;
      }
      this.channels = undefined;
      this.pixels = table;
    }
  }

  translate(source: PixelSource, rect: Rect, out?: Uint8Array, offset = 0): Uint8Array {
    if (source.format !== this.from && !sameLayout(source.format, this.from)) {
      throw new VncError(VncErrorCode.INVALID_PIXEL_FORMAT, 'the source is not in the format this translator was built for');
    }
    checkSourceRect(source, rect);
    const { w, h } = rect;
    const dB = this.bytesPerPixel;
    const n = w * h * dB;
    if (out !== undefined && !(Number.isInteger(offset) && offset >= 0 && offset + n <= out.length)) {
      throw new VncError(VncErrorCode.OUT_OF_BOUNDS, `${n} bytes do not fit in the output at offset ${offset} (${out.length} bytes)`);
    }
    const result = out === undefined ? Buffer.allocUnsafeSlow(n) : out.subarray(offset, offset + n);
    if (n === 0) return result;
    if (this.identity) {
      copyRows(source, rect, dB, result);
      return result;
    }
    // Typed-array stores need an aligned start; an unaligned caller buffer gets a copy.
    const aligned = result.byteOffset % dB === 0;
    const target = aligned ? result : Buffer.allocUnsafeSlow(n);
    this.convert(source, rect, target);
    if (!aligned) result.set(target);
    return result;
  }

  private convert(source: PixelSource, rect: Rect, target: Uint8Array): void {
    const { x, y, w, h } = rect;
    const sB = this.srcBytes;
    const d = viewOf(target, this.bytesPerPixel, w * h);
    const start = source.data.byteOffset + y * source.stride + x * sB;
    if (this.srcHostOrder && start % sB === 0 && source.stride % sB === 0) {
      const words = ((h - 1) * source.stride) / sB + w;
      const s = sB === 1 ? source.data.subarray(start - source.data.byteOffset) : sB === 2
        ? new Uint16Array(source.data.buffer, start, words) : new Uint32Array(source.data.buffer, start, words);
      this.rows(s, source.stride / sB, w, h, d, 0);
      return;
    }
    // Unaligned rows or a foreign byte order: normalise one row at a time.
    const scratch = this.scratch(w);
    for (let row = 0; row < h; row++) {
      for (let i = 0; i < w; i++) scratch[i] = readPixelValue(source, x + i, y + row);
      this.rows(scratch, 0, w, 1, d, row * w);
    }
  }

  private scratch(w: number): Uint16Array | Uint32Array {
    const have = this.rowScratch;
    if (have !== undefined && have.length >= w) return have;
    const made = this.srcBytes === 2 ? new Uint16Array(w) : new Uint32Array(w);
    this.rowScratch = made;
    return made;
  }

  private rows(s: DstArray, sStep: number, w: number, h: number, d: DstArray, di: number): void {
    const c = this.channels;
    if (c !== undefined) {
      const s32 = s as Uint32Array;
      if (d instanceof Uint32Array) chanTo32(s32, sStep, w, h, d, di, c as ChannelLuts<Uint32Array>);
      else if (d instanceof Uint16Array) chanTo16(s32, sStep, w, h, d, di, c as ChannelLuts<Uint16Array>);
      else chanTo8(s32, sStep, w, h, d, di, c as ChannelLuts<Uint8Array>);
      return;
    }
    const t = this.pixels!;
    const s16 = s as Uint16Array | Uint8Array;
    if (d instanceof Uint32Array) lutTo32(s16, sStep, w, h, d, di, t as Uint32Array);
    else if (d instanceof Uint16Array) lutTo16(s16, sStep, w, h, d, di, t as Uint16Array);
    else lutTo8(s16, sStep, w, h, d, di, t as Uint8Array);
  }
}

function viewOf(bytes: Uint8Array, bpp: 1 | 2 | 4, length: number): DstArray {
  if (bpp === 1) return bytes;
  return bpp === 2
    ? new Uint16Array(bytes.buffer, bytes.byteOffset, length)
    : new Uint32Array(bytes.buffer, bytes.byteOffset, length);
}

function copyRows(source: PixelSource, rect: Rect, bpp: number, out: Uint8Array): void {
  const rowBytes = rect.w * bpp;
  let from = rect.y * source.stride + rect.x * bpp;
  if (source.stride === rowBytes) {
    out.set(source.data.subarray(from, from + rowBytes * rect.h));
    return;
  }
  for (let row = 0, to = 0; row < rect.h; row++, from += source.stride, to += rowBytes) {
    out.set(source.data.subarray(from, from + rowBytes), to);
  }
}

// The loops below differ only in their array types. Each is kept separate so that
// V8 sees one typed-array kind per access site (shared code goes polymorphic and
// runs several times slower). `!` is safe: indices are masked to the table sizes.

function chanTo32(s: Uint32Array, sStep: number, w: number, h: number, d: Uint32Array, di: number, c: ChannelLuts<Uint32Array>): void {
  const { r, g, b, rs, rm, gs, gm, bs, bm } = c;
  for (let row = 0, si = 0; row < h; row++, si += sStep) {
    for (let i = si, end = si + w; i < end; i++) {
      const p = s[i]!;
      d[di++] = r[(p >>> rs) & rm]! | g[(p >>> gs) & gm]! | b[(p >>> bs) & bm]!;
    }
  }
}

function chanTo16(s: Uint32Array, sStep: number, w: number, h: number, d: Uint16Array, di: number, c: ChannelLuts<Uint16Array>): void {
  const { r, g, b, rs, rm, gs, gm, bs, bm } = c;
  for (let row = 0, si = 0; row < h; row++, si += sStep) {
    for (let i = si, end = si + w; i < end; i++) {
      const p = s[i]!;
      d[di++] = r[(p >>> rs) & rm]! | g[(p >>> gs) & gm]! | b[(p >>> bs) & bm]!;
    }
  }
}

function chanTo8(s: Uint32Array, sStep: number, w: number, h: number, d: Uint8Array, di: number, c: ChannelLuts<Uint8Array>): void {
  const { r, g, b, rs, rm, gs, gm, bs, bm } = c;
  for (let row = 0, si = 0; row < h; row++, si += sStep) {
    for (let i = si, end = si + w; i < end; i++) {
      const p = s[i]!;
      d[di++] = r[(p >>> rs) & rm]! | g[(p >>> gs) & gm]! | b[(p >>> bs) & bm]!;
    }
  }
}

function lutTo32(s: Uint16Array | Uint8Array, sStep: number, w: number, h: number, d: Uint32Array, di: number, t: Uint32Array): void {
  for (let row = 0, si = 0; row < h; row++, si += sStep) {
    for (let i = si, end = si + w; i < end; i++) d[di++] = t[s[i]!]!;
  }
}

function lutTo16(s: Uint16Array | Uint8Array, sStep: number, w: number, h: number, d: Uint16Array, di: number, t: Uint16Array): void {
  for (let row = 0, si = 0; row < h; row++, si += sStep) {
    for (let i = si, end = si + w; i < end; i++) d[di++] = t[s[i]!]!;
  }
}

function lutTo8(s: Uint16Array | Uint8Array, sStep: number, w: number, h: number, d: Uint8Array, di: number, t: Uint8Array): void {
  for (let row = 0, si = 0; row < h; row++, si += sStep) {
    for (let i = si, end = si + w; i < end; i++) d[di++] = t[s[i]!]!;
  }
}
