import type { PixelFormat } from '../../src/vnc/protocol/pixel-format';

/** A true-colour format; depth defaults to the bits per pixel, at most 24. */
export function trueColour(
  bpp: 8 | 16 | 32,
  bigEndian: boolean,
  max: [number, number, number],
  shift: [number, number, number],
  depth?: number,
): PixelFormat {
  return {
    bitsPerPixel: bpp, depth: depth ?? Math.min(bpp, 24), bigEndian, trueColour: true,
    redMax: max[0], greenMax: max[1], blueMax: max[2], redShift: shift[0], greenShift: shift[1], blueShift: shift[2],
  };
}
