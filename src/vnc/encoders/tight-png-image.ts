/**
 * A minimal PNG writer for TightPNG: 8-bit RGB or palette images (1- or 8-bit
 * indices), no interlace, filter "none" on every row. Deflate runs on Node's
 * zlib thread pool, so pieces compress in parallel and off the event loop.
 */
import { crc32, deflate } from 'node:zlib';

export interface PngImage {
  readonly width: number;
  readonly height: number;
  /** Rows without filter bytes, each `rowBytes` long. */
  readonly rows: Uint8Array;
  /** 3 bytes R, G, B per pixel; or indices into `palette` (8 bits, or 1 bit per pixel MSB first). */
  readonly kind: 'rgb' | 'indexed8' | 'indexed1';
  /** Palette images: 3 bytes per colour. */
  readonly palette?: Uint8Array;
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const IEND = chunk('IEND', new Uint8Array(0));

/** The PNG file for `image`, its data compressed at zlib `level` (0..9). */
export async function encodePng(image: PngImage, level: number): Promise<Buffer> {
  const { width, height, kind } = image;
  const rowBytes = kind === 'rgb' ? width * 3 : kind === 'indexed8' ? width : (width + 7) >>> 3;
  if (image.rows.length !== rowBytes * height) throw new RangeError(`a ${width}x${height} ${kind} PNG needs ${rowBytes * height} bytes of rows, not ${image.rows.length}`);
  // Each row is preceded by its filter type, 0 (none).
  const filtered = new Uint8Array((rowBytes + 1) * height);
  for (let row = 0; row < height; row++) filtered.set(image.rows.subarray(row * rowBytes, (row + 1) * rowBytes), row * (rowBytes + 1) + 1);
  const compressed = await new Promise<Buffer>((resolve, reject) => {
    deflate(filtered, { level }, (error, result) => (error ? reject(error) : resolve(result)));
  });
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = kind === 'indexed1' ? 1 : 8; // bit depth
  header[9] = kind === 'rgb' ? 2 : 3; // colour type: truecolour or palette
  // Bytes 10..12: deflate, adaptive filtering (method 0), no interlace.
  const parts = [SIGNATURE, chunk('IHDR', header)];
  if (kind !== 'rgb') {
    if (image.palette === undefined || image.palette.length % 3 !== 0 || image.palette.length === 0 || image.palette.length > 768) {
      throw new RangeError('a palette PNG needs 1..256 colours of 3 bytes');
    }
    parts.push(chunk('PLTE', image.palette));
  }
  parts.push(chunk('IDAT', compressed), IEND);
  return Buffer.concat(parts);
}

/** Length, type, data, CRC-32 of type and data. */
function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
