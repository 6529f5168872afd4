/**
 * The Tight encoding's wire vocabulary (rfbproto, "Tight Encoding"): the
 * compression-control byte, filters, the compact length, and TPIXEL.
 */
import { HOST_LITTLE_ENDIAN } from '../framebuffer/pixel-source';
import type { PixelFormat } from '../protocol/pixel-format';

/** Compression-control values (the high 4 bits); the low 4 bits reset zlib streams 0..3. */
export const TightControl = {
  /** Basic compression: OR in `stream << 4` and, when a filter byte follows, EXPLICIT_FILTER. */
  BASIC: 0x00,
  EXPLICIT_FILTER: 0x40,
  FILL: 0x80,
  JPEG: 0x90,
  /** TightPNG only. */
  PNG: 0xa0,
} as const;

export const TightFilter = { COPY: 0, PALETTE: 1, GRADIENT: 2 } as const;

/** Filtered data shorter than this is sent as is, without zlib and without a length. */
export const TIGHT_MIN_TO_COMPRESS = 12;
/** The spec's limit for every Tight rectangle (TigerVNC's decoder refuses wider ones). */
export const TIGHT_MAX_WIDTH = 2048;
/** Largest piece sent with basic compression, as TightVNC, libvncserver and QEMU split them. */
export const TIGHT_MAX_AREA = 65536;
/** The compact length has 22 bits. */
export const TIGHT_MAX_LENGTH = 0x3fffff;

/** The 1..3-byte compact length: 7 bits per byte, low bits first, the third byte holding 8 bits. */
export function compactLength(length: number): Uint8Array {
  if (!(Number.isInteger(length) && length >= 0 && length <= TIGHT_MAX_LENGTH)) {
    throw new RangeError(`a Tight compact length must be 0..${TIGHT_MAX_LENGTH}, not ${length}`);
  }
  if (length < 0x80) return Uint8Array.of(length);
  if (length < 0x4000) return Uint8Array.of((length & 0x7f) | 0x80, length >>> 7);
  return Uint8Array.of((length & 0x7f) | 0x80, ((length >>> 7) & 0x7f) | 0x80, length >>> 14);
}

/**
 * How to take R, G, B out of a client pixel value (the client's bytes read
 * through a host-order typed array), for formats whose TPIXEL is 3 bytes.
 */
export interface TpixelLayout {
  /** Swap the value's bytes first (client byte order differs from the host's). */
  readonly swap: boolean;
  readonly red: number;
  readonly green: number;
  readonly blue: number;
}

/**
 * The TPIXEL rule: true colour, 32 bpp, depth 24 and 8-bit channels send
 * TPIXELs as 3 bytes R, G, B; undefined for every other format (TPIXEL = PIXEL).
 */
export function tpixelLayout(pf: PixelFormat): TpixelLayout | undefined {
  return pf.depth === 24 ? rgbLayout(pf) : undefined;
}

/** Where R, G, B sit in the values of a 32 bpp format with 8-bit channels (any depth); undefined for others. */
export function rgbLayout(pf: PixelFormat): TpixelLayout | undefined {
  if (!(pf.trueColour && pf.bitsPerPixel === 32 && pf.redMax === 255 && pf.greenMax === 255 && pf.blueMax === 255)) return undefined;
  const foreign = pf.bigEndian === HOST_LITTLE_ENDIAN;
  const aligned = pf.redShift % 8 === 0 && pf.greenShift % 8 === 0 && pf.blueShift % 8 === 0;
  // Byte-aligned channels of a foreign-order value sit at the mirrored byte: no swap needed.
  if (foreign && aligned) return { swap: false, red: 24 - pf.redShift, green: 24 - pf.greenShift, blue: 24 - pf.blueShift };
  return { swap: foreign, red: pf.redShift, green: pf.greenShift, blue: pf.blueShift };
}

function swap32(v: number): number {
  return ((v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/** Packs a region of client pixel values (row-major, `stride` values per row) as TPIXELs. */
export function packTpixels(
  values: Uint32Array, stride: number, x: number, y: number, w: number, h: number, layout: TpixelLayout,
): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  const { red, green, blue, swap } = layout;
  let o = 0;
  for (let row = 0; row < h; row++) {
    for (let i = (y + row) * stride + x, end = i + w; i < end; i++) {
      const v = swap ? swap32(values[i]!) : values[i]!;
      out[o] = v >>> red;
      out[o + 1] = v >>> green;
      out[o + 2] = v >>> blue;
      o += 3;
    }
  }
  return out;
}

/** The 3 TPIXEL bytes of one value. */
export function tpixelOf(value: number, layout: TpixelLayout): Uint8Array {
  const v = layout.swap ? swap32(value) : value;
  return Uint8Array.of(v >>> layout.red, v >>> layout.green, v >>> layout.blue);
}
