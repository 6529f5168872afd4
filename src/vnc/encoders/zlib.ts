import { Encoding } from '../protocol/constants';
import type { EncodedRect, EncodeInput, EncoderFactory, EncodeSettings, RectEncoder } from './encoder';
import { ZlibStream } from './zlib-stream';

/** zlib's usual trade-off; what the zlib-based encodings use when the client names no level. */
export const DEFAULT_COMPRESS_LEVEL = 6;

/** The zlib level for `settings`: the client's CompressLevel (clamped to 0..9), else `fallback`. */
export function zlibLevel(settings: EncodeSettings, fallback = DEFAULT_COMPRESS_LEVEL): number {
  const level = settings.compressLevel;
  if (level === undefined || !Number.isFinite(level)) return fallback;
  return Math.min(9, Math.max(0, Math.trunc(level)));
}

/** The 4-byte big-endian length that precedes the zlib data in Zlib and ZRLE rectangles. */
export function lengthPrefix(length: number): Uint8Array {
  const head = new Uint8Array(4);
  new DataView(head.buffer).setUint32(0, length);
  return head;
}

/**
 * A persistent zlib stream owned by one client's encoder: created on first use
 * (a client that never gets this encoding costs no zlib memory) and closed for
 * good by dispose().
 */
export class OwnedZlibStream {
  private stream: ZlibStream | undefined;
  private disposed = false;

  compress(data: Uint8Array, level: number): Promise<Buffer> {
    if (this.disposed) return Promise.reject(new Error('zlib stream closed: the encoder was disposed'));
    this.stream ??= new ZlibStream(level);
    return this.stream.compress(data, level);
  }

  dispose(): void {
    this.disposed = true;
    this.stream?.close();
    this.stream = undefined;
  }
}

/** Zlib (6): the Raw pixels in the client's format, through one zlib stream per client. */
class ZlibRectEncoder implements RectEncoder {
  private readonly stream = new OwnedZlibStream();
  /** Reused between rectangles: zlib has consumed it once `compress` resolves. */
  private scratch = new Uint8Array(0);
  private busy = false;

  async encode({ source, rect, translator, settings }: EncodeInput): Promise<EncodedRect[]> {
    const n = rect.w * rect.h * translator.bytesPerPixel;
    // A call overlapping another (against the contract) must not overwrite bytes zlib still reads.
    if (this.busy) return this.send(rect, translator.translate(source, rect), zlibLevel(settings));
    if (this.scratch.length < n) this.scratch = new Uint8Array(n);
    this.busy = true;
    try {
      // Reads the source now, before the first await.
      return await this.send(rect, translator.translate(source, rect, this.scratch, 0), zlibLevel(settings));
    } finally {
      this.busy = false;
    }
  }

  private async send(rect: EncodeInput['rect'], pixels: Uint8Array, level: number): Promise<EncodedRect[]> {
    const data = await this.stream.compress(pixels, level);
    return [{ rect, encoding: Encoding.ZLIB, body: [lengthPrefix(data.length), data] }];
  }

  dispose(): void {
    this.stream.dispose();
    this.scratch = new Uint8Array(0);
  }
}

export const zlibEncoder: EncoderFactory = {
  encoding: Encoding.ZLIB,
  name: 'zlib',
  create: () => new ZlibRectEncoder(),
};
