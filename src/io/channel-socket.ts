import * as net from 'node:net';
import type { ListenAddress, SocketAddress } from './address';
import { formatListenAddress } from './address';
import type { Channel, ChannelFacts } from './channel';
import { StreamChannel, type StreamChannelOptions } from './channel-stream';
import { IoError, IoErrorCode } from './errors';

export interface SocketChannelOptions extends StreamChannelOptions {
  /**
   * The socket is a UNIX socket at this path (the listening path on a server,
   * the connected path on a client). Node cannot tell a UNIX socket's path.
   */
  readonly unixPath?: string;
  /** With `unixPath`: true when this side listened on it (then it is `local`, else `peer`). */
  readonly unixListening?: boolean;
}

export interface ConnectOptions extends StreamChannelOptions {
  readonly signal?: AbortSignal;
}

/** A connected TCP or UNIX socket as a Channel. */
export function socketChannel(socket: net.Socket, options: SocketChannelOptions = {}): Channel {
  const channelOptions: StreamChannelOptions = options.maxRead === undefined ? {} : { maxRead: options.maxRead };
  return new StreamChannel(socket, socketFacts(socket, options), channelOptions);
}

function socketFacts(socket: net.Socket, options: SocketChannelOptions): ChannelFacts {
  if (options.unixPath !== undefined) {
    const address: SocketAddress = { family: 'unix', path: options.unixPath };
    // The other end of a UNIX socket is usually unnamed, so it has no address.
    return options.unixListening === false
      ? { kind: 'unix', layers: ['unix'], peer: address }
      : { kind: 'unix', layers: ['unix'], local: address };
  }
  // RFB sends many small messages that must not wait for Nagle's algorithm.
  socket.setNoDelay(true);
  const local = inetAddress(socket.localAddress, socket.localPort);
  const peer = inetAddress(socket.remoteAddress, socket.remotePort);
  return {
    kind: 'tcp',
    layers: ['tcp'],
    ...(local === undefined ? {} : { local }),
    ...(peer === undefined ? {} : { peer }),
  };
}

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** The address as a person expects it in logs: an IPv4 peer on a dual-stack socket is plain IPv4. */
export function inetAddress(host: string | undefined, port: number | undefined): SocketAddress | undefined {
  if (host === undefined || port === undefined) return undefined;
  const mapped = MAPPED_IPV4.exec(host)?.[1];
  if (mapped !== undefined) return { family: 'ipv4', host: mapped, port };
  return { family: net.isIPv6(host) ? 'ipv6' : 'ipv4', host, port };
}

/**
 * Connects to a TCP host and port or a UNIX path (clients, tests, the TLS client endpoint).
 * `signal` only bounds the connecting: once connected, the channel is the caller's to close.
 */
export function connectChannel(address: ListenAddress, options: ConnectOptions = {}): Promise<Channel> {
  const where = formatListenAddress(address);
  const { signal } = options;
  if (signal?.aborted === true) {
    return Promise.reject(new IoError(IoErrorCode.ABORTED, `connecting to ${where} was aborted`));
  }
  return new Promise<Channel>((resolve, reject) => {
    const socket =
      'path' in address
        ? net.connect({ allowHalfOpen: true, path: address.path })
        : net.connect({ allowHalfOpen: true, host: address.host, port: address.port });
    const settle = (): void => {
      socket.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onError = (error: Error): void => {
      settle();
      socket.destroy();
      reject(new IoError(IoErrorCode.CONNECT_FAILED, `cannot connect to ${where}: ${error.message}`, { cause: error }));
    };
    const onAbort = (): void => {
      settle();
      socket.destroy();
      reject(new IoError(IoErrorCode.ABORTED, `connecting to ${where} was aborted`, { cause: signal?.reason }));
    };
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      settle();
      const unix = 'path' in address ? { unixPath: address.path, unixListening: false } : {};
      const limit = options.maxRead === undefined ? {} : { maxRead: options.maxRead };
      resolve(socketChannel(socket, { ...unix, ...limit }));
    });
  });
}
