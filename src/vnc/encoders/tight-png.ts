/**
 * TightPNG (-260), noVNC's variant of Tight: the same pieces and control byte,
 * but only fills, JPEG and PNG images (palette PNGs for pieces of up to 256
 * colours). No zlib streams, so nothing persists between rectangles. Colours
 * are counted on 8-bit RGB, which PNG and JPEG carry whatever the client's format.
 */
import { Encoding } from '../protocol/constants';
import type { Rect } from '../framebuffer/rect';
import { ColourTable } from './colour-table';
import type { EncodedRect, EncodeInput, EncoderFactory, RectEncoder } from './encoder';
import { jpegSettings, jpegWanted, lazyJpeg, loadSharpJpeg, type JpegEncoder } from './jpeg';
import { planPieces, STORE_PHOTOS_UP_TO_LEVEL, type Piece } from './tight-plan';
import { encodePng, type PngImage } from './tight-png-image';
import { RgbReader } from './tight-pixels';
import type { TightEncoderOptions } from './tight';
import { compactLength, packTpixels, TIGHT_MAX_LENGTH, TightControl, tpixelLayout, tpixelOf, type TpixelLayout } from './tight-wire';
import { zlibLevel } from './zlib';

/** A TightPNG factory; the JPEG codec is looked for once, when a client first allows JPEG. */
export function createTightPngEncoder(options: TightEncoderOptions = {}): EncoderFactory {
  const jpeg = lazyJpeg(options.loadJpeg ?? loadSharpJpeg);
  return { encoding: Encoding.TIGHT_PNG, name: 'tightpng', create: () => new TightPngRectEncoder(jpeg) };
}

export const tightPngEncoder: EncoderFactory = createTightPngEncoder();

interface Context {
  readonly input: EncodeInput;
  /** 8-bit RGB values of the whole rectangle, one per pixel, and where R, G, B sit in them. */
  readonly values: Uint32Array;
  readonly layout: TpixelLayout;
  readonly level: number;
}

class TightPngRectEncoder implements RectEncoder {
  private readonly rgb = new RgbReader();
  private readonly palette = new ColourTable(256);

  constructor(private readonly jpeg: () => JpegEncoder | undefined) {}

  encode(input: EncodeInput): EncodedRect[] | Promise<EncodedRect[]> {
    const { source, rect, translator, settings } = input;
    if (rect.w <= 0 || rect.h <= 0) return [];
    // Everything is read from the source here, before any await.
    const { values, layout } = this.rgb.read(source, rect);
    const codec = translator.bytesPerPixel !== 1 && jpegWanted(settings) ? this.jpeg() : undefined;
    const pieces = planPieces(values, rect.w, rect.h, { maxColours: 256, pixelsPerColour: 1, jpeg: codec !== undefined }, this.palette);
    const ctx: Context = { input, values, layout, level: zlibLevel(settings) };
    const jobs = pieces.map((piece) => this.piece(ctx, piece, codec));
    return jobs.some((job) => job instanceof Promise) ? Promise.all(jobs) : (jobs as EncodedRect[]);
  }

  private piece(ctx: Context, piece: Piece, codec: JpegEncoder | undefined): EncodedRect | Promise<EncodedRect> {
    const { input } = ctx;
    const rect: Rect = { x: input.rect.x + piece.x, y: input.rect.y + piece.y, w: piece.w, h: piece.h };
    if (piece.kind === 'fill') return { rect, encoding: Encoding.TIGHT_PNG, body: [Uint8Array.of(TightControl.FILL), this.fillPixel(ctx, piece)] };
    if (piece.kind === 'mono' || piece.kind === 'indexed') {
      const mono = piece.kind === 'mono';
      const colours = mono ? [piece.background, piece.foreground] : piece.colours;
      const image: PngImage = {
        width: rect.w, height: rect.h, kind: mono ? 'indexed1' : 'indexed8',
        rows: mono ? piece.mask : piece.indices, palette: rgbPalette(colours, ctx.layout),
      };
      return encodePng(image, ctx.level).then((png) => imageRect(rect, TightControl.PNG, png));
    }
    const rgb = packTpixels(ctx.values, input.rect.w, piece.x, piece.y, piece.w, piece.h, ctx.layout);
    // Photos deflate slowly for little gain: stored at low compression levels.
    const level = piece.kind !== 'full' && ctx.level <= STORE_PHOTOS_UP_TO_LEVEL ? 0 : ctx.level;
    const png = (): Promise<EncodedRect> =>
      encodePng({ width: rect.w, height: rect.h, kind: 'rgb', rows: rgb }, level).then((data) => imageRect(rect, TightControl.PNG, data));
    if (piece.kind !== 'jpeg' || codec === undefined) return png();
    const { quality, subsampling } = jpegSettings(input.settings.qualityLevel ?? 9);
    return codec.encode(rgb, rect.w, rect.h, quality, subsampling).then(
      (jpeg) => (jpeg.length <= TIGHT_MAX_LENGTH ? imageRect(rect, TightControl.JPEG, jpeg) : png()),
      () => png(),
    );
  }

  /** A TPIXEL: RGB for 24-bit clients, else the client's pixel (translated from the source now). */
  private fillPixel(ctx: Context, piece: Piece & { colour: number }): Uint8Array {
    const { input } = ctx;
    if (tpixelLayout(input.translator.to) !== undefined) return tpixelOf(piece.colour, ctx.layout);
    const pixel = { x: input.rect.x + piece.x, y: input.rect.y + piece.y, w: 1, h: 1 };
    return input.translator.translate(input.source, pixel);
  }
}

/** PLTE bytes for RGB values. */
function rgbPalette(colours: ArrayLike<number>, layout: TpixelLayout): Uint8Array {
  const out = new Uint8Array(colours.length * 3);
  for (let i = 0; i < colours.length; i++) out.set(tpixelOf(colours[i]!, layout), i * 3);
  return out;
}

function imageRect(rect: Rect, control: number, data: Uint8Array): EncodedRect {
  return { rect, encoding: Encoding.TIGHT_PNG, body: [Uint8Array.of(control), compactLength(data.length), data] };
}
