import { HOST_LITTLE_ENDIAN } from '../framebuffer/pixel-source';
import { bytesPerPixel, type PixelFormat } from '../protocol/pixel-format';

/**
 * How ZRLE writes one client pixel (a CPIXEL), given the pixel as the value a
 * host-order typed-array view reads from the translated client bytes.
 */
export interface CpixelLayout {
  /** Bytes per CPIXEL: the pixel's size, or 3 for compactable 32 bpp formats. */
  readonly bytes: 1 | 2 | 3 | 4;
  /** Right shifts that take each CPIXEL byte, in wire order, out of the view's value. */
  readonly shifts: readonly number[];
}

/**
 * RFB's CPIXEL rule: a 32 bpp true-colour format with depth ≤ 24 whose colour
 * bits all lie in the least or the most significant 3 bytes sends only those 3
 * bytes. Which bytes those are on the wire depends on the byte order. When both
 * fit (colours only in the middle 16 bits) the spec allows either; vncd sends
 * the first 3 wire bytes, as TigerVNC and libvncserver do.
 */
export function cpixelLayout(pf: PixelFormat): CpixelLayout {
  const bpp = bytesPerPixel(pf);
  let wireBytes = [0, 1, 2, 3].slice(0, bpp);
  if (bpp === 4 && pf.trueColour && pf.depth <= 24) {
    const colourBits = ((pf.redMax << pf.redShift) | (pf.greenMax << pf.greenShift) | (pf.blueMax << pf.blueShift)) >>> 0;
    const inLow3 = colourBits <= 0xffffff;
    const inHigh3 = (colourBits & 0xff) === 0;
    // Little-endian wire order starts with the least significant byte.
    const inFirst3 = pf.bigEndian ? inHigh3 : inLow3;
    const inLast3 = pf.bigEndian ? inLow3 : inHigh3;
    if (inFirst3) wireBytes = [0, 1, 2];
    else if (inLast3) wireBytes = [1, 2, 3];
  }
  // The translated bytes are in wire order; a typed-array view reads them in the host's order.
  const shifts = wireBytes.map((k) => 8 * (HOST_LITTLE_ENDIAN ? k : bpp - 1 - k));
  return { bytes: wireBytes.length as CpixelLayout['bytes'], shifts };
}
