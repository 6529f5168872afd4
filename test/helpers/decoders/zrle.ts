/**
 * A ZRLE (16) decoder written from the RFB spec, independently of vncd's
 * encoder, for any client pixel format. It also reports each tile's
 * subencoding and uncompressed size, so tests can see which forms were chosen.
 */
import type { PixelFormat, Rect } from '../../../src/vnc';
import { ByteReader, SpecInflater, zlibPayload, type ClientScreen } from './zlib';

export interface DecodedTile {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly subencoding: number;
  /** Uncompressed bytes of the tile, its subencoding byte included. */
  readonly size: number;
}

/**
 * Size of a CPIXEL and how its bytes map to the pixel value. The spec's
 * "least or most significant 3 bytes" is read here in terms of the value;
 * when both would hold all the colour bits, the 3 bytes that come first on
 * the wire are taken (what TigerVNC and libvncserver send).
 */
export function cpixelForm(pf: PixelFormat): { size: number; part: 'all' | 'low' | 'high' } {
  const bpp = pf.bitsPerPixel / 8;
  if (!(pf.trueColour && pf.bitsPerPixel === 32 && pf.depth <= 24)) return { size: bpp, part: 'all' };
  const maxValue = pf.redMax * 2 ** pf.redShift + pf.greenMax * 2 ** pf.greenShift + pf.blueMax * 2 ** pf.blueShift;
  const fitsLow = maxValue < 2 ** 24;
  const fitsHigh = maxValue % 256 === 0;
  if (fitsLow && fitsHigh) return { size: 3, part: pf.bigEndian ? 'high' : 'low' };
  if (fitsLow) return { size: 3, part: 'low' };
  if (fitsHigh) return { size: 3, part: 'high' };
  return { size: 4, part: 'all' };
}

export class SpecZrleDecoder {
  private readonly inflater = new SpecInflater();

  /** Decodes one rectangle onto `screen`; returns its tiles in stream order. */
  decode(screen: ClientScreen, rect: Rect, body: Uint8Array): DecodedTile[] {
    const reader = new ByteReader(this.inflater.push(zlibPayload(body)), 'the ZRLE data');
    const pf = screen.format;
    const form = cpixelForm(pf);
    const cpixel = (): number => {
      const v = reader.uint(form.size, pf.bigEndian);
      return form.part === 'high' ? v * 256 : v;
    };
    const tiles: DecodedTile[] = [];
    for (let y = rect.y; y < rect.y + rect.h; y += 64) {
      const h = Math.min(64, rect.y + rect.h - y);
      for (let x = rect.x; x < rect.x + rect.w; x += 64) {
        const w = Math.min(64, rect.x + rect.w - x);
        const start = reader.at;
        const subencoding = reader.u8();
        const pixels = this.tile(subencoding, w * h, w, reader, cpixel);
        for (let i = 0; i < pixels.length; i++) screen.setPixel(x + (i % w), y + Math.floor(i / w), pixels[i]!);
        tiles.push({ x, y, w, h, subencoding, size: reader.at - start });
      }
    }
    if (reader.remaining !== 0) throw new Error(`${reader.remaining} bytes of ZRLE data were left over`);
    return tiles;
  }

  /** The tile's pixel values in tile order. */
  private tile(subencoding: number, area: number, w: number, reader: ByteReader, cpixel: () => number): number[] {
    const paletteSize = subencoding & 127;
    const palette: number[] = [];
    const out: number[] = [];
    if (subencoding === 0) {
      for (let i = 0; i < area; i++) out.push(cpixel());
      return out;
    }
    if (subencoding === 1) return new Array<number>(area).fill(cpixel());
    if (subencoding === 129 || (subencoding > 16 && subencoding < 128)) throw new Error(`subencoding ${subencoding} is not defined`);
    for (let i = 0; i < paletteSize; i++) palette.push(cpixel());
    const colour = (index: number): number => {
      const c = palette[index];
      if (c === undefined) throw new Error(`palette index ${index} outside a palette of ${palette.length}`);
      return c;
    };
    if (subencoding <= 16) {
      const bits = paletteSize === 2 ? 1 : paletteSize <= 4 ? 2 : 4;
      for (let row = 0; row < area / w; row++) {
        // Each row starts on a fresh byte; indices run from the most significant bits.
        const rowBytes: number[] = [];
        for (let i = 0; i < Math.ceil((w * bits) / 8); i++) rowBytes.push(reader.u8());
        for (let col = 0; col < w; col++) {
          const bit = col * bits;
          const byte = rowBytes[Math.floor(bit / 8)]!;
          out.push(colour((byte >> (8 - bits - (bit % 8))) & ((1 << bits) - 1)));
        }
      }
      return out;
    }
    const runLength = (): number => {
      let length = 1;
      for (let b = reader.u8(); ; b = reader.u8()) {
        length += b;
        if (b !== 255) return length;
      }
    };
    while (out.length < area) {
      let value: number;
      let length = 1;
      if (subencoding === 128) {
        value = cpixel();
        length = runLength();
      } else {
        const index = reader.u8();
        value = colour(index & 127);
        if (index & 128) length = runLength();
      }
      if (out.length + length > area) throw new Error(`a run of ${length} overflows the tile (${area - out.length} pixels left)`);
      for (let i = 0; i < length; i++) out.push(value);
    }
    return out;
  }
}
