/**
 * A Tight (7) and TightPNG (-260) decoder written from rfbproto's text,
 * independently of vncd's encoder, for any client pixel format: four zlib
 * streams (reset on the control byte's low bits), fill, basic compression with
 * the copy and palette filters, JPEG and PNG. It also reports what each
 * rectangle used, so tests can check which forms were chosen.
 */
import { createCanvas, Image } from 'canvas';
import { PNG } from 'pngjs';
import type { PixelFormat, Rect } from '../../../src/vnc';
import { ByteReader, SpecInflater, type ClientScreen } from './zlib';

export type TightForm = 'fill' | 'jpeg' | 'png' | 'copy' | 'palette';

export interface DecodedTightRect {
  readonly rect: Rect;
  readonly control: number;
  readonly form: TightForm;
  /** Zlib stream of basic compression; -1 when none was used (other forms, or data under 12 bytes). */
  readonly stream: number;
  /** Streams reset by this rectangle (bit i = stream i). */
  readonly resets: number;
  /** Palette size for the palette filter; 0 otherwise. */
  readonly colours: number;
  /** Bytes of the body. */
  readonly size: number;
}

/** True when TPIXELs of `pf` are 3 bytes R, G, B (rfbproto: 32 bpp, depth 24, 8-bit channels). */
export function tpixelIsRgb(pf: PixelFormat): boolean {
  return pf.trueColour && pf.bitsPerPixel === 32 && pf.depth === 24 && pf.redMax === 255 && pf.greenMax === 255 && pf.blueMax === 255;
}

/** The client pixel value of an 8-bit RGB colour, rounded to the nearest channel value. */
export function pixelFromRgb(pf: PixelFormat, r: number, g: number, b: number): number {
  const scale = (v: number, max: number): number => Math.round((v * max) / 255);
  return scale(r, pf.redMax) * 2 ** pf.redShift + scale(g, pf.greenMax) * 2 ** pf.greenShift + scale(b, pf.blueMax) * 2 ** pf.blueShift;
}

export class SpecTightDecoder {
  private readonly inflaters = [0, 1, 2, 3].map(() => new SpecInflater());
  readonly decoded: DecodedTightRect[] = [];

  constructor(readonly encoding: 7 | -260) {}

  decode(screen: ClientScreen, rect: Rect, body: Uint8Array): DecodedTightRect {
    const pf = screen.format;
    const reader = new ByteReader(body, 'the Tight body');
    const control = reader.u8();
    const resets = control & 15;
    for (let i = 0; i < 4; i++) if (resets & (1 << i)) this.inflaters[i] = new SpecInflater();
    const kind = control >> 4;
    const tpixelSize = tpixelIsRgb(pf) ? 3 : pf.bitsPerPixel / 8;
    const tpixel = (bytes: Uint8Array, at: number): number => {
      if (tpixelSize === 3) return pixelFromRgb(pf, bytes[at]!, bytes[at + 1]!, bytes[at + 2]!);
      let v = 0;
      for (let i = 0; i < tpixelSize; i++) v += bytes[at + i]! * 256 ** (pf.bigEndian ? tpixelSize - 1 - i : i);
      return v;
    };
    let form: TightForm;
    let stream = -1;
    let colours = 0;
    if (kind === 8) {
      form = 'fill';
      const colour = tpixel(reader.bytes(tpixelSize), 0);
      for (let y = 0; y < rect.h; y++) for (let x = 0; x < rect.w; x++) screen.setPixel(rect.x + x, rect.y + y, colour);
    } else if (kind === 9 || (kind === 10 && this.encoding === -260)) {
      form = kind === 9 ? 'jpeg' : 'png';
      const rgba = kind === 9 ? decodeJpeg(reader.bytes(reader.compact()), rect) : decodePng(reader.bytes(reader.compact()), rect);
      for (let i = 0; i < rect.w * rect.h; i++) {
        screen.setPixel(rect.x + (i % rect.w), rect.y + Math.floor(i / rect.w), pixelFromRgb(pf, rgba[i * 4]!, rgba[i * 4 + 1]!, rgba[i * 4 + 2]!));
      }
    } else if (kind < 8 && this.encoding === 7) {
      const filter = kind & 4 ? reader.u8() : 0;
      if (filter !== 0 && filter !== 1) throw new Error(`filter ${filter} is not decoded here`);
      form = filter === 1 ? 'palette' : 'copy';
      const palette: number[] = [];
      if (filter === 1) {
        colours = reader.u8() + 1;
        const bytes = reader.bytes(colours * tpixelSize);
        for (let i = 0; i < colours; i++) palette.push(tpixel(bytes, i * tpixelSize));
      }
      const rowBytes = filter === 0 ? rect.w * tpixelSize : colours <= 2 ? Math.ceil(rect.w / 8) : rect.w;
      const size = rowBytes * rect.h;
      let data: Uint8Array;
      if (size < 12) {
        data = reader.bytes(size);
      } else {
        stream = kind & 3;
        data = this.inflaters[stream]!.push(reader.bytes(reader.compact()));
        if (data.length !== size) throw new Error(`stream ${stream} inflated ${data.length} bytes, ${size} expected`);
      }
      for (let y = 0; y < rect.h; y++) {
        for (let x = 0; x < rect.w; x++) {
          let value: number;
          if (filter === 0) value = tpixel(data, y * rowBytes + x * tpixelSize);
          else {
            const index = colours <= 2 ? (data[y * rowBytes + (x >> 3)]! >> (7 - (x & 7))) & 1 : data[y * rowBytes + x]!;
            if (index >= colours) throw new Error(`palette index ${index} outside a palette of ${colours}`);
            value = palette[index]!;
          }
          screen.setPixel(rect.x + x, rect.y + y, value);
        }
      }
    } else {
      throw new Error(`control byte 0x${control.toString(16)} is not valid in encoding ${this.encoding}`);
    }
    if (reader.at !== body.length) throw new Error(`${body.length - reader.at} bytes left after a ${form} rectangle`);
    const result = { rect, control, form, stream, resets, colours, size: body.length };
    this.decoded.push(result);
    return result;
  }
}

function decodePng(data: Uint8Array, rect: Rect): Uint8Array {
  const png = PNG.sync.read(Buffer.from(data));
  if (png.width !== rect.w || png.height !== rect.h) throw new Error(`a ${rect.w}x${rect.h} rectangle carried a ${png.width}x${png.height} PNG`);
  return png.data;
}

function decodeJpeg(data: Uint8Array, rect: Rect): Uint8Array {
  const image = new Image();
  image.src = Buffer.from(data);
  if (image.width !== rect.w || image.height !== rect.h) throw new Error(`a ${rect.w}x${rect.h} rectangle carried a ${image.width}x${image.height} JPEG`);
  const context = createCanvas(rect.w, rect.h).getContext('2d');
  context.drawImage(image, 0, 0);
  return new Uint8Array(context.getImageData(0, 0, rect.w, rect.h).data);
}
