import type { Duplex } from 'node:stream';
import type { SocketAddress } from './address';

/** The layers a channel can be made of, innermost first in `ChannelFacts.layers`. */
export type ChannelLayer = 'tcp' | 'unix' | 'memory' | 'tls' | 'websocket';

/** Filled in by the TLS wrapper once its handshake is done. */
export interface TlsFacts {
  readonly protocol: string;
  readonly cipher: string;
  /** The peer certificate's subject in RFC 4514 order, when the peer sent one. */
  readonly peerDn?: string;
}

/** Filled in by the websocket wrapper once its upgrade is done. */
export interface WebsocketFacts {
  readonly path: string;
  readonly origin?: string;
  readonly subprotocol?: string;
}

/** What the layers below know about a connection; wrappers extend their inner channel's facts. */
export interface ChannelFacts {
  /** The outermost layer. */
  readonly kind: ChannelLayer;
  /** Every layer, innermost first, e.g. `['tcp', 'tls', 'websocket']`. */
  readonly layers: readonly ChannelLayer[];
  readonly local?: SocketAddress;
  readonly peer?: SocketAddress;
  readonly tls?: TlsFacts;
  readonly websocket?: WebsocketFacts;
}

export interface ChannelEvents {
  /** Once, when the channel is closed for any reason; `error` is set when an error closed it. */
  close: [error?: Error];
}

/**
 * A bidirectional byte stream as the VNC code sees it, whatever carries it
 * (TCP, UNIX, TLS, websocket, an in-memory pair). It never asks which kind it has.
 *
 * Reading is pull-based: bytes are taken from the transport only as reads need
 * them, so a client that sends faster than the server reads is slowed by the
 * transport's own flow control instead of growing a buffer here.
 */
export interface Channel {
  readonly facts: ChannelFacts;
  /** True until the channel is closed or detached. */
  readonly isOpen: boolean;
  /** Bytes written but not yet handed to the transport: the throttling signal for slow peers. */
  readonly queuedBytes: number;
  /** Bytes handed to readers and bytes accepted for writing so far, for statistics. */
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /** The largest `read` allowed, fixed at creation. */
  readonly maxRead: number;

  /**
   * Resolves with exactly `length` bytes. One read may be pending at a time.
   * Rejects with IoError `IO_EOF` if the peer ends first, `IO_CLOSED` if the
   * channel closes, `IO_READ_TOO_LARGE` above `maxRead`, `IO_READ_BUSY` if
   * another read is pending. The bytes are the caller's to keep (often a view
   * of a larger received chunk; the channel never changes them). A failed read
   * consumes nothing.
   */
  read(length: number): Promise<Buffer>;
  /**
   * Queues buffers to send, in order and together. The chunks are not copied: do not change
   * them until `flush()` resolves. Writes after `close()` or `shutdown()` are dropped: the
   * peer may go at any time.
   */
  write(...chunks: Uint8Array[]): void;
  /** Resolves when every queued byte has been handed to the transport; rejects if the channel closes first. */
  flush(): Promise<void>;
  /** Ends the sending side after the queued bytes (half close); reading goes on. */
  shutdown(): Promise<void>;
  /** Closes both directions at once, dropping queued bytes. Idempotent. */
  close(error?: Error): void;
  /**
   * Hands the underlying stream to a wrapper (TLS, websocket) with every byte
   * this channel had read ahead put back in front of it. The channel is
   * unusable afterwards (no 'close' is emitted, the stream stays open); the
   * wrapper's channel takes its place. Throws IoError `IO_READ_BUSY` while a
   * read is pending, `IO_EOF` once the stream has reported the peer's end (a
   * wrapper would never see that end again), `IO_CLOSED` when already closed.
   * The wrapper must attach its own 'error' listener at once.
   */
  detach(): Duplex;

  on<E extends keyof ChannelEvents>(event: E, listener: (...args: ChannelEvents[E]) => void): this;
  once<E extends keyof ChannelEvents>(event: E, listener: (...args: ChannelEvents[E]) => void): this;
  off<E extends keyof ChannelEvents>(event: E, listener: (...args: ChannelEvents[E]) => void): this;
}
