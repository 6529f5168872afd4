/**
 * The bytes a channel took from its stream beyond what the current read asked
 * for. It holds at most one stream buffer's worth plus the read in progress,
 * so it needs no limit of its own.
 */
export class ReadAhead {
  private chunks: Buffer[] = [];
  /** Bytes of `chunks[0]` already handed out. */
  private offset = 0;
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Removes and returns the first `length` bytes; the caller checked `length <= this.length`. */
  take(length: number): Buffer {
    if (length > this.total) {
      throw new RangeError(`read-ahead holds ${this.total} bytes, ${length} were taken`);
    }
    const first = this.chunks[0];
    // The common case: the bytes sit in one chunk, so a view is enough.
    if (first !== undefined && first.length - this.offset >= length) {
      const view = first.subarray(this.offset, this.offset + length);
      this.consume(length);
      return view;
    }
    const out = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const chunk = this.chunks[0] as Buffer;
      const n = Math.min(chunk.length - this.offset, length - filled);
      chunk.copy(out, filled, this.offset, this.offset + n);
      filled += n;
      this.consume(n);
    }
    return out;
  }

  /** Empties the queue, returning what it held in order (for putting back into a stream). */
  drain(): Buffer[] {
    const first = this.chunks[0];
    const rest = this.chunks.slice(1);
    const out = first === undefined ? rest : [first.subarray(this.offset), ...rest];
    this.chunks = [];
    this.offset = 0;
    this.total = 0;
    return out;
  }

  private consume(n: number): void {
    this.total -= n;
    this.offset += n;
    const first = this.chunks[0];
    if (first !== undefined && this.offset === first.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}
