/**
 * Test decoders written from the RFB spec, independently of vncd's encoders:
 * a client-side screen holding pixels in the client's own format, the inflate
 * side of a persistent zlib stream, the Zlib encoding (6) on top of them, and
 * the byte reader the other decoders share.
 */
import { constants, inflateSync } from 'node:zlib';
import type { PixelFormat, Rect } from '../../../src/vnc';

/** A client's framebuffer in its own pixel format, packed row after row. */
export class ClientScreen {
  readonly bytesPerPixel: number;
  readonly bytes: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly format: PixelFormat,
  ) {
    this.bytesPerPixel = format.bitsPerPixel / 8;
    this.bytes = new Uint8Array(width * height * this.bytesPerPixel);
  }

  /** Stores a pixel given as its numeric value, in the format's byte order. */
  setPixel(x: number, y: number, value: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) throw new Error(`pixel ${x},${y} is off the screen`);
    const n = this.bytesPerPixel;
    const at = (y * this.width + x) * n;
    // value < 2^32, so >>> sees all of its bits.
    for (let i = 0; i < n; i++) this.bytes[at + (this.format.bigEndian ? n - 1 - i : i)] = (value >>> (8 * i)) & 255;
  }

  /** Stores a pixel given as its bytes in wire order. */
  setPixelBytes(x: number, y: number, bytes: Uint8Array): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) throw new Error(`pixel ${x},${y} is off the screen`);
    this.bytes.set(bytes, (y * this.width + x) * this.bytesPerPixel);
  }
}

/**
 * The client end of one persistent zlib stream. Every call inflates all the
 * compressed bytes received so far and returns the part not returned before:
 * slow, but it shares nothing with the streaming deflate under test.
 */
export class SpecInflater {
  private received: Buffer = Buffer.alloc(0);
  private produced = 0;

  push(chunk: Uint8Array): Buffer {
    this.received = Buffer.concat([this.received, chunk]);
    const all = inflateSync(this.received, { finishFlush: constants.Z_SYNC_FLUSH });
    const fresh = all.subarray(this.produced);
    this.produced = all.length;
    return fresh;
  }
}

/** The zlib data of a Zlib or ZRLE rectangle body: a u32 big-endian length, then exactly that many bytes. */
export function zlibPayload(body: Uint8Array): Uint8Array {
  if (body.length < 4) throw new Error(`a ${body.length}-byte body has no length`);
  const length = ((body[0]! << 24) >>> 0) + (body[1]! << 16) + (body[2]! << 8) + body[3]!;
  if (body.length !== 4 + length) throw new Error(`the body holds ${body.length - 4} bytes after its length, which says ${length}`);
  return body.subarray(4);
}

/** Zlib encoding: the rectangle's Raw pixels (client format) inflated from the client's stream. */
export class SpecZlibDecoder {
  private readonly inflater = new SpecInflater();

  decode(screen: ClientScreen, rect: Rect, body: Uint8Array): void {
    const pixels = this.inflater.push(zlibPayload(body));
    const n = screen.bytesPerPixel;
    if (pixels.length !== rect.w * rect.h * n) {
      throw new Error(`a ${rect.w}x${rect.h} rectangle inflated to ${pixels.length} bytes, not ${rect.w * rect.h * n}`);
    }
    for (let row = 0; row < rect.h; row++) {
      for (let col = 0; col < rect.w; col++) {
        const at = (row * rect.w + col) * n;
        screen.setPixelBytes(rect.x + col, rect.y + row, pixels.subarray(at, at + n));
      }
    }
  }
}

/**
 * Undefined when `actual` and `expected` hold the same bytes, else where they
 * first differ (jest's element-by-element toEqual is slow on large buffers).
 */
export function byteDifference(actual: Uint8Array, expected: Uint8Array): string | undefined {
  if (Buffer.compare(actual, expected) === 0) return undefined;
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  const show = (b: Uint8Array): string => Buffer.from(b.subarray(at, at + 8)).toString('hex');
  return `lengths ${actual.length}/${expected.length}, first difference at byte ${at}: ${show(actual)} vs ${show(expected)}`;
}

/** Reads a decoder's input front to back; `what` names it in the error when it ends early. */
export class ByteReader {
  at = 0;

  constructor(
    private readonly data: Uint8Array,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.data.length - this.at;
  }

  u8(): number {
    if (this.at >= this.data.length) throw new Error(`${this.what} ends early (${this.data.length} bytes)`);
    return this.data[this.at++]!;
  }

  bytes(n: number): Uint8Array {
    if (this.at + n > this.data.length) throw new Error(`${this.what} ends early: ${n} bytes wanted at ${this.at} of ${this.data.length}`);
    this.at += n;
    return this.data.subarray(this.at - n, this.at);
  }

  /** An unsigned integer of `n` bytes in the given byte order. */
  uint(n: number, bigEndian: boolean): number {
    let value = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.u8();
      value += bigEndian ? byte * 256 ** (n - 1 - i) : byte * 256 ** i;
    }
    return value;
  }

  /** rfbproto's compact length: 7 bits per byte, low first; a third byte carries 8 bits. */
  compact(): number {
    const b0 = this.u8();
    if (b0 < 128) return b0;
    const b1 = this.u8();
    if (b1 < 128) return (b0 & 127) + b1 * 128;
    return (b0 & 127) + (b1 & 127) * 128 + this.u8() * 16384;
  }
}
