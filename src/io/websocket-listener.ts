/**
 * The web port, as QEMU's `websocket=` option: its own listening addresses,
 * TLS first when credentials are given (wss), then HTTP on each connection:
 * websocket upgrades become channels ('channel' events, the path in
 * `facts.websocket`), other GET and HEAD requests are answered from static
 * files. Everything before the upgrade is bounded: head size and time, and
 * the number of connections still in that phase.
 */
import { errorMessage } from '../errors';
import { EventEmitter } from 'node:events';
import type { TlsOptions } from 'node:tls';
import type { Authz, TlsCreds } from '../crypto';
import type { ListenAddress, SocketAddress } from './address';
import type { Channel } from './channel';
import { tlsServerChannel } from './channel-tls';
import { IoError, IoErrorCode } from './errors';
import { serveHttpConnection, type HttpConnectionContext, type WebRefusal } from './http-connection';
import { DEFAULT_HEAD_TIMEOUT_MS, DEFAULT_MAX_HEAD_BYTES } from './http-head';
import { StaticFiles, type StaticMount } from './http-static';
import { Listener } from './listener';
import { WebsocketAcceptor, routePath, type OriginPolicy, type WebsocketAcceptorOptions } from './websocket-upgrade';

/** Connections still in TLS or HTTP at once; more are closed as they arrive. */
export const DEFAULT_MAX_PENDING = 64;
/** Requests one kept-alive connection may make (the noVNC page loads some 40 modules). */
const MAX_REQUESTS_PER_CONNECTION = 200;

/** wss: TLS before HTTP on every connection. */
export interface WebsocketTlsOptions {
  /** Server-endpoint credentials (x509 for browsers: they have no anonymous TLS). */
  readonly creds: TlsCreds;
  /**
   * Ask clients for a certificate and refuse those without a trusted one. Off
   * by default, whatever the credentials' verifyPeer says: a browser asked for
   * a certificate it does not have gives up (headless Chromium, so noVNC).
   * Needs credentials with verifyPeer.
   */
  readonly requireClientCertificate?: boolean;
  /** Checked on the client certificate's DN; needs requireClientCertificate. */
  readonly authz?: Authz;
  /** TLS handshake time limit; default the head timeout. */
  readonly handshakeTimeoutMs?: number;
}

export interface WebsocketListenerOptions extends WebsocketAcceptorOptions {
  /** The paths that accept an upgrade (`/vnc/a`, ...); any path when undefined (noVNC asks for `/websockify`). */
  readonly paths?: readonly string[];
  /** Which pages may open a websocket; default 'any'. */
  readonly origins?: OriginPolicy;
  /** Answers plain GET and HEAD requests; without it they get 426 (this port speaks websocket). */
  readonly files?: StaticFiles | readonly StaticMount[];
  readonly tls?: WebsocketTlsOptions;
  /** The largest request head; default 4096 bytes (431 above). */
  readonly maxHeadBytes?: number;
  /** How long a request head may take; default 10 s (then 408 and close). */
  readonly headTimeoutMs?: number;
  /** Connections in TLS or HTTP at once; default 64. */
  readonly maxPending?: number;
  /** Aborting closes the listener (or makes `listen` reject with IO_ABORTED). */
  readonly signal?: AbortSignal;
  readonly backlog?: number;
}

export interface WebsocketListenerEvents {
  /** A websocket was opened. Nobody listening for it means the channel is closed at once. */
  channel: [channel: Channel];
  /** A connection was turned away before its upgrade (bad request, TLS failure, timeout); for logs. */
  refused: [refusal: WebRefusal];
  /** A listening socket failed after setup (IO_ACCEPT_FAILED); emitted only if someone listens. */
  error: [error: IoError];
}

export class WebsocketListener extends EventEmitter<WebsocketListenerEvents> {
  /** True when connections start with TLS (wss). */
  readonly secure: boolean;
  private listener: Listener | undefined;
  private readonly context: HttpConnectionContext;
  private readonly tls: TlsSetup | undefined;
  private readonly maxPending: number;
  /** What closes each connection not yet handed out as a channel. */
  private readonly pending = new Set<() => void>();
  private closing: Promise<void> | undefined;

  /** Checks the options; `listen()` to open the port, or `serve()` connections accepted elsewhere. */
  constructor(options: WebsocketListenerOptions = {}) {
    super();
    const limits = {
      maxBytes: positive(options.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES, 'maxHeadBytes'),
      timeoutMs: positive(options.headTimeoutMs ?? DEFAULT_HEAD_TIMEOUT_MS, 'headTimeoutMs'),
    };
    this.maxPending = positive(options.maxPending ?? DEFAULT_MAX_PENDING, 'maxPending');
    const files = options.files === undefined || options.files instanceof StaticFiles ? options.files : new StaticFiles(options.files);
    const paths = options.paths?.map((path) => checkPath(path));
    this.context = {
      limits,
      maxRequests: MAX_REQUESTS_PER_CONNECTION,
      policy: { ...(paths === undefined ? {} : { paths }), ...(options.origins === undefined ? {} : { origins: checkOrigins(options.origins) }) },
      files,
      acceptor: new WebsocketAcceptor(options),
      channel: (channel) => this.hand(channel),
      refused: (refusal) => this.emit('refused', refusal),
    };
    this.tls = options.tls === undefined ? undefined : tlsSetup(options.tls, limits.timeoutMs);
    this.secure = this.tls !== undefined;
  }

  /** Opens the port on every address (IPv4, IPv6, UNIX), like `Listener.listen`. */
  static async listen(addresses: ListenAddress | readonly ListenAddress[], options: WebsocketListenerOptions = {}): Promise<WebsocketListener> {
    const web = new WebsocketListener(options);
    const list: readonly ListenAddress[] = Array.isArray(addresses) ? addresses : [addresses as ListenAddress];
    const listener = await Listener.listen(list, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.backlog === undefined ? {} : { backlog: options.backlog }),
    });
    web.listener = listener;
    listener.on('channel', (channel) => web.serve(channel));
    listener.on('error', (error) => {
      if (web.listenerCount('error') > 0) web.emit('error', error);
    });
    options.signal?.addEventListener('abort', () => void web.close(), { once: true });
    return web;
  }

  /** Where it listens, with the real ports (none when only `serve()` is used). */
  get addresses(): readonly SocketAddress[] {
    return this.listener?.addresses ?? [];
  }

  /** Serves one connection (TCP, UNIX, a pair: any idle channel), as if it had been accepted here. */
  serve(channel: Channel): void {
    if (this.closing !== undefined) {
      channel.close();
      return;
    }
    if (this.pending.size >= this.maxPending) {
      channel.close();
      const peer = channel.facts.peer;
      this.emit('refused', { ...(peer === undefined ? {} : { peer }), reason: `too many connections before their upgrade (limit ${this.maxPending})` });
      return;
    }
    void this.run(channel);
  }

  /** Stops listening and closes the connections not yet upgraded; websocket channels handed out stay open. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      for (const stop of this.pending) stop();
      this.pending.clear();
      this.closing = this.listener?.close() ?? Promise.resolve();
    }
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async run(accepted: Channel): Promise<void> {
    let stop = (): void => accepted.close();
    const entry = (): void => stop();
    this.pending.add(entry);
    const peer = accepted.facts.peer;
    try {
      let channel = accepted;
      if (this.tls !== undefined) {
        const { creds, timeoutMs, authz } = this.tls;
        try {
          channel = await tlsServerChannel(accepted, creds, { timeoutMs, ...(authz === undefined ? {} : { authz }) });
        } catch (error) {
          this.emit('refused', { ...(peer === undefined ? {} : { peer }), reason: `TLS failed: ${errorMessage(error)}` });
          return;
        }
        if (this.closing !== undefined) {
          channel.close();
          return;
        }
      }
      const inner = channel.facts;
      const stream = channel.detach();
      stream.on('error', () => undefined); // a reset peer; the stream closes by itself
      stop = () => stream.destroy();
      await serveHttpConnection(stream, inner, this.context);
    } catch (error) {
      // detach() of a channel whose peer already left, or a failure while serving: the connection goes.
      stop();
      this.emit('refused', { ...(peer === undefined ? {} : { peer }), reason: `connection failed: ${errorMessage(error)}` });
    } finally {
      this.pending.delete(entry);
    }
  }

  private hand(channel: Channel): void {
    if (this.closing !== undefined || this.listenerCount('channel') === 0) channel.close();
    else this.emit('channel', channel);
  }
}

/** What each wss handshake uses: the credentials as the port offers them. */
interface TlsSetup {
  readonly creds: TlsCreds;
  readonly timeoutMs: number;
  readonly authz?: Authz;
}

function tlsSetup(options: WebsocketTlsOptions, defaultTimeoutMs: number): TlsSetup {
  const { creds, authz } = options;
  const required = options.requireClientCertificate ?? false;
  if (creds.endpoint !== 'server') throw invalid('wss needs server-endpoint TLS credentials');
  if (required && !creds.verifyPeer) {
    throw invalid('requireClientCertificate needs x509 credentials with verifyPeer (a CA to check client certificates against)');
  }
  if (authz !== undefined && !required) throw invalid('a TLS authz checks client certificates: it needs requireClientCertificate');
  const timeoutMs = positive(options.handshakeTimeoutMs ?? defaultTimeoutMs, 'handshakeTimeoutMs');
  return { creds: required ? creds : withoutClientCertificate(creds), timeoutMs, ...(authz === undefined ? {} : { authz }) };
}

/** The same credentials, but the server never asks for a client certificate. */
function withoutClientCertificate(creds: TlsCreds): TlsCreds {
  if (!creds.verifyPeer) return creds;
  return {
    kind: creds.kind,
    endpoint: creds.endpoint,
    verifyPeer: false,
    priority: creds.priority,
    tlsServerOptions: (): TlsOptions => ({ ...creds.tlsServerOptions(), requestCert: false, rejectUnauthorized: false }),
    tlsClientOptions: () => creds.tlsClientOptions(),
  };
}

function checkPath(path: string): string {
  if (!path.startsWith('/') || !/^[\x21-\x7e]+$/.test(path) || path.includes('?') || path.includes('#')) {
    throw invalid(`websocket path ${JSON.stringify(path)} must start with "/" and hold printable ASCII only, no query`);
  }
  return routePath(path);
}

function checkOrigins(origins: OriginPolicy): OriginPolicy {
  if (origins === 'any' || origins === 'same-host') return origins;
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '')) {
      throw invalid(`allowed origin ${JSON.stringify(origin)} must be http(s), a host and an optional port, like https://example.com:6080`);
    }
  }
  return origins;
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw invalid(`websocket listener ${name} must be a positive integer, not ${value}`);
  return value;
}

function invalid(message: string): IoError {
  return new IoError(IoErrorCode.INVALID_OPTION, message);
}
