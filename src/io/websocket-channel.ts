/**
 * A Channel over an open `ws` WebSocket: binary messages in, in order, become
 * the byte stream the VNC code reads; bytes written go out as binary messages
 * of at most `maxFrame` bytes each. Framing, masking, fragments, ping/pong,
 * close codes and the payload limit are the `ws` package's; this file only
 * adapts its message events to a byte Duplex, with the flow control kept in
 * both directions:
 *
 * - in: when the reader falls behind, the WebSocket is paused (and with it
 *   the socket under it), so TCP slows the sender down;
 * - out: a write counts as queued (`queuedBytes`) until the socket under the
 *   WebSocket has taken its last frame, so a slow viewer shows up as queued
 *   bytes exactly as on a plain socket.
 *
 * A text message ends the connection with close code 1003 (RFB is binary).
 */
import { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import type { Channel, ChannelFacts, WebsocketFacts } from './channel';
import { StreamChannel, type StreamChannelOptions } from './channel-stream';
import { IoError, IoErrorCode } from './errors';

/** The largest binary message we send: big updates are split into messages of this size. */
export const DEFAULT_WEBSOCKET_MAX_FRAME = 64 * 1024;

/** RFC 6455 close codes this file sends. */
const CLOSE_NORMAL = 1000;
const CLOSE_UNSUPPORTED_DATA = 1003;

export interface WebsocketChannelOptions extends StreamChannelOptions {
  /** The largest message sent (default 64 KiB); a write is cut into messages of at most this size. */
  readonly maxFrame?: number;
}

/**
 * Wraps an open WebSocket (the server side of an accepted upgrade) as a
 * Channel. `inner` are the facts of the channel the upgrade came over (TCP or
 * TLS); the result's layers end with 'websocket'. Closing the channel sends a
 * normal close (1000); the peer's close ends the channel's input (IO_EOF).
 */
export function websocketChannel(
  ws: WebSocket,
  inner: ChannelFacts,
  info: WebsocketFacts,
  options: WebsocketChannelOptions = {},
): Channel {
  const maxFrame = options.maxFrame ?? DEFAULT_WEBSOCKET_MAX_FRAME;
  if (!Number.isSafeInteger(maxFrame) || maxFrame < 1) {
    throw new IoError(IoErrorCode.INVALID_OPTION, `websocket maxFrame must be a positive integer, not ${maxFrame}`);
  }
  if (ws.readyState !== WebSocket.OPEN) {
    throw new IoError(IoErrorCode.CLOSED, `cannot make a channel of a websocket that is not open (readyState ${ws.readyState})`);
  }
  const facts: ChannelFacts = { ...inner, kind: 'websocket', layers: [...inner.layers, 'websocket'], websocket: info };
  const streamOptions = options.maxRead === undefined ? {} : { maxRead: options.maxRead };
  return new StreamChannel(new WebsocketStream(ws, maxFrame), facts, streamOptions);
}

/** Cuts the parts of one write into messages of at most `max` bytes; only small parts that share a message are copied. */
export function splitFrames(parts: readonly Uint8Array[], max: number): Buffer[] {
  const frames: Buffer[] = [];
  let group: Uint8Array[] = [];
  let size = 0;
  const seal = (): void => {
    if (size === 0) return;
    const only = group[0];
    frames.push(group.length === 1 && only !== undefined ? toBuffer(only) : Buffer.concat(group, size));
    group = [];
    size = 0;
  };
  for (const part of parts) {
    for (let offset = 0; offset < part.length; ) {
      const take = Math.min(max - size, part.length - offset);
      group.push(part.subarray(offset, offset + take));
      size += take;
      offset += take;
      if (size === max) seal();
    }
  }
  seal();
  return frames;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** The byte Duplex over a WebSocket's binary messages. */
class WebsocketStream extends Duplex {
  private peerClosed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly maxFrame: number,
  ) {
    super({ allowHalfOpen: true });
    ws.on('message', (data: RawData, isBinary: boolean) => this.received(data, isBinary));
    ws.on('close', () => this.wsClosed());
    ws.on('error', (error: Error) => this.wsFailed(error));
  }

  override _read(): void {
    this.ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send([chunk], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.send(
      chunks.map((entry) => entry.chunk),
      callback,
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    // A websocket has no half close: ending our side is closing it.
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(CLOSE_NORMAL);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      // The close frame goes after the frames already handed to ws; ws cuts the
      // socket if the peer does not answer it in time.
      this.ws.close(CLOSE_NORMAL);
    }
    callback(error);
  }

  private send(parts: readonly Buffer[], callback: (error?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) {
      // The peer is gone or going: as on a socket that closed, the bytes are dropped.
      callback();
      return;
    }
    const frames = splitFrames(parts, this.maxFrame);
    const last = frames.length - 1;
    frames.forEach((frame, i) => {
      const done =
        i < last
          ? undefined
          : (error?: Error): void => {
              if (error === undefined || error === null) callback();
              else callback(new IoError(IoErrorCode.RESET, `the websocket peer went away while we were sending: ${error.message}`, { cause: error }));
            };
      this.ws.send(frame, { binary: true, compress: false, fin: true }, done);
    });
    if (frames.length === 0) callback();
  }

  private received(data: RawData, isBinary: boolean): void {
    if (this.destroyed || this.peerClosed) return;
    if (!isBinary) {
      this.ws.close(CLOSE_UNSUPPORTED_DATA, 'binary messages only');
      this.destroy(
        new IoError(
          IoErrorCode.WEBSOCKET_PROTOCOL,
          'the websocket peer sent a text message; the stream is carried in binary messages only (closed with 1003)',
        ),
      );
      return;
    }
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (bytes.length > 0 && !this.push(bytes)) this.ws.pause();
  }

  private wsClosed(): void {
    if (this.peerClosed) return;
    this.peerClosed = true;
    if (this.destroyed) return;
    // The end of the input first (a pending read fails with IO_EOF), then the channel closes.
    this.push(null);
    setImmediate(() => this.destroy());
  }

  private wsFailed(error: Error): void {
    if (this.destroyed) return;
    const code = (error as NodeJS.ErrnoException).code;
    const message = `websocket protocol error from the peer: ${error.message}${code === undefined ? '' : ` (${code})`}`;
    this.destroy(new IoError(IoErrorCode.WEBSOCKET_PROTOCOL, message, { cause: error }));
  }
}
