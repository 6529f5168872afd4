import type { TestClient } from './rfb-client';

/**
 * A client-side copy of the screen in 32 bpp little-endian (the format the
 * test asks for), updated from FramebufferUpdate messages as a viewer would.
 * Written from the RFB specification, independently of the server code.
 */
export class ClientScreen {
  pixels: Buffer;
  readonly rects: { x: number; y: number; w: number; h: number; encoding: number }[] = [];

  constructor(
    public width: number,
    public height: number,
  ) {
    this.pixels = Buffer.alloc(width * height * 4);
  }

  /** Reads one server message, which must be a FramebufferUpdate, and applies it. */
  async readUpdate(client: TestClient, timeoutMs = 2000): Promise<void> {
    const head = await client.read(4, timeoutMs);
    if (head.readUInt8(0) !== 0) throw new Error(`expected FramebufferUpdate, got message type ${head.readUInt8(0)}`);
    const count = head.readUInt16BE(2);
    for (let i = 0; i < count; i++) {
      const r = await client.read(12);
      const rect = { x: r.readUInt16BE(0), y: r.readUInt16BE(2), w: r.readUInt16BE(4), h: r.readUInt16BE(6), encoding: r.readInt32BE(8) };
      this.rects.push(rect);
      switch (rect.encoding) {
        case 0:
          this.putRaw(rect, await client.read(rect.w * rect.h * 4));
          break;
        case 1: {
          const src = await client.read(4);
          this.copy(src.readUInt16BE(0), src.readUInt16BE(2), rect);
          break;
        }
        case -223:
          this.width = rect.w;
          this.height = rect.h;
          this.pixels = Buffer.alloc(rect.w * rect.h * 4);
          break;
        default:
          throw new Error(`unexpected encoding ${rect.encoding}`);
      }
    }
  }

  /** The screen as 0xRRGGBB values, one per pixel, for comparisons. */
  rgb(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.width * this.height; i++) out.push(this.pixels.readUInt32LE(i * 4) & 0xffffff);
    return out;
  }

  private putRaw(rect: { x: number; y: number; w: number; h: number }, data: Buffer): void {
    if (rect.x + rect.w > this.width || rect.y + rect.h > this.height) {
      throw new Error(`rect ${JSON.stringify(rect)} outside the ${this.width}x${this.height} screen`);
    }
    for (let row = 0; row < rect.h; row++) {
      data.copy(this.pixels, ((rect.y + row) * this.width + rect.x) * 4, row * rect.w * 4, (row + 1) * rect.w * 4);
    }
  }

  private copy(srcX: number, srcY: number, rect: { x: number; y: number; w: number; h: number }): void {
    const block = Buffer.alloc(rect.w * rect.h * 4);
    for (let row = 0; row < rect.h; row++) {
      this.pixels.copy(block, row * rect.w * 4, ((srcY + row) * this.width + srcX) * 4, ((srcY + row) * this.width + srcX + rect.w) * 4);
    }
    this.putRaw(rect, block);
  }
}

/** Builds the bytes of client messages, from the RFB specification. */
export const clientMessage = {
  setPixelFormat32LE(): string {
    // bpp 32, depth 24, little-endian, true colour, maxima 255, red 16 green 8 blue 0
    return '00 000000' + '20 18 00 01 00ff 00ff 00ff 10 08 00 000000';
  },
  setEncodings(...encodings: number[]): string {
    const body = Buffer.alloc(4 + encodings.length * 4);
    body.writeUInt8(2, 0);
    body.writeUInt16BE(encodings.length, 2);
    encodings.forEach((e, i) => body.writeInt32BE(e, 4 + i * 4));
    return body.toString('hex');
  },
  updateRequest(incremental: boolean, x: number, y: number, w: number, h: number): string {
    const body = Buffer.alloc(10);
    body.writeUInt8(3, 0);
    body.writeUInt8(incremental ? 1 : 0, 1);
    body.writeUInt16BE(x, 2);
    body.writeUInt16BE(y, 4);
    body.writeUInt16BE(w, 6);
    body.writeUInt16BE(h, 8);
    return body.toString('hex');
  },
  key(down: boolean, keysym: number): string {
    const body = Buffer.alloc(8);
    body.writeUInt8(4, 0);
    body.writeUInt8(down ? 1 : 0, 1);
    body.writeUInt32BE(keysym, 4);
    return body.toString('hex');
  },
  pointer(buttons: number, x: number, y: number): string {
    const body = Buffer.alloc(6);
    body.writeUInt8(5, 0);
    body.writeUInt8(buttons, 1);
    body.writeUInt16BE(x, 2);
    body.writeUInt16BE(y, 4);
    return body.toString('hex');
  },
  cutText(text: string): string {
    const data = Buffer.from(text, 'latin1');
    const head = Buffer.alloc(8);
    head.writeUInt8(6, 0);
    head.writeUInt32BE(data.length, 4);
    return Buffer.concat([head, data]).toString('hex');
  },
};
