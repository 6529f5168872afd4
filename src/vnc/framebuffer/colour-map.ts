/**
 * Colour-map clients (true-colour flag off, 8 bpp) get one fixed 256-entry map:
 * index = red | green << 3 | blue << 6 with 3-3-2 bits (the classic VNC
 * "BGR233"). Translating to such a client is then the same as translating to
 * the true-colour BGR233 format, and the map never has to change.
 */
import { ServerMessageType } from '../protocol/constants';
import { VncError, VncErrorCode } from '../errors';
import { BGR233, type PixelFormat } from '../protocol/pixel-format';
import { scaleChannel } from './pixel-source';

/** One colour-map entry, each channel 0..65535 as SetColourMapEntries sends it. */
export interface Rgb16 {
  readonly r: number;
  readonly g: number;
  readonly b: number;
}

export interface ColourMap {
  /** Entry i is the colour of pixel value i. */
  readonly entries: readonly Rgb16[];
  /** The true-colour format whose pixel values index `entries` (translate to this). */
  readonly trueColourFormat: PixelFormat;
}

function buildPalette(pf: PixelFormat): readonly Rgb16[] {
  const entries: Rgb16[] = [];
  for (let i = 0; i < 256; i++) {
    entries.push(Object.freeze({
      r: scaleChannel((i >>> pf.redShift) & pf.redMax, pf.redMax, 0xffff),
      g: scaleChannel((i >>> pf.greenShift) & pf.greenMax, pf.greenMax, 0xffff),
      b: scaleChannel((i >>> pf.blueShift) & pf.blueMax, pf.blueMax, 0xffff),
    }));
  }
  return Object.freeze(entries);
}

const BGR233_MAP_ENTRIES = buildPalette(BGR233);

/**
 * The map a client in colour-map format `pf` needs before its first update
 * (every such client gets the same BGR233 map). True-colour formats have none.
 */
export function colourMapFor(pf: PixelFormat): ColourMap {
  if (pf.trueColour) throw new VncError(VncErrorCode.INVALID_PIXEL_FORMAT, 'a true-colour format has no colour map');
  return { entries: BGR233_MAP_ENTRIES, trueColourFormat: BGR233 };
}

/** SetColourMapEntries: type 1, padding, u16 first-colour, u16 count, then u16 r, g, b per entry. */
export function encodeSetColourMapEntries(firstColour: number, entries: readonly Rgb16[]): Uint8Array {
  if (!Number.isInteger(firstColour) || firstColour < 0 || firstColour + entries.length > 0x10000) {
    throw new VncError(VncErrorCode.OUT_OF_BOUNDS, `colour-map entries ${firstColour}..${firstColour + entries.length - 1} are outside 0..65535`);
  }
  const out = new Uint8Array(6 + 6 * entries.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, ServerMessageType.SET_COLOUR_MAP_ENTRIES);
  view.setUint16(2, firstColour);
  view.setUint16(4, entries.length);
  let at = 6;
  for (const e of entries) {
    view.setUint16(at, e.r);
    view.setUint16(at + 2, e.g);
    view.setUint16(at + 4, e.b);
    at += 6;
  }
  return out;
}
