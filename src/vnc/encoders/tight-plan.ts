/**
 * Cutting one update rectangle into the pieces Tight sends, and choosing each
 * piece's form from its pixels alone: one colour (fill), two (1-bit mask),
 * a few (palette indices), or many (full colour, or JPEG when allowed and the
 * piece looks photographic). Shared by Tight and TightPNG, which differ only in
 * how they write each form.
 */
import { countColours, looksPhotographic, packMask } from './tight-analysis';
import type { ColourTable } from './colour-table';
import { splitSolidAreas, type Region } from './tight-solid';
import { TIGHT_MAX_AREA, TIGHT_MAX_WIDTH } from './tight-wire';

interface Area {
  /** Relative to the update rectangle. */
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export type Piece =
  | (Area & { readonly kind: 'fill'; readonly colour: number })
  | (Area & { readonly kind: 'mono'; readonly background: number; readonly foreground: number; readonly mask: Uint8Array })
  | (Area & { readonly kind: 'indexed'; readonly colours: Uint32Array; readonly indices: Uint8Array })
  /** Many colours: 'photo' when it looks photographic, 'jpeg' when it does and JPEG is allowed. */
  | (Area & { readonly kind: 'full' | 'photo' | 'jpeg' });

export interface PlanOptions {
  /** Most colours a palette piece may have: 256, or 2 where indices would be no smaller than pixels (8 bpp). */
  readonly maxColours: number;
  /** A palette piece needs at least this many pixels per colour (palettes cost bytes of their own). */
  readonly pixelsPerColour: number;
  /** JPEG is allowed (quality level sent, lossy server, a codec, 16/32 bpp). */
  readonly jpeg: boolean;
}

/** JPEG's headers (~600 bytes) outweigh its gain on smaller pieces; smaller ones are never called photos. */
export const JPEG_MIN_AREA = 4096;
/**
 * At compression levels up to this, photographic pieces that are not sent as
 * JPEG are stored (zlib level 0): deflate gains ~20 % on them at 30-40 MB/s,
 * storing runs at over 1 GB/s.
 */
export const STORE_PHOTOS_UP_TO_LEVEL = 3;
/**
 * JPEG pieces are merged up to this size: one codec call per piece costs
 * ~1 ms with sharp, and every known decoder takes any height up to width 2048
 * (at quality 100 a piece this big still fits the 22-bit length).
 */
export const JPEG_MAX_AREA = TIGHT_MAX_WIDTH * 256;

/**
 * The pieces of a w×h rectangle whose pixel values are `values` (row-major,
 * stride w). They cover it exactly once, none wider than 2048 pixels.
 */
export function planPieces(values: Uint32Array, w: number, h: number, options: PlanOptions, palette: ColourTable): Piece[] {
  const regions: Region[] = [];
  splitSolidAreas(values, w, 0, 0, w, h, regions);
  const pieces: Piece[] = [];
  // Palette indices of the piece being classified (pieces have at most 65536 pixels).
  const indices = new Uint8Array(Math.min(w * h, TIGHT_MAX_AREA));
  for (const r of regions) {
    if (r.solid) {
      // Fills may be any size, but the spec caps every Tight rectangle's width.
      for (let x = r.x; x < r.x + r.w; x += TIGHT_MAX_WIDTH) {
        pieces.push({ kind: 'fill', x, y: r.y, w: Math.min(TIGHT_MAX_WIDTH, r.x + r.w - x), h: r.h, colour: r.colour });
      }
    } else {
      splitRegion(values, w, r, options, palette, indices, pieces);
    }
  }
  return pieces;
}

/**
 * Rows per band when JPEG is possible: a screen mixes text and pictures, and a
 * band that holds both is judged as a whole (not photographic). Thin bands let
 * the photo parts be found; neighbouring JPEG bands are merged again.
 */
const JPEG_BAND_ROWS = 16;

/** Column by column (≤ 2048 wide), band by band (≤ 65536 pixels), so neighbouring JPEG bands can merge. */
function splitRegion(values: Uint32Array, stride: number, r: Region, options: PlanOptions, palette: ColourTable, indices: Uint8Array, out: Piece[]): void {
  for (let x = r.x; x < r.x + r.w; x += TIGHT_MAX_WIDTH) {
    const w = Math.min(TIGHT_MAX_WIDTH, r.x + r.w - x);
    const widest = Math.max(1, Math.floor(TIGHT_MAX_AREA / w));
    // Thin enough to tell photos from text, tall enough to stay above JPEG's minimum area.
    const band = options.jpeg ? Math.min(widest, Math.max(JPEG_BAND_ROWS, Math.ceil(JPEG_MIN_AREA / w))) : widest;
    const end = r.y + r.h;
    for (let y = r.y, h = 0; y < end; y += h) {
      // A leftover thinner than a band joins this one (when that still fits), so no sliver is left alone.
      h = Math.min(band, end - y);
      if (end - y - h < band && end - y <= widest) h = end - y;
      const piece = classify(values, stride, x, y, w, h, options, palette, indices);
      const last = out[out.length - 1];
      if (piece.kind === 'jpeg' && last?.kind === 'jpeg' && last.x === x && last.w === w && last.y + last.h === y && (last.h + piece.h) * w <= JPEG_MAX_AREA) {
        out[out.length - 1] = { kind: 'jpeg', x, y: last.y, w, h: last.h + piece.h };
      } else {
        out.push(piece);
      }
    }
  }
}

function classify(
  values: Uint32Array, stride: number, x: number, y: number, w: number, h: number, options: PlanOptions, palette: ColourTable, indices: Uint8Array,
): Piece {
  const area = w * h;
  const limit = Math.min(options.maxColours, Math.max(2, Math.floor(area / options.pixelsPerColour)));
  const colours = countColours(values, stride, x, y, w, h, limit, palette, indices);
  if (colours === 1) return { kind: 'fill', x, y, w, h, colour: palette.colours[0]! };
  if (colours === 2) {
    return { kind: 'mono', x, y, w, h, background: palette.colours[0]!, foreground: palette.colours[1]!, mask: packMask(indices, w, h) };
  }
  if (colours <= limit) {
    return { kind: 'indexed', x, y, w, h, colours: palette.colours.slice(0, colours), indices: indices.slice(0, area) };
  }
  if (area < JPEG_MIN_AREA || !looksPhotographic(values, stride, x, y, w, h)) return { kind: 'full', x, y, w, h };
  return { kind: options.jpeg ? 'jpeg' : 'photo', x, y, w, h };
}
