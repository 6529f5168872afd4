import { Duplex } from 'node:stream';
import type { Channel } from './channel';
import { StreamChannel, type StreamChannelOptions } from './channel-stream';
import { IoError, IoErrorCode } from './errors';

export interface PairOptions {
  /** Each side's read buffer; a write is acknowledged only while the peer's is below it. Default 16 KiB. */
  readonly highWaterMark?: number;
  /** The names in the two sides' addresses (`memory:a`, `memory:b`). */
  readonly names?: readonly [string, string];
}

export interface ChannelPairOptions extends PairOptions, StreamChannelOptions {}

/**
 * One end of an in-memory connection that behaves like TCP where it matters
 * for tests: writes wait for the peer's reader (so `writableLength` grows when
 * the peer does not read), end() is the peer's EOF after every byte sent, and
 * destroy() is like closing a socket: the peer reads what had arrived, then
 * EOF, and its writes from then on fail with IO_RESET.
 */
class PairEnd extends Duplex {
  peer: PairEnd | undefined;
  /** The acknowledgement of our last write, held until the peer's reader wants more. */
  private heldAck: ((error?: Error) => void) | undefined;
  private peerGone = false;

  constructor(
    readonly label: string,
    highWaterMark: number,
  ) {
    super({ allowHalfOpen: true, highWaterMark });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error) => void): void {
    const peer = this.peer;
    if (peer === undefined || this.peerGone) {
      callback(this.resetError());
      return;
    }
    // Copy, as a kernel does: after the ack the writer may reuse its buffer.
    if (peer.push(Buffer.from(chunk))) callback();
    else this.heldAck = callback;
  }

  /** Our reader wants more: let the peer's held write complete. */
  override _read(): void {
    this.peer?.releaseAck();
  }

  override _final(callback: (error?: Error) => void): void {
    if (!this.peerGone) this.peer?.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.heldAck = undefined;
    this.peer?.peerDestroyed();
    callback(error);
  }

  private releaseAck(): void {
    const ack = this.heldAck;
    this.heldAck = undefined;
    ack?.();
  }

  private peerDestroyed(): void {
    this.peerGone = true;
    // What had arrived stays readable, then EOF, as after a FIN.
    this.push(null);
    const ack = this.heldAck;
    this.heldAck = undefined;
    ack?.(this.resetError());
  }

  private resetError(): IoError {
    const peer = this.peer?.label ?? '?';
    const message = `memory:${peer} closed the connection while memory:${this.label} was sending`;
    return new IoError(IoErrorCode.RESET, message);
  }
}

/** Two connected in-memory byte streams, for tests and for wrappers' tests. */
export function createDuplexPair(options: PairOptions = {}): [Duplex, Duplex] {
  const highWaterMark = options.highWaterMark ?? 16 * 1024;
  if (!Number.isSafeInteger(highWaterMark) || highWaterMark < 1) {
    throw new RangeError(`highWaterMark must be a positive integer, not ${highWaterMark}`);
  }
  const [nameA, nameB] = options.names ?? ['a', 'b'];
  const a = new PairEnd(nameA, highWaterMark);
  const b = new PairEnd(nameB, highWaterMark);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Two connected channels in memory: the test transport for everything above src/io. */
export function createChannelPair(options: ChannelPairOptions = {}): [Channel, Channel] {
  const [a, b] = createDuplexPair(options);
  const [nameA, nameB] = options.names ?? ['a', 'b'];
  const addressA = { family: 'memory', name: nameA } as const;
  const addressB = { family: 'memory', name: nameB } as const;
  const channelOptions: StreamChannelOptions = options.maxRead === undefined ? {} : { maxRead: options.maxRead };
  return [
    new StreamChannel(a, { kind: 'memory', layers: ['memory'], local: addressA, peer: addressB }, channelOptions),
    new StreamChannel(b, { kind: 'memory', layers: ['memory'], local: addressB, peer: addressA }, channelOptions),
  ];
}
