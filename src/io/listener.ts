import { errorMessage } from '../errors';
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { formatAddress, type ListenAddress, type SocketAddress } from './address';
import type { Channel } from './channel';
import { socketChannel, type SocketChannelOptions } from './channel-socket';
import { IoError, IoErrorCode } from './errors';
import { describeTarget, resolveTargets, type BindTarget } from './listen-targets';
import { removeSocketFile, removeStaleSocket } from './unix-path';

export interface ListenerEvents {
  /** A client connected. Nobody listening for it means the channel is closed at once. */
  channel: [channel: Channel];
  /** A listening socket failed after setup (IO_ACCEPT_FAILED); emitted only if someone listens. */
  error: [error: IoError];
}

export interface ListenOptions {
  /** Aborting closes the listener (or makes `listen` reject with IO_ABORTED). */
  readonly signal?: AbortSignal;
  readonly backlog?: number;
  /** Passed to every accepted channel. */
  readonly maxRead?: number;
}

/** How often to start over when the port picked for port 0 is taken on another address. */
const PORT_ATTEMPTS = 5;
/** Connections accepted while other addresses are still being bound wait here; more are refused. */
const MAX_EARLY = 64;

interface Bound {
  readonly server: net.Server;
  readonly target: BindTarget;
  readonly address: SocketAddress;
}

/** The port picked for port 0 on one address was in use on another: start over. */
class PortTaken extends Error {
  constructor(readonly failure: IoError) {
    super(failure.message);
  }
}

/** Accepts connections on several addresses at once (IPv4, IPv6, UNIX) and hands them out as channels. */
export class Listener extends EventEmitter<ListenerEvents> {
  private bound: Bound[] = [];
  private boundAddresses: readonly SocketAddress[] = [];
  private ready = false;
  private closing: Promise<void> | undefined;
  private early: Channel[] = [];
  private stopAbortWatch: () => void = () => undefined;

  private constructor(private readonly options: ListenOptions) {
    super();
  }

  /** Where it listens, with the real ports. */
  get addresses(): readonly SocketAddress[] {
    return this.boundAddresses;
  }

  static async listen(addresses: readonly ListenAddress[], options: ListenOptions = {}): Promise<Listener> {
    const { signal } = options;
    if (signal?.aborted === true) throw abortedError();
    const targets = await resolveTargets(addresses);
    const listener = new Listener(options);
    if (signal !== undefined) {
      const onAbort = (): void => void listener.close();
      signal.addEventListener('abort', onAbort, { once: true });
      listener.stopAbortWatch = () => signal.removeEventListener('abort', onAbort);
      if (signal.aborted) onAbort(); // aborted while the names were resolved
    }
    try {
      await listener.bindAll(targets);
      if (listener.closing !== undefined) throw abortedError();
    } catch (error) {
      await listener.close();
      throw error;
    }
    listener.boundAddresses = Object.freeze(listener.bound.map((entry) => entry.address));
    listener.ready = true;
    // The caller attaches its 'channel' listener once this promise resolves.
    setImmediate(() => listener.releaseEarly());
    return listener;
  }

  /** Stops accepting. Channels already handed out stay open. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.stopAbortWatch();
      for (const channel of this.early) channel.close();
      this.early = [];
      this.closing = this.closeServers();
    }
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async bindAll(targets: readonly BindTarget[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.bindEach(targets);
        return;
      } catch (error) {
        if (!(error instanceof PortTaken)) throw error;
        if (attempt >= PORT_ATTEMPTS) throw error.failure;
        await this.closeServers();
      }
    }
  }

  private async bindEach(targets: readonly BindTarget[]): Promise<void> {
    let sharedPort: number | undefined;
    // Names may resolve to a family this machine cannot bind; fail only if none of their addresses bound.
    const skipped = new Map<string, IoError>();
    const boundSources = new Set<string>();
    for (const target of targets) {
      if (this.closing !== undefined) throw abortedError();
      if (target.kind === 'unix') await removeStaleSocket(target.path);
      const port = target.kind === 'inet' && target.port === 0 ? (sharedPort ?? 0) : undefined;
      try {
        const bound = await this.bindOne(target, port);
        boundSources.add(target.source);
        if (port === 0 && bound.address.family !== 'unix' && bound.address.family !== 'memory') {
          sharedPort = bound.address.port;
        }
      } catch (error) {
        if (error instanceof IoError && error.code === IoErrorCode.ABORTED) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        const message = `cannot listen on ${describeTarget(target, port)}: ${errorMessage(error)}`;
        const failure = new IoError(IoErrorCode.LISTEN_FAILED, message, { cause: error });
        if (code === 'EADDRINUSE' && port !== undefined && port !== 0) throw new PortTaken(failure);
        if (target.kind === 'inet' && target.fromName && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) {
          if (!skipped.has(target.source)) skipped.set(target.source, failure);
          continue;
        }
        throw failure;
      }
    }
    for (const [source, failure] of skipped) {
      if (!boundSources.has(source)) throw failure;
    }
  }

  private async bindOne(target: BindTarget, port: number | undefined): Promise<Bound> {
    const server = net.createServer({ allowHalfOpen: true });
    server.on('connection', (socket: net.Socket) => this.accepted(socket, target));
    const { backlog } = this.options;
    const common = { exclusive: true, ...(backlog === undefined ? {} : { backlog }) };
    const listenOptions: net.ListenOptions =
      target.kind === 'unix'
        ? { ...common, path: target.path }
        : { ...common, host: target.host, port: port ?? target.port, ipv6Only: target.family === 'ipv6' };
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenOptions, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      server.close();
      throw error;
    });
    const bound: Bound = { server, target, address: serverAddress(server, target) };
    // Stays for the server's life: an unhandled 'error' would end the process.
    server.on('error', (error: Error) => this.serverFailed(error, bound.address));
    if (this.closing !== undefined) {
      // Aborted while this one was binding: closeServers() has run without it.
      server.close();
      if (target.kind === 'unix') await removeSocketFile(target.path);
      throw abortedError();
    }
    this.bound.push(bound);
    return bound;
  }

  private accepted(socket: net.Socket, target: BindTarget): void {
    const options: SocketChannelOptions = {
      ...(target.kind === 'unix' ? { unixPath: target.path, unixListening: true } : {}),
      ...(this.options.maxRead === undefined ? {} : { maxRead: this.options.maxRead }),
    };
    const channel = socketChannel(socket, options);
    if (this.closing !== undefined) channel.close();
    else if (!this.ready) {
      if (this.early.length < MAX_EARLY) this.early.push(channel);
      else channel.close();
    } else this.hand(channel);
  }

  private releaseEarly(): void {
    const early = this.early;
    this.early = [];
    for (const channel of early) {
      if (channel.isOpen) this.hand(channel);
    }
  }

  private hand(channel: Channel): void {
    if (this.listenerCount('channel') === 0) channel.close();
    else this.emit('channel', channel);
  }

  private serverFailed(error: Error, address: SocketAddress): void {
    if (this.listenerCount('error') === 0) return;
    const message = `listener on ${formatAddress(address)} failed: ${error.message}`;
    this.emit('error', new IoError(IoErrorCode.ACCEPT_FAILED, message, { cause: error }));
  }

  private async closeServers(): Promise<void> {
    const bound = this.bound;
    this.bound = [];
    // close() frees the port at once; its callback would wait for every accepted connection.
    for (const entry of bound) entry.server.close();
    await Promise.all(
      bound.map((entry) => (entry.target.kind === 'unix' ? removeSocketFile(entry.target.path) : undefined)),
    );
    // Let the listening handles finish closing before callers (and jest) look for open handles.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function serverAddress(server: net.Server, target: BindTarget): SocketAddress {
  const info = server.address();
  if (target.kind === 'unix' || info === null || typeof info === 'string') {
    return { family: 'unix', path: target.kind === 'unix' ? target.path : String(info) };
  }
  return { family: info.family === 'IPv6' ? 'ipv6' : 'ipv4', host: info.address, port: info.port };
}

function abortedError(): IoError {
  return new IoError(IoErrorCode.ABORTED, 'listening was aborted');
}
