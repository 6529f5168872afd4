/**
 * Spec decoders for the test suite, written from RFC 6143 alone and sharing no
 * code with vncd's encoders: they decode into client pixel values (the packed
 * pixel read as a number in the client's byte order) for any bytes-per-pixel and
 * endianness, where noVNC's decoders only handle 32 bpp. This file: the screen,
 * a strict byte reader, Raw and RRE; hextile.ts builds on them.
 */

export interface DecodeRect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** A client's framebuffer as pixel values; NaN where nothing was drawn yet. */
export class ValueScreen {
  readonly pixels: Float64Array;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly bytesPerPixel: 1 | 2 | 4,
    readonly bigEndian: boolean,
  ) {
    this.pixels = new Float64Array(width * height).fill(NaN);
  }

  /** Paints a rectangle; throws when any of it lies outside `within` (the update rectangle). */
  fill(x: number, y: number, w: number, h: number, value: number, within: DecodeRect): void {
    if (w < 1 || h < 1 || x < within.x || y < within.y || x + w > within.x + within.w || y + h > within.y + within.h) {
      throw new Error(`subrectangle ${w}x${h}+${x}+${y} is outside the rectangle ${within.w}x${within.h}+${within.x}+${within.y}`);
    }
    for (let row = y; row < y + h; row++) this.pixels.fill(value, row * this.width + x, row * this.width + x + w);
  }

  /** The values of a region, row-major. */
  region(r: DecodeRect): number[] {
    const out: number[] = [];
    for (let row = r.y; row < r.y + r.h; row++) out.push(...this.pixels.subarray(row * this.width + r.x, row * this.width + r.x + r.w));
    return out;
  }
}

/** Reads a body front to back; throws on a short body. */
export class BodyReader {
  pos = 0;

  constructor(
    readonly bytes: Uint8Array,
    private readonly screen: ValueScreen,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new Error(`body ends at ${this.bytes.length} bytes, ${n} more wanted at ${this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  u16(): number {
    return this.u8() * 256 + this.u8();
  }

  u32(): number {
    return this.u16() * 65536 + this.u16();
  }

  /** One client pixel: bytesPerPixel bytes in the client's byte order. */
  pixel(): number {
    const n = this.screen.bytesPerPixel;
    this.need(n);
    let v = 0;
    for (let k = 0; k < n; k++) {
      const byte = this.bytes[this.pos + (this.screen.bigEndian ? k : n - 1 - k)]!;
      v = v * 256 + byte;
    }
    this.pos += n;
    return v;
  }

  /** Throws unless every byte was read. */
  end(): void {
    if (this.pos !== this.bytes.length) throw new Error(`${this.bytes.length - this.pos} bytes left unread after ${this.pos}`);
  }
}

/** Client pixel values of packed pixels (a Raw body, or a translator's output). */
export function pixelValues(bytes: Uint8Array, bytesPerPixel: 1 | 2 | 4, bigEndian: boolean): number[] {
  const reader = new BodyReader(bytes, new ValueScreen(0, 0, bytesPerPixel, bigEndian));
  const out: number[] = [];
  while (reader.pos < bytes.length) out.push(reader.pixel());
  return out;
}

/** Raw (0): w × h pixels, row after row. */
export function decodeRaw(screen: ValueScreen, rect: DecodeRect, body: Uint8Array): void {
  const reader = new BodyReader(body, screen);
  for (let row = 0; row < rect.h; row++) {
    for (let col = 0; col < rect.w; col++) screen.fill(rect.x + col, rect.y + row, 1, 1, reader.pixel(), rect);
  }
  reader.end();
}

/** RRE (2): u32 count, background pixel, then per subrect a pixel and u16 x, y, w, h. Returns the count. */
export function decodeRre(screen: ValueScreen, rect: DecodeRect, body: Uint8Array): number {
  const reader = new BodyReader(body, screen);
  const count = reader.u32();
  screen.fill(rect.x, rect.y, rect.w, rect.h, reader.pixel(), rect);
  for (let k = 0; k < count; k++) {
    const value = reader.pixel();
    const x = reader.u16();
    const y = reader.u16();
    const w = reader.u16();
    const h = reader.u16();
    screen.fill(rect.x + x, rect.y + y, w, h, value, rect);
  }
  reader.end();
  return count;
}
