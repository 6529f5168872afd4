/**
 * Optional JPEG compression for Tight and TightPNG. The codec is an optional
 * package (sharp, libjpeg-turbo/mozjpeg through libvips), loaded on first need:
 * without it the encoders stay lossless and never fail.
 */

export type ChromaSubsampling = '4:2:0' | '4:2:2' | '4:4:4';

/** What Tight needs from a JPEG codec. */
export interface JpegEncoder {
  readonly name: string;
  /** A JFIF image of `rgb` (3 bytes per pixel, R G B, rows packed). */
  encode(rgb: Uint8Array, width: number, height: number, quality: number, subsampling: ChromaSubsampling): Promise<Uint8Array>;
}

/** Finds a JPEG codec; undefined when none is installed. Called at most once per encoder factory. */
export type JpegLoader = () => JpegEncoder | undefined;

export interface JpegSettings {
  readonly quality: number;
  readonly subsampling: ChromaSubsampling;
}

/**
 * RFB quality levels 0..9 as JPEG quality and chroma subsampling: TigerVNC's
 * table (measured by the VirtualGL project; 9 is near-lossless, 6 is noVNC's default).
 */
export const JPEG_QUALITY_LEVELS: readonly JpegSettings[] = Object.freeze([
  { quality: 15, subsampling: '4:2:0' },
  { quality: 29, subsampling: '4:2:0' },
  { quality: 41, subsampling: '4:2:0' },
  { quality: 42, subsampling: '4:2:2' },
  { quality: 62, subsampling: '4:2:2' },
  { quality: 77, subsampling: '4:2:2' },
  { quality: 79, subsampling: '4:4:4' },
  { quality: 86, subsampling: '4:4:4' },
  { quality: 92, subsampling: '4:4:4' },
  { quality: 100, subsampling: '4:4:4' },
]);

/** The JPEG settings for an RFB quality level (clamped to 0..9). */
export function jpegSettings(qualityLevel: number): JpegSettings {
  const level = qualityLevel >= 9 ? 9 : qualityLevel <= 0 ? 0 : Math.trunc(qualityLevel);
  return JPEG_QUALITY_LEVELS[level] ?? JPEG_QUALITY_LEVELS[9]!;
}

/** The slice of sharp's API used here, so sharp's types are not needed to build. */
type SharpFactory = (
  input: Uint8Array,
  options: { raw: { width: number; height: number; channels: 3 } },
) => {
  jpeg(options: { quality: number; chromaSubsampling: string; optimiseCoding: boolean }): { toBuffer(): Promise<Buffer> };
};

/** A JPEG encoder on an already loaded sharp module. */
export function sharpJpegEncoder(sharp: SharpFactory): JpegEncoder {
  return {
    name: 'sharp',
    encode: (rgb, width, height, quality, subsampling) =>
      sharp(rgb, { raw: { width, height, channels: 3 } })
        // sharp offers 4:2:0 and 4:4:4 only. Huffman optimisation costs 3x the time for ~7 % fewer bytes.
        .jpeg({ quality, chromaSubsampling: subsampling === '4:4:4' ? '4:4:4' : '4:2:0', optimiseCoding: false })
        .toBuffer(),
  };
}

/**
 * sharp when it is installed, else undefined. The first call blocks for the
 * module load (~0.2 s); a server may call it at start-up to pay that early.
 */
export const loadSharpJpeg: JpegLoader = () => {
  let loaded: unknown;
  try {
    // Optional dependency: resolved at run time, absent in lossless-only installs.
    loaded = require('sharp');
  } catch {
    return undefined;
  }
  return typeof loaded === 'function' ? sharpJpegEncoder(loaded as SharpFactory) : undefined;
};

/** A loader that finds nothing: forces lossless Tight (tests, or servers that never want JPEG). */
export const noJpeg: JpegLoader = () => undefined;

/** `loader` called on first use only, its answer (even "none") kept. */
export function lazyJpeg(loader: JpegLoader): () => JpegEncoder | undefined {
  let tried = false;
  let codec: JpegEncoder | undefined;
  return () => {
    if (!tried) {
      tried = true;
      codec = loader();
    }
    return codec;
  };
}

/** JPEG may be used: the client sent a quality level and the server allows lossy output. */
export function jpegWanted(settings: { readonly qualityLevel?: number; readonly lossy: boolean }): boolean {
  return settings.lossy && settings.qualityLevel !== undefined;
}
