/**
 * Pixel comparison and the image formats the clients produce: XWD (xwd, for the
 * TigerVNC window) and PNG (gvnccapture). Plain TypeScript + node:zlib, no native modules.
 *
 * ```ts
 * const diff = compareImages(expected, capture);
 * expect(diff.summary).toBe(identical(expected));   // or: expect(diff.equal).toBe(true)
 * writeFileSync('/tmp/seen.png', encodePng(capture));   // to look at a failure
 * ```
 */
import { deflateSync, inflateSync } from 'node:zlib';
import type { RgbaImage } from './types';

export interface PixelDifference {
  readonly x: number;
  readonly y: number;
  /** [r, g, b, a] */
  readonly expected: readonly number[];
  readonly actual: readonly number[];
}

export interface ImageDiff {
  readonly equal: boolean;
  readonly sizeMatches: boolean;
  /** Differing pixels in the common area, plus every pixel outside it. */
  readonly differingPixels: number;
  readonly totalPixels: number;
  /** The first difference in row order within the common area. */
  readonly first?: PixelDifference;
  /** The smallest rectangle holding every difference in the common area. */
  readonly bounds?: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  /** One line for test output, e.g. "12 of 3072 pixels differ (...); first at (3,0): expected #ff0000 got #000000". */
  readonly summary: string;
}

export interface CompareOptions {
  /** Compare alpha as well (default false: clients show opaque pixels). */
  readonly compareAlpha?: boolean;
}

/** A rectangle cut out of an image. */
export function cropImage(image: RgbaImage, x: number, y: number, width: number, height: number): RgbaImage {
  const rgba = Buffer.alloc(width * height * 4);
  for (let row = 0; row < height; row++) {
    const start = ((y + row) * image.width + x) * 4;
    rgba.set(image.rgba.subarray(start, start + width * 4), row * width * 4);
  }
  return { width, height, rgba };
}

/** Mean absolute difference per colour channel (0–255) between two images of the same size: the measure for lossy (JPEG) output. */
export function meanAbsoluteError(expected: RgbaImage, actual: RgbaImage): number {
  if (expected.width !== actual.width || expected.height !== actual.height) {
    throw new Error(`sizes differ: ${expected.width}x${expected.height} and ${actual.width}x${actual.height}`);
  }
  let total = 0;
  for (let i = 0; i < expected.width * expected.height * 4; i++) {
    if (i % 4 !== 3) total += Math.abs((expected.rgba[i] ?? 0) - (actual.rgba[i] ?? 0));
  }
  return total / (expected.width * expected.height * 3);
}

/** The summary `compareImages` gives for identical images of this size. */
export function identical(image: { readonly width: number; readonly height: number }): string {
  return `identical (${image.width}x${image.height})`;
}

function hex(p: readonly number[]): string {
  return '#' + p.slice(0, 3).map((v) => v.toString(16).padStart(2, '0')).join('');
}

export function compareImages(expected: RgbaImage, actual: RgbaImage, options: CompareOptions = {}): ImageDiff {
  checkImage(expected, 'expected');
  checkImage(actual, 'actual');
  const channels = options.compareAlpha ? 4 : 3;
  const w = Math.min(expected.width, actual.width);
  const h = Math.min(expected.height, actual.height);
  let differing = 0;
  let first: PixelDifference | undefined;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -1;
  let maxY = -1;
  const e = expected.rgba;
  const a = actual.rgba;
  for (let y = 0; y < h; y++) {
    let ei = y * expected.width * 4;
    let ai = y * actual.width * 4;
    for (let x = 0; x < w; x++, ei += 4, ai += 4) {
      let same = true;
      for (let c = 0; c < channels; c++) {
        if (e[ei + c] !== a[ai + c]) {
          same = false;
          break;
        }
      }
      if (same) continue;
      differing++;
      if (!first) {
        first = {
          x,
          y,
          expected: [e[ei] ?? 0, e[ei + 1] ?? 0, e[ei + 2] ?? 0, e[ei + 3] ?? 0],
          actual: [a[ai] ?? 0, a[ai + 1] ?? 0, a[ai + 2] ?? 0, a[ai + 3] ?? 0],
        };
      }
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  const sizeMatches = expected.width === actual.width && expected.height === actual.height;
  const outside = expected.width * expected.height + actual.width * actual.height - 2 * w * h;
  differing += Math.max(0, outside);
  const totalPixels = expected.width * expected.height;
  const bounds = maxX >= 0 ? { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 } : undefined;
  let summary: string;
  if (differing === 0) {
    summary = identical(expected);
  } else {
    const parts: string[] = [];
    if (!sizeMatches) parts.push(`size ${actual.width}x${actual.height}, expected ${expected.width}x${expected.height}`);
    parts.push(`${differing} of ${totalPixels} pixels differ`);
    if (bounds) parts.push(`within ${bounds.width}x${bounds.height}+${bounds.x}+${bounds.y}`);
    if (first) parts.push(`first at (${first.x},${first.y}): expected ${hex(first.expected)} got ${hex(first.actual)}`);
    summary = parts.join('; ');
  }
  return {
    equal: differing === 0,
    sizeMatches,
    differingPixels: differing,
    totalPixels,
    ...(first ? { first } : {}),
    ...(bounds ? { bounds } : {}),
    summary,
  };
}

function checkImage(img: RgbaImage, what: string): void {
  if (img.rgba.length !== img.width * img.height * 4) {
    throw new Error(`${what} image: ${img.rgba.length} bytes for ${img.width}x${img.height} RGBA`);
  }
}

/**
 * Decodes an XWD dump (what `xwd` writes): header fields are big-endian, pixels
 * are in the image byte order. TrueColor/DirectColor visuals (any depth with
 * 8..32 bits per pixel), which is what Xvfb has at depth 16/24.
 */
export function decodeXwd(buf: Buffer): { width: number; height: number; rgba: Buffer; windowName: string } {
  if (buf.length < 100) throw new Error(`XWD: ${buf.length} bytes is too short`);
  const f = (i: number): number => buf.readUInt32BE(i * 4);
  const headerSize = f(0);
  const version = f(1);
  const format = f(2);
  const width = f(4);
  const height = f(5);
  const byteOrder = f(7); // 0 LSBFirst, 1 MSBFirst
  const bitsPerPixel = f(11);
  const bytesPerLine = f(12);
  const visualClass = f(13); // 4 TrueColor, 5 DirectColor
  const masks = [f(14), f(15), f(16)];
  const ncolors = f(19);
  if (version !== 7) throw new Error(`XWD: file version ${version}, expected 7`);
  if (format !== 2) throw new Error(`XWD: pixmap format ${format}, expected ZPixmap (2)`);
  if (visualClass !== 4 && visualClass !== 5) throw new Error(`XWD: visual class ${visualClass} is not TrueColor`);
  if (![8, 16, 24, 32].includes(bitsPerPixel)) throw new Error(`XWD: ${bitsPerPixel} bits per pixel`);
  const nameEnd = buf.indexOf(0, 100);
  const windowName = buf.toString('latin1', 100, nameEnd >= 0 && nameEnd < headerSize ? nameEnd : headerSize);
  const dataStart = headerSize + ncolors * 12;
  if (buf.length < dataStart + bytesPerLine * height) {
    throw new Error(`XWD: truncated (${buf.length} bytes, need ${dataStart + bytesPerLine * height})`);
  }
  const channels = masks.map((mask) => {
    let shift = 0;
    while (shift < 32 && ((mask >>> shift) & 1) === 0) shift++;
    const max = mask >>> shift;
    return { mask, shift, max };
  });
  const bytes = bitsPerPixel / 8;
  const rgba = Buffer.alloc(width * height * 4);
  let o = 0;
  for (let y = 0; y < height; y++) {
    let p = dataStart + y * bytesPerLine;
    for (let x = 0; x < width; x++, p += bytes) {
      let v = 0;
      if (byteOrder === 0) for (let b = bytes - 1; b >= 0; b--) v = v * 256 + (buf[p + b] ?? 0);
      else for (let b = 0; b < bytes; b++) v = v * 256 + (buf[p + b] ?? 0);
      for (const ch of channels) {
        const c = ch.max === 0 ? 0 : Math.round((((v & ch.mask) >>> 0) >>> ch.shift) * 255 / ch.max);
        rgba[o++] = c;
      }
      rgba[o++] = 255;
    }
  }
  return { width, height, rgba, windowName };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Decodes a PNG (8-bit RGB or RGBA, not interlaced: what gdk-pixbuf writes) to
 * RGBA bytes exactly as stored. Deliberately not canvas/cairo: those premultiply
 * by alpha, and gvnccapture can write alpha 0 (see gvnccapture.ts), which would
 * turn every pixel black.
 */
export function decodePng(png: Buffer): { width: number; height: number; rgba: Buffer } {
  if (png.length < 8 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  while (pos + 8 <= png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const bitDepth = data[8];
      colorType = data[9] ?? -1;
      const interlace = data[12];
      if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0) {
        throw new Error(`PNG: unsupported bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`);
      }
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + len;
  }
  if (colorType < 0) throw new Error('PNG: no IHDR');
  const bpp = colorType === 6 ? 4 : 3;
  const stride = width * bpp;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length < (stride + 1) * height) throw new Error(`PNG: ${raw.length} bytes of image data, need ${(stride + 1) * height}`);
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    for (let i = 0; i < stride; i++) {
      const x = raw[src + i] ?? 0;
      const a = i >= bpp ? (pixels[dst + i - bpp] ?? 0) : 0;
      const b = y > 0 ? (pixels[dst - stride + i] ?? 0) : 0;
      const c = i >= bpp && y > 0 ? (pixels[dst - stride + i - bpp] ?? 0) : 0;
      let v: number;
      switch (filter) {
        case 0: v = x; break;
        case 1: v = x + a; break;
        case 2: v = x + b; break;
        case 3: v = x + ((a + b) >> 1); break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default: throw new Error(`PNG: bad filter ${filter} on row ${y}`);
      }
      pixels[dst + i] = v & 255;
    }
  }
  if (bpp === 4) return { width, height, rgba: pixels };
  const rgba = Buffer.alloc(width * height * 4, 255);
  for (let i = 0, o = 0; i < pixels.length; i += 3, o += 4) pixels.copy(rgba, o, i, i + 3);
  return { width, height, rgba };
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = -1;
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 255] ?? 0) ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** Encodes an RGBA image as PNG (to save what a client showed when a test fails). */
export function encodePng(image: RgbaImage): Buffer {
  checkImage(image, 'png');
  const stride = image.width * 4;
  const raw = Buffer.alloc((stride + 1) * image.height);
  for (let y = 0; y < image.height; y++) {
    raw[y * (stride + 1)] = 0;
    raw.set(image.rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(image.width, 0);
  ihdr.writeUInt32BE(image.height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
