import type { TestClient } from './rfb-client';

/**
 * A client-side copy of the screen in 32 bpp little-endian (the format the
 * test asks for), updated from FramebufferUpdate messages as a viewer would.
 * Written from the RFB specification, independently of the server code.
 */
export interface ScreenRect {
  x: number;
  y: number;
  w: number;
  h: number;
  encoding: number;
  /** The body of a pseudo-rectangle, as sent. */
  body?: Buffer;
}

/** Pseudo-encodings and the length of their body (for a 32 bpp client), from the specifications. */
const PSEUDO_BODY: ReadonlyMap<number, (r: ScreenRect, client: TestClient) => Promise<number>> = new Map([
  [-239, async (r: ScreenRect) => r.w * r.h * 4 + ((r.w + 7) >> 3) * r.h], // Cursor
  [-314, async (r: ScreenRect) => (r.w * r.h > 0 ? 4 + r.w * r.h * 4 : 4)], // CursorWithAlpha
  [-261, async () => 1], // QEMU LED state
  [-257, async () => 0], // QEMU pointer motion change
  [-258, async () => 0], // QEMU extended key event
]);

export class ClientScreen {
  pixels: Buffer;
  readonly rects: ScreenRect[] = [];

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
          this.resize(rect.w, rect.h);
          break;
        case -308: {
          const head = await client.read(4);
          const screens = await client.read(head.readUInt8(0) * 16);
          (rect as ScreenRect).body = Buffer.concat([head, screens]);
          if (rect.w !== this.width || rect.h !== this.height) this.resize(rect.w, rect.h);
          break;
        }
        case -307: {
          const length = await client.read(4);
          (rect as ScreenRect).body = Buffer.concat([length, await client.read(length.readUInt32BE(0))]);
          break;
        }
        default: {
          const bodyLength = PSEUDO_BODY.get(rect.encoding);
          if (!bodyLength) throw new Error(`unexpected encoding ${rect.encoding}`);
          (rect as ScreenRect).body = await client.read(await bodyLength(rect, client));
        }
      }
    }
  }

  private resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.pixels = Buffer.alloc(width * height * 4);
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

/** A message of type, a flag byte and an area (u16 x, y, width, height): FramebufferUpdateRequest, EnableContinuousUpdates. */
function flagAndArea(type: number, flag: boolean, x: number, y: number, w: number, h: number): string {
  const body = Buffer.alloc(10);
  body.writeUInt8(type, 0);
  body.writeUInt8(flag ? 1 : 0, 1);
  body.writeUInt16BE(x, 2);
  body.writeUInt16BE(y, 4);
  body.writeUInt16BE(w, 6);
  body.writeUInt16BE(h, 8);
  return body.toString('hex');
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
    return flagAndArea(3, incremental, x, y, w, h);
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
  fence(flags: number, payload: string): string {
    const data = Buffer.from(payload);
    const head = Buffer.alloc(9);
    head.writeUInt8(248, 0);
    head.writeUInt32BE(flags >>> 0, 4);
    head.writeUInt8(data.length, 8);
    return Buffer.concat([head, data]).toString('hex');
  },
  enableContinuousUpdates(enable: boolean, x: number, y: number, w: number, h: number): string {
    return flagAndArea(150, enable, x, y, w, h);
  },
  setDesktopSize(width: number, height: number): string {
    const body = Buffer.alloc(8 + 16);
    body.writeUInt8(251, 0);
    body.writeUInt16BE(width, 2);
    body.writeUInt16BE(height, 4);
    body.writeUInt8(1, 6); // one screen: id 0 at 0,0 covering it all
    body.writeUInt16BE(width, 8 + 8);
    body.writeUInt16BE(height, 8 + 10);
    return body.toString('hex');
  },
  qemuKey(down: boolean, keysym: number, keycode: number): string {
    const body = Buffer.alloc(12);
    body.writeUInt8(255, 0);
    body.writeUInt8(0, 1);
    body.writeUInt16BE(down ? 1 : 0, 2);
    body.writeUInt32BE(keysym, 4);
    body.writeUInt32BE(keycode, 8);
    return body.toString('hex');
  },
  /** An xvp Client Message: type 250, padding, version, code (2 shutdown, 3 reboot, 4 reset). */
  xvp(version: number, code: number): string {
    return Buffer.of(250, 0, version, code).toString('hex');
  },
  /** An extended clipboard message: a ClientCutText with a negative length. */
  extendedClipboard(payload: Buffer): string {
    const head = Buffer.alloc(8);
    head.writeUInt8(6, 0);
    head.writeInt32BE(-payload.length, 4);
    return Buffer.concat([head, payload]).toString('hex');
  },
  cutText(text: string): string {
    const data = Buffer.from(text, 'latin1');
    const head = Buffer.alloc(8);
    head.writeUInt8(6, 0);
    head.writeUInt32BE(data.length, 4);
    return Buffer.concat([head, data]).toString('hex');
  },
};
