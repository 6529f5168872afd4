import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Channel, ChannelEvents, ChannelFacts } from './channel';
import { IoError, IoErrorCode } from './errors';
import { ReadAhead } from './read-ahead';

/** Big enough for any single RFB message part we read at once (a cursor, a cut text). */
export const DEFAULT_MAX_READ = 4 * 1024 * 1024;

export interface StreamChannelOptions {
  /** The largest `read` allowed; default 4 MiB. */
  readonly maxRead?: number;
}

interface PendingRead {
  readonly length: number;
  readonly resolve: (bytes: Buffer) => void;
  readonly reject: (error: Error) => void;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface FlushWaiter extends Waiter {
  /** The last write that must be handed over first. */
  readonly seq: number;
}

type State = 'open' | 'closed' | 'detached';

/**
 * The one Channel implementation over any byte Duplex: a TCP or UNIX socket,
 * an in-memory pair, a TLSSocket, a websocket stream. Only the facts differ.
 *
 * Reading uses paused mode: bytes leave the stream only while a read is
 * pending, so the stream's highWaterMark (and under it TCP flow control)
 * bounds what a fast sender can make us hold.
 */
export class StreamChannel extends EventEmitter<ChannelEvents> implements Channel {
  readonly facts: ChannelFacts;
  readonly maxRead: number;

  private readonly stream: Duplex;
  private state: State = 'open';
  /** Why the channel is no longer open, for messages. */
  private closedBecause = '';
  private eof = false;
  private readonly ahead = new ReadAhead();
  private pending: PendingRead | undefined;
  private pulling = false;
  /** Writes are numbered so a flush waits for those before it only, not for later ones. */
  private writeSeq = 0;
  private delivered = 0;
  private accepted = 0;
  private doneSeq = 0;
  private flushes: FlushWaiter[] = [];
  private ending: Waiter | undefined;
  private shutdownPromise: Promise<void> | undefined;

  // Bound once so that detach() removes exactly these listeners and no others.
  private readonly onReadable = (): void => this.pull();
  private readonly onEnd = (): void => this.peerEnded();
  private readonly onError = (error: Error): void => this.streamClosed(error);
  private readonly onClose = (): void => this.streamClosed(this.stream.errored ?? undefined);

  constructor(stream: Duplex, facts: ChannelFacts, options: StreamChannelOptions = {}) {
    super();
    const maxRead = options.maxRead ?? DEFAULT_MAX_READ;
    if (!Number.isSafeInteger(maxRead) || maxRead < 1) {
      throw new RangeError(`maxRead must be a positive integer, not ${maxRead}`);
    }
    if (stream.readableObjectMode || stream.writableObjectMode || stream.readableEncoding !== null) {
      throw new TypeError('a channel needs a byte stream: no object mode, no string encoding');
    }
    this.stream = stream;
    this.facts = facts;
    this.maxRead = maxRead;
    stream.on('readable', this.onReadable);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
    this.eof = stream.readableEnded;
    if (stream.destroyed) {
      // Its 'close' may be gone already; tell listeners once they can be attached.
      this.state = 'closed';
      this.closedBecause = 'the stream was already destroyed';
      const error = stream.errored ?? undefined;
      process.nextTick(() => this.emitClose(error));
    }
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get queuedBytes(): number {
    return this.state === 'open' ? this.stream.writableLength : 0;
  }

  get bytesRead(): number {
    return this.delivered;
  }

  get bytesWritten(): number {
    return this.accepted;
  }

  read(length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(length) || length < 0) {
      return Promise.reject(new RangeError(`read length must be a non-negative integer, not ${length}`));
    }
    if (this.pending !== undefined) {
      const busy = `cannot read ${length} bytes: a read of ${this.pending.length} bytes is still pending`;
      return Promise.reject(new IoError(IoErrorCode.READ_BUSY, busy));
    }
    if (length > this.maxRead) {
      const big = `cannot read ${length} bytes: the limit is ${this.maxRead}`;
      return Promise.reject(new IoError(IoErrorCode.READ_TOO_LARGE, big));
    }
    if (this.state !== 'open') {
      return Promise.reject(this.closedError(`cannot read ${length} bytes`));
    }
    if (this.ahead.length >= length) return Promise.resolve(this.deliver(length));
    if (this.eof) return Promise.reject(this.eofError(length));
    return new Promise<Buffer>((resolve, reject) => {
      this.pending = { length, resolve, reject };
      this.pull();
    });
  }

  write(...chunks: Uint8Array[]): void {
    // Also dropped once the stream stopped taking writes by itself (a socket without
    // allowHalfOpen ends when the peer does): the peer is gone or going either way.
    if (this.state !== 'open' || this.shutdownPromise !== undefined || !this.stream.writable) return;
    const parts = chunks.filter((chunk) => chunk.length > 0);
    const last = parts.length - 1;
    if (last < 0) return;
    const seq = ++this.writeSeq;
    for (const part of parts) this.accepted += part.length;
    // Corked, the parts leave together (one writev for a socket, one TLS record batch).
    this.stream.cork();
    try {
      parts.forEach((part, i) => {
        if (i < last) this.stream.write(part);
        else this.stream.write(part, (error) => this.written(seq, error));
      });
    } finally {
      this.stream.uncork();
    }
  }

  flush(): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.closedError('cannot flush'));
    if (this.doneSeq === this.writeSeq) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.flushes.push({ seq: this.writeSeq, resolve, reject });
    });
  }

  shutdown(): Promise<void> {
    if (this.shutdownPromise !== undefined) return this.shutdownPromise;
    if (this.state !== 'open') return Promise.reject(this.closedError('cannot shut down'));
    this.shutdownPromise = new Promise<void>((resolve, reject) => {
      this.ending = { resolve, reject };
      // An error here also reaches 'error', which closes the channel and rejects.
      this.stream.end((error?: Error | null) => {
        if (error == null) this.settleEnding();
      });
    });
    return this.shutdownPromise;
  }

  close(error?: Error): void {
    if (this.state !== 'open') return;
    this.finish(error === undefined ? 'the channel was closed' : `the channel was closed: ${error.message}`, error);
    this.stream.destroy();
  }

  detach(): Duplex {
    if (this.pending !== undefined) {
      throw new IoError(IoErrorCode.READ_BUSY, `cannot detach while a read of ${this.pending.length} bytes is pending`);
    }
    if (this.state !== 'open') throw this.closedError('cannot detach');
    if (this.eof) {
      // 'end' was emitted already: a wrapper would never see it, nor could the bytes go back.
      throw new IoError(IoErrorCode.EOF, 'cannot detach: the peer has already closed its side');
    }
    this.state = 'detached';
    this.closedBecause = 'the channel was handed to a wrapper';
    const stream = this.stream;
    stream.off('readable', this.onReadable);
    stream.off('end', this.onEnd);
    stream.off('error', this.onError);
    stream.off('close', this.onClose);
    const chunks = this.ahead.drain();
    // unshift() puts each chunk in front, so go backwards to keep the order.
    for (let i = chunks.length - 1; i >= 0; i--) stream.unshift(chunks[i]);
    // The bytes still go out through the stream, but this channel can no longer tell when.
    this.rejectWaiters(this.closedError('cannot wait for the queued bytes'));
    return stream;
  }

  /** Takes bytes from the stream while a read needs them, and completes it. */
  private pull(): void {
    const pending = this.pending;
    if (pending === undefined || this.pulling) return;
    this.pulling = true;
    try {
      while (this.ahead.length < pending.length) {
        const chunk: unknown = this.stream.read();
        if (chunk === null) break; // more will come with the next 'readable' (or 'end')
        this.ahead.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
      }
    } finally {
      this.pulling = false;
    }
    if (this.pending === pending && this.ahead.length >= pending.length) {
      this.pending = undefined;
      pending.resolve(this.deliver(pending.length));
    }
  }

  private peerEnded(): void {
    this.eof = true;
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    pending.reject(this.eofError(pending.length));
  }

  private written(seq: number, error: Error | null | undefined): void {
    // A failed write also closes the stream; finish() rejects the waiters then.
    if (error != null) return;
    this.doneSeq = seq;
    const ready = this.flushes.filter((waiter) => waiter.seq <= seq);
    if (ready.length === 0) return;
    this.flushes = this.flushes.filter((waiter) => waiter.seq > seq);
    for (const waiter of ready) waiter.resolve();
  }

  private settleEnding(): void {
    const ending = this.ending;
    this.ending = undefined;
    ending?.resolve();
  }

  private streamClosed(error: Error | undefined): void {
    if (this.state !== 'open') return;
    const why = error === undefined ? 'the connection was closed' : `the connection failed: ${error.message}`;
    this.finish(why, error);
    // An 'error' alone does not always destroy (autoDestroy off); make sure it is.
    this.stream.destroy();
  }

  private finish(why: string, error: Error | undefined): void {
    this.state = 'closed';
    this.closedBecause = why;
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined) {
      pending.reject(this.closedError(`cannot read ${pending.length} bytes (${this.ahead.length} had arrived)`, error));
    }
    this.rejectWaiters(this.closedError('queued bytes were not sent', error));
    this.emitClose(error);
  }

  private rejectWaiters(error: IoError): void {
    const waiters = this.flushes;
    this.flushes = [];
    for (const waiter of waiters) waiter.reject(error);
    const ending = this.ending;
    this.ending = undefined;
    ending?.reject(error);
  }

  private emitClose(error: Error | undefined): void {
    if (error === undefined) this.emit('close');
    else this.emit('close', error);
  }

  private closedError(what: string, cause?: Error): IoError {
    const message = `${what}: ${this.closedBecause}`;
    return cause === undefined
      ? new IoError(IoErrorCode.CLOSED, message)
      : new IoError(IoErrorCode.CLOSED, message, { cause });
  }

  private deliver(length: number): Buffer {
    this.delivered += length;
    return this.ahead.take(length);
  }

  private eofError(wanted: number): IoError {
    return new IoError(
      IoErrorCode.EOF,
      `peer closed the connection after ${this.ahead.length} of ${wanted} bytes`,
    );
  }
}
