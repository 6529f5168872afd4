import type { Rect } from '../framebuffer/rect';
import type { PixelSource, Translator } from '../framebuffer/translate';

/** What the client asked for with pseudo-encodings, and what the server allows. */
export interface EncodeSettings {
  /** 0 (fast) to 9 (small), from the CompressLevel pseudo-encodings; undefined when the client sent none. */
  readonly compressLevel?: number;
  /** 0 (small) to 9 (best), from the JPEG QualityLevel pseudo-encodings; undefined means no JPEG. */
  readonly qualityLevel?: number;
  /** The server allows lossy output (JPEG); off by default, as in QEMU. */
  readonly lossy: boolean;
}

export interface EncodeInput {
  /**
   * The pixels to read (the server's copy of the display), in the display's
   * native format. Read them before the first `await`: the copy may change after.
   */
  readonly source: PixelSource;
  readonly rect: Rect;
  /** Native format to the client's format, built once per SetPixelFormat. */
  readonly translator: Translator;
  readonly settings: EncodeSettings;
}

/** One rectangle of a FramebufferUpdate: its header fields and the bytes after the header. */
export interface EncodedRect {
  readonly rect: Rect;
  readonly encoding: number;
  readonly body: readonly Uint8Array[];
}

/**
 * One client's encoder for one encoding. Encoding is pure computation (no I/O),
 * so it can be benchmarked alone or moved to a worker; state that must persist
 * between updates (zlib streams) lives in the encoder object, one per client.
 * An encoder may split a rectangle into several.
 */
export interface RectEncoder {
  /** Asynchronous where compression runs on zlib's thread pool; one call at a time per encoder. */
  encode(input: EncodeInput): EncodedRect[] | Promise<EncodedRect[]>;
  /** Releases what the state holds (zlib streams) when the client goes. */
  dispose?(): void;
}

export interface EncoderFactory {
  readonly encoding: number;
  readonly name: string;
  create(): RectEncoder;
}
