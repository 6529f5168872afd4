/**
 * Tight (7): each update rectangle is cut into pieces (large one-colour areas
 * as fills, the rest at most 2048 wide and 64 Ki pixels), and each piece is
 * sent as a fill, a 2-colour mask or palette indices (zlib), full-colour
 * TPIXELs (zlib), or JPEG when the client asked for a quality level, the
 * server allows lossy output and the piece looks photographic.
 *
 * Zlib streams (persistent per client, as TightVNC and QEMU use them):
 * 0 full colour, 1 masks, 2 indices, 3 full colour stored without
 * compression (photographic pieces at low compression levels, and pieces
 * whose JPEG failed). A stream's first rectangle from this encoder resets it
 * in the client, so a client that had Tight before (from an earlier encoder)
 * starts in step.
 */
import { Encoding } from '../protocol/constants';
import type { Rect } from '../framebuffer/rect';
import { ColourTable } from './colour-table';
import { ClientPixelReader, writePixel } from './colours';
import type { EncodedRect, EncodeInput, EncoderFactory, RectEncoder } from './encoder';
import { jpegSettings, jpegWanted, lazyJpeg, loadSharpJpeg, type JpegEncoder, type JpegLoader } from './jpeg';
import { planPieces, STORE_PHOTOS_UP_TO_LEVEL, type Piece } from './tight-plan';
import { copyRows, RgbReader } from './tight-pixels';
import {
  compactLength, packTpixels, TIGHT_MAX_LENGTH, TIGHT_MIN_TO_COMPRESS, TightControl, TightFilter, tpixelLayout, tpixelOf,
  type TpixelLayout,
} from './tight-wire';
import { OwnedZlibStream, zlibLevel } from './zlib';

export interface TightEncoderOptions {
  /** Where JPEG comes from; sharp when installed by default. `noJpeg` keeps Tight lossless. */
  readonly loadJpeg?: JpegLoader;
}

const STREAM_FULL = 0;
const STREAM_MONO = 1;
const STREAM_INDEXED = 2;
const STREAM_STORED = 3;

/** A Tight factory; the JPEG codec is looked for once, when a client first allows JPEG. */
export function createTightEncoder(options: TightEncoderOptions = {}): EncoderFactory {
  const jpeg = lazyJpeg(options.loadJpeg ?? loadSharpJpeg);
  return { encoding: Encoding.TIGHT, name: 'tight', create: () => new TightRectEncoder(jpeg) };
}

export const tightEncoder: EncoderFactory = createTightEncoder();

type Job = EncodedRect | Promise<EncodedRect>;

const EMPTY = new Uint8Array(0);

/** What every piece of one rectangle shares while it is written. */
interface Context {
  readonly input: EncodeInput;
  /** One value per pixel: 8-bit RGB values for 3-byte-TPIXEL clients, else client pixels. */
  readonly values: Uint32Array;
  /** Client pixel bytes; empty for 3-byte-TPIXEL clients, which never need them. */
  readonly bytes: Uint8Array;
  readonly bpp: 1 | 2 | 4;
  /** Where R, G, B sit in `values` when TPIXELs are 3 bytes. */
  readonly tpixel: TpixelLayout | undefined;
  readonly level: number;
}

class TightRectEncoder implements RectEncoder {
  private readonly streams = [0, 1, 2, 3].map(() => new OwnedZlibStream());
  /** Streams this encoder has not compressed on yet: their first use carries a reset bit. */
  private readonly unused = [true, true, true, true];
  private readonly reader = new ClientPixelReader();
  private readonly rgb = new RgbReader();
  /** RGB of JPEG pieces for clients whose pixels are not RGB. */
  private readonly jpegRgb = new RgbReader();
  private readonly palette = new ColourTable(256);

  constructor(private readonly jpeg: () => JpegEncoder | undefined) {}

  encode(input: EncodeInput): EncodedRect[] | Promise<EncodedRect[]> {
    const { source, rect, translator, settings } = input;
    if (rect.w <= 0 || rect.h <= 0) return [];
    // Everything is read from the source here, before any await.
    const bpp = translator.bytesPerPixel;
    let pixels: { values: Uint32Array; bytes: Uint8Array; tpixel: TpixelLayout | undefined };
    if (tpixelLayout(translator.to) !== undefined) {
      // 3-byte TPIXELs are 8-bit RGB: compare and pack RGB values, no client pixels needed.
      const { values, layout } = this.rgb.read(source, rect);
      pixels = { values, bytes: EMPTY, tpixel: layout };
    } else {
      pixels = { ...this.reader.read(translator, source, rect), tpixel: undefined };
    }
    const { values } = pixels;
    // The spec allows JPEG at 16 and 32 bpp only.
    const codec = bpp !== 1 && jpegWanted(settings) ? this.jpeg() : undefined;
    const pieces = planPieces(values, rect.w, rect.h, { maxColours: bpp === 1 ? 2 : 256, pixelsPerColour: 4, jpeg: codec !== undefined }, this.palette);
    const ctx: Context = { input, ...pixels, bpp, level: zlibLevel(settings) };
    let jpegTurn: Promise<unknown> = Promise.resolve();
    const jobs: Job[] = [];
    for (const piece of pieces) {
      if (piece.kind === 'jpeg' && codec !== undefined) {
        const job = this.jpegPiece(ctx, piece, codec, jpegTurn);
        jpegTurn = job;
        jobs.push(job);
      } else {
        jobs.push(this.losslessPiece(ctx, piece));
      }
    }
    return jobs.some((job) => job instanceof Promise) ? Promise.all(jobs) : (jobs as EncodedRect[]);
  }

  dispose(): void {
    for (const stream of this.streams) stream.dispose();
  }

  private losslessPiece(ctx: Context, piece: Piece): Job {
    const rect = absolute(ctx.input.rect, piece);
    const { values, tpixel, bpp } = ctx;
    const stride = ctx.input.rect.w;
    switch (piece.kind) {
      case 'fill':
        return { rect, encoding: Encoding.TIGHT, body: [Uint8Array.of(TightControl.FILL), this.pixel(ctx, piece.colour)] };
      case 'mono':
        return this.basic(ctx, rect, STREAM_MONO, this.paletteHeader(ctx, [piece.background, piece.foreground]), piece.mask);
      case 'indexed':
        return this.basic(ctx, rect, STREAM_INDEXED, this.paletteHeader(ctx, piece.colours), piece.indices);
      default: {
        const data = tpixel !== undefined
          ? packTpixels(values, stride, piece.x, piece.y, piece.w, piece.h, tpixel)
          : copyRows(ctx.bytes, stride, bpp, piece.x, piece.y, piece.w, piece.h);
        const stream = piece.kind !== 'full' && ctx.level <= STORE_PHOTOS_UP_TO_LEVEL ? STREAM_STORED : STREAM_FULL;
        return this.basic(ctx, rect, stream, Uint8Array.of(stream << 4), data);
      }
    }
  }

  /**
   * A JPEG piece. Codecs run in parallel, but results are taken in order
   * (after `turn`), so a failed one can fall back to stream 3 in the order the
   * client will inflate it.
   */
  private jpegPiece(ctx: Context, piece: Piece, codec: JpegEncoder, turn: Promise<unknown>): Promise<EncodedRect> {
    const rect = absolute(ctx.input.rect, piece);
    const stride = ctx.input.rect.w;
    let rgb: Uint8Array;
    if (ctx.tpixel !== undefined) {
      rgb = packTpixels(ctx.values, stride, piece.x, piece.y, piece.w, piece.h, ctx.tpixel);
    } else {
      const { values, layout } = this.jpegRgb.read(ctx.input.source, rect);
      rgb = packTpixels(values, rect.w, 0, 0, rect.w, rect.h, layout);
    }
    // The lossless stand-in is cut now too: nothing may read the source after an await.
    const fallback = ctx.tpixel !== undefined ? rgb : copyRows(ctx.bytes, stride, ctx.bpp, piece.x, piece.y, piece.w, piece.h);
    const { quality, subsampling } = jpegSettings(ctx.input.settings.qualityLevel ?? 9);
    // Settled at once, so a rejection is never left unhandled while earlier pieces finish.
    const attempt = codec.encode(rgb, rect.w, rect.h, quality, subsampling).then((jpeg) => jpeg, () => undefined);
    return turn.then(async (): Promise<EncodedRect> => {
      const jpeg = await attempt;
      if (jpeg !== undefined && jpeg.length <= TIGHT_MAX_LENGTH) {
        return { rect, encoding: Encoding.TIGHT, body: [Uint8Array.of(TightControl.JPEG), compactLength(jpeg.length), jpeg] };
      }
      return this.basic(ctx, rect, STREAM_STORED, Uint8Array.of(STREAM_STORED << 4), fallback);
    });
  }

  /** Basic compression: `header` (control byte first) then the data, raw when short, else zlib on `stream`. */
  private basic(ctx: Context, rect: Rect, stream: number, header: Uint8Array, data: Uint8Array): Job {
    if (data.length < TIGHT_MIN_TO_COMPRESS) return { rect, encoding: Encoding.TIGHT, body: [header, data] };
    if (this.unused[stream]) {
      header[0] = header[0]! | (1 << stream);
      this.unused[stream] = false;
    }
    return this.streams[stream]!.compress(data, stream === STREAM_STORED ? 0 : ctx.level).then((z) => ({
      rect, encoding: Encoding.TIGHT, body: [header, compactLength(z.length), z],
    }));
  }

  /** Control byte, palette filter, size − 1 and the colours as TPIXELs. */
  private paletteHeader(ctx: Context, colours: ArrayLike<number>): Uint8Array {
    const stream = colours.length === 2 ? STREAM_MONO : STREAM_INDEXED;
    const size = ctx.tpixel !== undefined ? 3 : ctx.bpp;
    const header = new Uint8Array(3 + colours.length * size);
    header[0] = (stream << 4) | TightControl.EXPLICIT_FILTER;
    header[1] = TightFilter.PALETTE;
    header[2] = colours.length - 1;
    for (let i = 0; i < colours.length; i++) header.set(this.pixel(ctx, colours[i]!), 3 + i * size);
    return header;
  }

  /** One TPIXEL. */
  private pixel(ctx: Context, value: number): Uint8Array {
    if (ctx.tpixel !== undefined) return tpixelOf(value, ctx.tpixel);
    const out = new Uint8Array(ctx.bpp);
    writePixel(out, 0, value, ctx.bpp);
    return out;
  }
}

function absolute(rect: Rect, piece: { x: number; y: number; w: number; h: number }): Rect {
  return { x: rect.x + piece.x, y: rect.y + piece.y, w: piece.w, h: piece.h };
}
