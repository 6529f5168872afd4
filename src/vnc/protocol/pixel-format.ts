/**
 * RFB pixel formats (RFC 6143 §7.4): the 16-byte wire layout, the checks a
 * client's SetPixelFormat must pass, and the formats vncd uses natively.
 */
import { VncError, VncErrorCode } from '../errors';

export type BitsPerPixel = 8 | 16 | 32;

export interface PixelFormat {
  readonly bitsPerPixel: BitsPerPixel;
  /** Informational for true colour: the maxima and shifts alone define the pixels. */
  readonly depth: number;
  /** Byte order of multi-byte pixels; meaningless at 8 bpp. */
  readonly bigEndian: boolean;
  /** False: pixels are indices into a colour map (see colour-map.ts). */
  readonly trueColour: boolean;
  readonly redMax: number;
  readonly greenMax: number;
  readonly blueMax: number;
  readonly redShift: number;
  readonly greenShift: number;
  readonly blueShift: number;
}

/** A format as read from the wire, before validation narrows bitsPerPixel. */
export interface WirePixelFormat extends Omit<PixelFormat, 'bitsPerPixel'> {
  readonly bitsPerPixel: number;
}

export const PIXEL_FORMAT_LENGTH = 16;

/** canvas's raw buffer on little-endian hosts: bytes B, G, R, X. */
export const BGRX32: PixelFormat = Object.freeze({
  bitsPerPixel: 32, depth: 24, bigEndian: false, trueColour: true,
  redMax: 255, greenMax: 255, blueMax: 255, redShift: 16, greenShift: 8, blueShift: 0,
});

export const RGB565: PixelFormat = Object.freeze({
  bitsPerPixel: 16, depth: 16, bigEndian: false, trueColour: true,
  redMax: 31, greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0,
});

/**
 * The classic VNC "BGR233" layout: red 3 bits at shift 0, green 3 at 3, blue 2 at 6.
 * As a colour-map format its maxima and shifts describe the fixed palette vncd sends.
 */
export const BGR233_MAP: PixelFormat = Object.freeze({
  bitsPerPixel: 8, depth: 8, bigEndian: false, trueColour: false,
  redMax: 7, greenMax: 7, blueMax: 3, redShift: 0, greenShift: 3, blueShift: 6,
});

/** BGR233_MAP's pixels as a true-colour format: what colour-map clients' indices follow. */
export const BGR233: PixelFormat = Object.freeze({ ...BGR233_MAP, trueColour: true });

export function bytesPerPixel(pf: PixelFormat): 1 | 2 | 4 {
  return (pf.bitsPerPixel >> 3) as 1 | 2 | 4;
}

/** Reads a pixel format at `offset`; the 3 padding bytes are ignored. */
export function decodePixelFormat(bytes: Uint8Array, offset = 0): WirePixelFormat {
  if (offset < 0 || bytes.length - offset < PIXEL_FORMAT_LENGTH) {
    throw new VncError(VncErrorCode.OUT_OF_BOUNDS, `a pixel format needs ${PIXEL_FORMAT_LENGTH} bytes at offset ${offset}, ${bytes.length} given`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, PIXEL_FORMAT_LENGTH);
  return {
    bitsPerPixel: view.getUint8(0),
    depth: view.getUint8(1),
    bigEndian: view.getUint8(2) !== 0,
    trueColour: view.getUint8(3) !== 0,
    redMax: view.getUint16(4),
    greenMax: view.getUint16(6),
    blueMax: view.getUint16(8),
    redShift: view.getUint8(10),
    greenShift: view.getUint8(11),
    blueShift: view.getUint8(12),
  };
}

/** The 16 wire bytes; flags are written as 0/1 and the padding as zero. */
export function encodePixelFormat(pf: WirePixelFormat): Uint8Array {
  const out = new Uint8Array(PIXEL_FORMAT_LENGTH);
  const view = new DataView(out.buffer);
  view.setUint8(0, pf.bitsPerPixel);
  view.setUint8(1, pf.depth);
  view.setUint8(2, pf.bigEndian ? 1 : 0);
  view.setUint8(3, pf.trueColour ? 1 : 0);
  view.setUint16(4, pf.redMax);
  view.setUint16(6, pf.greenMax);
  view.setUint16(8, pf.blueMax);
  view.setUint8(10, pf.redShift);
  view.setUint8(11, pf.greenShift);
  view.setUint8(12, pf.blueShift);
  return out;
}

/** Number of bits of a channel maximum that is 2^n-1 (n for 2^n-1, else -1). */
export function channelBits(max: number): number {
  if (!Number.isInteger(max) || max <= 0 || max > 0xffff || (max & (max + 1)) !== 0) return -1;
  return 32 - Math.clz32(max);
}

/**
 * Why `pf` must be refused, or undefined when vncd can serve it. Accepted:
 * bpp 8/16/32 with 1 ≤ depth ≤ bpp; true colour with every maximum 2^n-1 (n ≥ 1),
 * each channel inside the pixel and no two channels sharing a bit (depth is not
 * compared with the channel bits: clients disagree on it and it changes nothing);
 * colour map only as 8 bpp depth 8 (vncd's map has 256 entries), its maxima and
 * shifts ignored.
 */
export function validatePixelFormat(pf: WirePixelFormat): string | undefined {
  const bpp = pf.bitsPerPixel;
  if (bpp !== 8 && bpp !== 16 && bpp !== 32) return `bits-per-pixel ${bpp} is not 8, 16 or 32`;
  if (!(pf.depth >= 1 && pf.depth <= bpp)) return `depth ${pf.depth} is not between 1 and bits-per-pixel ${bpp}`;
  if (!pf.trueColour) {
    if (bpp !== 8) return `a colour-map format needs 8 bits per pixel, not ${bpp}`;
    if (pf.depth !== 8) return `a colour-map format needs depth 8 (the colour map has 256 entries), not ${pf.depth}`;
    return undefined;
  }
  const channels = [
    ['red', pf.redMax, pf.redShift],
    ['green', pf.greenMax, pf.greenShift],
    ['blue', pf.blueMax, pf.blueShift],
  ] as const;
  let used = 0;
  for (const [name, max, shift] of channels) {
    if (max === 0) return `${name}-max is 0`;
    const bits = channelBits(max);
    if (bits < 0) return `${name}-max ${max} is not of the form 2^n-1`;
    if (shift + bits > bpp) return `${name}-shift ${shift} with ${bits} bits does not fit in ${bpp} bits per pixel`;
    // shift + bits <= 32 here, so the int32 bit operations see the exact bit pattern.
    const mask = max << shift;
    if ((used & mask) !== 0) return `${name} bits overlap another channel's`;
    used |= mask;
  }
  return undefined;
}

/** `pf` narrowed to a PixelFormat, or a VncError naming the rule it breaks. */
export function checkPixelFormat(pf: WirePixelFormat): PixelFormat {
  const reason = validatePixelFormat(pf);
  if (reason !== undefined) throw new VncError(VncErrorCode.INVALID_PIXEL_FORMAT, `invalid pixel format: ${reason}`);
  return pf as PixelFormat;
}

/** Every field equal (the padding is not part of a format). */
export function pixelFormatEquals(a: WirePixelFormat, b: WirePixelFormat): boolean {
  return (
    a.bitsPerPixel === b.bitsPerPixel && a.depth === b.depth && a.bigEndian === b.bigEndian &&
    a.trueColour === b.trueColour && a.redMax === b.redMax && a.greenMax === b.greenMax &&
    a.blueMax === b.blueMax && a.redShift === b.redShift && a.greenShift === b.greenShift &&
    a.blueShift === b.blueShift
  );
}

/** For logs, e.g. "32bpp depth 24 LE rgb888 (r<<16 g<<8 b<<0)". */
export function describePixelFormat(pf: WirePixelFormat): string {
  const head = `${pf.bitsPerPixel}bpp depth ${pf.depth}`;
  if (!pf.trueColour) return `${head} colour-map`;
  const endian = pf.bitsPerPixel > 8 ? (pf.bigEndian ? ' BE' : ' LE') : '';
  const channels = [
    { letter: 'r', max: pf.redMax, shift: pf.redShift },
    { letter: 'g', max: pf.greenMax, shift: pf.greenShift },
    { letter: 'b', max: pf.blueMax, shift: pf.blueShift },
  ];
  const name = [...channels].sort((x, y) => y.shift - x.shift);
  const letters = name.map((c) => c.letter).join('');
  const bits = name.map((c) => (channelBits(c.max) < 0 ? `[max ${c.max}]` : String(channelBits(c.max)))).join('');
  const shifts = channels.map((c) => `${c.letter}<<${c.shift}`).join(' ');
  return `${head}${endian} ${letters}${bits} (${shifts})`;
}
