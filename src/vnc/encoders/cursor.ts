/**
 * Cursor shapes for clients that draw the pointer themselves: Cursor (-239,
 * "rich cursor": pixels in the client's format plus a 1-bit mask) and
 * CursorWithAlpha (-314: premultiplied RGBA). The input is an RGBA image with
 * straight alpha, what embedders have (canvas getImageData, decoded PNGs).
 */
import { VncError, VncErrorCode } from '../errors';
import type { PixelSource } from '../framebuffer/pixel-source';
import { createTranslator } from '../framebuffer/translate';
import { Encoding } from '../protocol/constants';
import type { PixelFormat } from '../protocol/pixel-format';
import type { EncodedRect } from './encoder';

export interface CursorImage {
  readonly width: number;
  readonly height: number;
  /** The pixel that is the pointer's position, inside the image (0, 0 for an empty one). */
  readonly hotspotX: number;
  readonly hotspotY: number;
  /** width × height pixels, row after row, bytes R, G, B, A; alpha not premultiplied. */
  readonly rgba: Uint8Array;
}

/** An empty cursor: the client shows no pointer at all. */
export const HIDDEN_CURSOR: CursorImage = Object.freeze({ width: 0, height: 0, hotspotX: 0, hotspotY: 0, rgba: new Uint8Array(0) });

/** The bytes R, G, B, A read as one little-endian 32-bit pixel (alpha is outside the colour bits). */
export const RGBA32: PixelFormat = Object.freeze({
  bitsPerPixel: 32, depth: 24, bigEndian: false, trueColour: true,
  redMax: 255, greenMax: 255, blueMax: 255, redShift: 0, greenShift: 8, blueShift: 16,
});

/** Alpha from which a pixel counts as drawn in the 1-bit mask of -239. */
const MASK_ALPHA = 128;

/** Largest side accepted: far above real cursors (X allows 256 and less), far below overflow. */
export const MAX_CURSOR_SIDE = 1024;

/**
 * Cursor (-239): x, y = hotspot, w × h = size; body = w × h pixels in the
 * client's format (a colour-map client gets vncd's BGR233 indices), then the
 * mask: (w + 7) >> 3 bytes per row, most significant bit leftmost, set where
 * alpha ≥ 128. Colours are sent unpremultiplied; a 0 × 0 cursor has no body.
 */
export function cursorRect(image: CursorImage, clientFormat: PixelFormat): EncodedRect {
  checkCursor(image);
  const { width: w, height: h } = image;
  const rect = { x: image.hotspotX, y: image.hotspotY, w, h };
  if (w === 0 || h === 0) return { rect, encoding: Encoding.CURSOR, body: [] };
  // Alpha cleared first: a client format laid out like RGBA32 is copied as is, and its unused byte must be zero.
  const rgbx = Buffer.from(image.rgba);
  for (let i = 3; i < rgbx.length; i += 4) rgbx[i] = 0;
  const source: PixelSource = { data: rgbx, width: w, height: h, stride: w * 4, format: RGBA32 };
  const pixels = createTranslator(RGBA32, clientFormat).translate(source, { x: 0, y: 0, w, h });
  return { rect, encoding: Encoding.CURSOR, body: [pixels, cursorMask(image)] };
}

/** The 1-bit mask of -239 for `image`. */
export function cursorMask(image: CursorImage): Buffer {
  const { width: w, height: h, rgba } = image;
  const rowBytes = (w + 7) >> 3;
  const mask = Buffer.alloc(rowBytes * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if ((rgba[(y * w + x) * 4 + 3] ?? 0) >= MASK_ALPHA) mask[y * rowBytes + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return mask;
}

/**
 * CursorWithAlpha (-314): x, y = hotspot, w × h = size; body = s32 encoding
 * (Raw, 0) then w × h pixels as bytes R, G, B, A with the colours premultiplied
 * by alpha (floor(c × a / 255), as TigerVNC's server writes them). The encoding
 * word is sent even for a 0 × 0 cursor.
 */
export function cursorWithAlphaRect(image: CursorImage): EncodedRect {
  checkCursor(image);
  const { rgba } = image;
  const pixels = Buffer.alloc(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3] ?? 0;
    pixels[i] = Math.floor(((rgba[i] ?? 0) * a) / 255);
    pixels[i + 1] = Math.floor(((rgba[i + 1] ?? 0) * a) / 255);
    pixels[i + 2] = Math.floor(((rgba[i + 2] ?? 0) * a) / 255);
    pixels[i + 3] = a;
  }
  const encoding = Buffer.alloc(4);
  encoding.writeInt32BE(Encoding.RAW, 0);
  return {
    rect: { x: image.hotspotX, y: image.hotspotY, w: image.width, h: image.height },
    encoding: Encoding.CURSOR_WITH_ALPHA,
    body: [encoding, pixels],
  };
}

/** Throws a VncError naming the problem unless `image` is a usable cursor. */
export function checkCursor(image: CursorImage): void {
  const { width: w, height: h, hotspotX, hotspotY } = image;
  const problem =
    !isSide(w) || !isSide(h)
      ? `cursor size ${w}x${h} is not two integers between 0 and ${MAX_CURSOR_SIDE}`
      : image.rgba.length !== w * h * 4
        ? `cursor of ${w}x${h} needs ${w * h * 4} RGBA bytes, ${image.rgba.length} given`
        : !inRange(hotspotX, w) || !inRange(hotspotY, h)
          ? `cursor hotspot ${hotspotX},${hotspotY} is outside the ${w}x${h} image`
          : undefined;
  if (problem !== undefined) throw new VncError(VncErrorCode.INVALID_SIZE, problem);
}

function isSide(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= MAX_CURSOR_SIDE;
}

/** 0 ≤ v < side, or exactly 0 for an empty side. */
function inRange(v: number, side: number): boolean {
  return Number.isInteger(v) && v >= 0 && (v < side || v === 0);
}
