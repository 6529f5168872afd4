import { constants, createDeflate, type Deflate } from 'node:zlib';

/**
 * One persistent zlib stream, as RFB's zlib-based encodings need: the client
 * inflates everything the server ever sent on it as a single stream, so the
 * dictionary carries across rectangles and updates. Each `compress` ends with a
 * sync flush, so the client can decode the rectangle without waiting for more.
 * Runs on Node's native zlib (in the libuv thread pool, off the main thread).
 */
export class ZlibStream {
  private readonly deflate: Deflate;
  private level: number;
  /** Calls run one after another: output must come out in input order. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(level: number) {
    this.level = level;
    this.deflate = createDeflate({ level });
    this.deflate.on('error', () => undefined); // surfaced through the pending compress instead
  }

  /** The compressed bytes for `data`, flushed so they decode on their own (given what came before). */
  compress(data: Uint8Array, level: number = this.level): Promise<Buffer> {
    const run = this.queue.then(() => this.run(data, level));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Frees zlib's memory; later calls fail. */
  close(): void {
    this.closed = true;
    this.deflate.close();
  }

  private async run(data: Uint8Array, level: number): Promise<Buffer> {
    if (this.closed) throw new Error('zlib stream closed');
    if (level !== this.level) {
      // Changing the level mid-stream is allowed by zlib; the client notices nothing.
      await new Promise<void>((resolve) => this.deflate.params(level, constants.Z_DEFAULT_STRATEGY, () => resolve()));
      this.level = level;
    }
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const onData = (chunk: Buffer): void => {
        chunks.push(chunk);
      };
      const onError = (error: Error): void => {
        this.deflate.off('data', onData);
        reject(error);
      };
      this.deflate.on('data', onData);
      this.deflate.once('error', onError);
      if (data.length > 0) this.deflate.write(data);
      this.deflate.flush(constants.Z_SYNC_FLUSH, () => {
        this.deflate.off('data', onData);
        this.deflate.off('error', onError);
        resolve(Buffer.concat(chunks));
      });
    });
  }
}
