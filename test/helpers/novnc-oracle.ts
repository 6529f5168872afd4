import CopyRectDecoder from '@novnc/novnc/core/decoders/copyrect.js';
import HextileDecoder from '@novnc/novnc/core/decoders/hextile.js';
import RawDecoder from '@novnc/novnc/core/decoders/raw.js';
import RreDecoder from '@novnc/novnc/core/decoders/rre.js';
import TightDecoder from '@novnc/novnc/core/decoders/tight.js';
import TightPngDecoder from '@novnc/novnc/core/decoders/tightpng.js';
import ZlibDecoder from '@novnc/novnc/core/decoders/zlib.js';
import ZrleDecoder from '@novnc/novnc/core/decoders/zrle.js';
import Websock from '@novnc/novnc/core/websock.js';
import { createCanvas, Image } from 'canvas';
import type { PixelFormat } from '../../src/vnc';

/** The pixel format noVNC asks for: 32 bpp, depth 24, little-endian, red at shift 0. */
export const NOVNC_FORMAT: PixelFormat = {
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 0,
  greenShift: 8,
  blueShift: 16,
};

type DecoderClass = new () => { decodeRect: InstanceType<typeof RawDecoder>['decodeRect'] };

const DECODERS: ReadonlyMap<number, DecoderClass> = new Map<number, DecoderClass>([
  [0, RawDecoder],
  [1, CopyRectDecoder],
  [2, RreDecoder],
  [5, HextileDecoder],
  [6, ZlibDecoder],
  [7, TightDecoder],
  [16, ZrleDecoder],
  [-260, TightPngDecoder],
]);

/**
 * A client screen decoded by noVNC's own decoders (npm @novnc/novnc): an
 * oracle for vncd's encoders that shares no code with them. One instance per
 * simulated client, since the zlib-based decoders keep stream state between
 * rectangles, exactly as a real client does.
 */
export class NovncScreen {
  readonly rgba: Uint8Array;
  private readonly sock = new Websock();
  private readonly decoders = new Map<number, InstanceType<DecoderClass>>();

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rgba = new Uint8Array(width * height * 4);
    this.sock.init();
    this.sock._eventHandlers.message = () => undefined;
  }

  /** Decodes one rectangle's body completely; fails if noVNC wants more bytes or leaves some unread. */
  decode(rect: { x: number; y: number; w: number; h: number }, encoding: number, body: Uint8Array, depth = 24): void {
    let decoder = this.decoders.get(encoding);
    if (!decoder) {
      const Decoder = DECODERS.get(encoding);
      if (!Decoder) throw new Error(`no noVNC decoder for encoding ${encoding}`);
      decoder = new Decoder();
      this.decoders.set(encoding, decoder);
    }
    const copy = new Uint8Array(body);
    this.sock._recvMessage({ data: copy.buffer });
    if (!decoder.decodeRect(rect.x, rect.y, rect.w, rect.h, this.sock, this, depth)) {
      throw new Error(`noVNC needs more than the ${body.length} bytes given for this rectangle`);
    }
    if (this.sock.rQlen() !== 0) throw new Error(`noVNC left ${this.sock.rQlen()} of ${body.length} bytes unread`);
  }

  /** The screen as 0xRRGGBB per pixel. */
  rgb(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.width * this.height; i++) {
      out.push(((this.rgba[i * 4] ?? 0) << 16) | ((this.rgba[i * 4 + 1] ?? 0) << 8) | (this.rgba[i * 4 + 2] ?? 0));
    }
    return out;
  }

  // ---- the Display methods noVNC's decoders call ----

  fillRect(x: number, y: number, w: number, h: number, colour: readonly number[]): void {
    for (let row = y; row < y + h; row++) {
      for (let col = x; col < x + w; col++) this.rgba.set([colour[0] ?? 0, colour[1] ?? 0, colour[2] ?? 0, 255], (row * this.width + col) * 4);
    }
  }

  blitImage(x: number, y: number, w: number, h: number, rgbx: Uint8Array, offset: number): void {
    for (let row = 0; row < h; row++) {
      for (let col = 0; col < w; col++) {
        const from = offset + (row * w + col) * 4;
        this.rgba.set([rgbx[from] ?? 0, rgbx[from + 1] ?? 0, rgbx[from + 2] ?? 0, 255], ((y + row) * this.width + x + col) * 4);
      }
    }
  }

  copyImage(oldX: number, oldY: number, newX: number, newY: number, w: number, h: number): void {
    const block = new Uint8Array(w * h * 4);
    for (let row = 0; row < h; row++) block.set(this.rgba.subarray(((oldY + row) * this.width + oldX) * 4, ((oldY + row) * this.width + oldX + w) * 4), row * w * 4);
    this.blitImage(newX, newY, w, h, block, 0);
  }

  /** JPEG and PNG rectangles (Tight, TightPNG): decoded here with canvas, as a browser would. */
  imageRect(x: number, y: number, w: number, h: number, _mime: string, data: Uint8Array): void {
    const image = new Image();
    image.src = Buffer.from(data);
    if (image.width !== w || image.height !== h) throw new Error(`a ${w}x${h} rectangle carried a ${image.width}x${image.height} image`);
    const canvas = createCanvas(w, h);
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    this.blitImage(x, y, w, h, new Uint8Array(context.getImageData(0, 0, w, h).data), 0);
  }
}
