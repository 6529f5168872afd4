/**
 * Builds small big-endian messages (headers, control messages). Pixel data is
 * never copied through it: it is written beside the header as its own chunk.
 * One writer per message; nothing is shared between connections.
 */
export class MessageWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(capacity = 64) {
    this.buffer = Buffer.alloc(capacity);
  }

  u8(value: number): this {
    this.ensure(1);
    this.length = this.buffer.writeUInt8(value, this.length);
    return this;
  }

  u16(value: number): this {
    this.ensure(2);
    this.length = this.buffer.writeUInt16BE(value, this.length);
    return this;
  }

  u32(value: number): this {
    this.ensure(4);
    this.length = this.buffer.writeUInt32BE(value, this.length);
    return this;
  }

  s32(value: number): this {
    this.ensure(4);
    this.length = this.buffer.writeInt32BE(value, this.length);
    return this;
  }

  /** Zero bytes, as RFB padding must be. */
  padding(count: number): this {
    this.ensure(count);
    this.buffer.fill(0, this.length, this.length + count);
    this.length += count;
    return this;
  }

  bytes(data: Uint8Array): this {
    this.ensure(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
    return this;
  }

  /** A u32 length then the UTF-8 text: RFB's reason and name strings. */
  string(text: string): this {
    const data = Buffer.from(text, 'utf8');
    return this.u32(data.length).bytes(data);
  }

  finish(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
