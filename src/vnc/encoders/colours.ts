/**
 * Client pixels as plain numbers, for the encoders that compare colours (RRE,
 * Hextile): reading a rectangle as one value per pixel and writing a value back
 * as wire bytes. Counting colours is ColourTable's job (colour-table.ts).
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
