/**
 * The websocket upgrade: our own checks of the request, each failure with its
 * precise HTTP answer, then the handover of the raw stream to `ws`, which
 * writes the 101 answer and from then on owns the framing.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Channel, ChannelFacts, WebsocketFacts } from './channel';
import { IoError, IoErrorCode } from './errors';
import { hasToken, headerList, printable, singleHeader, type HttpRequest } from './http-head';
import type { HttpHeaders } from './http-response';
import { DEFAULT_WEBSOCKET_MAX_FRAME, websocketChannel } from './websocket-channel';

/**
 * The largest message a client may send (ws closes with 1009 above). RFB client
 * messages are small, except clipboard text (up to the server's 1 MiB cut-text
 * limit plus its header, and noVNC may send it together with other messages).
 */
export const DEFAULT_WEBSOCKET_MAX_PAYLOAD = 2 * 1024 * 1024;
/** The most fragments one message may have (ws closes with 1008 above): bounds the per-fragment overhead. */
export const DEFAULT_WEBSOCKET_MAX_FRAGMENTS = 1024;
/** The one subprotocol we know; noVNC 1.7 offers none, older releases offer `binary`. */
export const WEBSOCKET_SUBPROTOCOL = 'binary';

/**
 * Which pages may open a websocket (checked on the Origin header that browsers
 * send; clients that send none are not browsers and are let in):
 * 'any' (default, as QEMU), 'same-host' (the Origin's host and port are the
 * request's Host, as when the page is served from this port), or a list of
 * origins such as `https://example.com:6080`.
 */
export type OriginPolicy = 'any' | 'same-host' | readonly string[];

export interface UpgradePolicy {
  /** The paths that accept an upgrade; any path when undefined. */
  readonly paths?: readonly string[];
  readonly origins?: OriginPolicy;
}

export type UpgradeVerdict =
  | { readonly ok: true; readonly key: string; readonly facts: WebsocketFacts }
  | { readonly ok: false; readonly status: number; readonly reason: string; readonly headers?: HttpHeaders };

/** Whether the request asks for an upgrade at all (else it is an ordinary request for a file). */
export function wantsUpgrade(request: HttpRequest): boolean {
  return request.headers.has('upgrade') || hasToken(request, 'connection', 'upgrade');
}

const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Checks an upgrade request in the order of its answers: 405, 505, 400, 426, 400 (key), 404, 403. */
export function checkUpgrade(request: HttpRequest, policy: UpgradePolicy): UpgradeVerdict {
  if (request.method !== 'GET') {
    return refuse(405, `a websocket upgrade must use GET, not ${printable(request.method)}`, { Allow: 'GET' });
  }
  if (request.version !== '1.1') return refuse(505, 'a websocket upgrade needs HTTP/1.1');
  const host = singleHeader(request, 'host');
  if (host === undefined || typeof host !== 'string') return refuse(400, `${host === undefined ? 'no' : 'more than one'} Host header`);
  if (!hasToken(request, 'upgrade', 'websocket')) return refuse(400, 'the Upgrade header does not name websocket');
  if (!hasToken(request, 'connection', 'upgrade')) return refuse(400, 'the Connection header does not hold the token Upgrade');
  const version = singleHeader(request, 'sec-websocket-version');
  if (typeof version === 'object') return refuse(400, 'more than one Sec-WebSocket-Version header');
  if (version !== '13') {
    const why = version === undefined ? 'no Sec-WebSocket-Version header' : 'only websocket version 13 is supported';
    return refuse(426, why, { 'Sec-WebSocket-Version': 13 });
  }
  const key = singleHeader(request, 'sec-websocket-key');
  if (typeof key === 'object') return refuse(400, 'more than one Sec-WebSocket-Key header');
  if (key === undefined || !KEY.test(key)) {
    const why = key === undefined ? 'no Sec-WebSocket-Key header' : 'the Sec-WebSocket-Key is not the base64 form of 16 bytes';
    return refuse(400, why);
  }
  const offered = headerList(request, 'sec-websocket-protocol');
  if (!offered.every((protocol) => TOKEN.test(protocol))) return refuse(400, 'the Sec-WebSocket-Protocol header is not a list of tokens');
  const path = routePath(request.path);
  if (policy.paths !== undefined && !policy.paths.includes(path)) {
    return refuse(404, `no websocket is served at ${printable(request.path)}`);
  }
  const origin = singleHeader(request, 'origin');
  if (typeof origin === 'object') return refuse(400, 'more than one Origin header');
  if (origin !== undefined && !originAllowed(origin, host, policy.origins ?? 'any')) {
    return refuse(403, `pages from ${printable(origin)} may not open a websocket here`);
  }
  const subprotocol = offered.includes(WEBSOCKET_SUBPROTOCOL) ? WEBSOCKET_SUBPROTOCOL : undefined;
  return {
    ok: true,
    key,
    facts: { path, ...(origin === undefined ? {} : { origin }), ...(subprotocol === undefined ? {} : { subprotocol }) },
  };
}

/** The path as routes compare it: one trailing slash dropped (`/vnc/a/` is `/vnc/a`), `/` kept. */
export function routePath(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function originAllowed(origin: string, host: string, policy: OriginPolicy): boolean {
  if (policy === 'any') return true;
  if (policy === 'same-host') {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // 'null' (sandboxed pages, file: URLs) and garbage
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    const defaultPort = url.protocol === 'https:' ? ':443' : ':80';
    const requested = host.toLowerCase().endsWith(defaultPort) ? host.toLowerCase().slice(0, -defaultPort.length) : host.toLowerCase();
    return url.host === requested;
  }
  const wanted = normalOrigin(origin);
  return policy.some((allowed) => normalOrigin(allowed) === wanted);
}

/** `https://Example.com:443/` and `https://example.com` are one origin. */
function normalOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin.toLowerCase();
  }
}

function refuse(status: number, reason: string, headers?: HttpHeaders): UpgradeVerdict {
  return headers === undefined ? { ok: false, status, reason } : { ok: false, status, reason, headers };
}

export interface WebsocketAcceptorOptions {
  /** The largest message a client may send; default 2 MiB (ws closes with 1009 above). */
  readonly maxPayload?: number;
  /** The most fragments of one message; default 1024 (ws closes with 1008 above). */
  readonly maxFragments?: number;
  /** The largest message we send; default 64 KiB. */
  readonly maxFrame?: number;
  /** The channels' maxRead. */
  readonly maxRead?: number;
}

/** How long ws waits for the peer's answer to our close frame before cutting the connection. */
const CLOSE_TIMEOUT_MS = 5000;

/** Completes checked upgrades with one `ws` server (no listening of its own, no compression). */
export class WebsocketAcceptor {
  private readonly server: WebSocketServer;
  private readonly maxFrame: number;
  private readonly maxRead: number | undefined;

  constructor(options: WebsocketAcceptorOptions = {}) {
    const maxPayload = positive(options.maxPayload ?? DEFAULT_WEBSOCKET_MAX_PAYLOAD, 'maxPayload');
    const maxFragments = positive(options.maxFragments ?? DEFAULT_WEBSOCKET_MAX_FRAGMENTS, 'maxFragments');
    this.maxFrame = positive(options.maxFrame ?? DEFAULT_WEBSOCKET_MAX_FRAME, 'maxFrame');
    this.maxRead = options.maxRead;
    // closeTimeout is a ws 8.23 option that its type definitions do not list yet.
    const serverOptions: ConstructorParameters<typeof WebSocketServer>[0] & { closeTimeout: number } = {
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload,
      maxFragments,
      closeTimeout: CLOSE_TIMEOUT_MS,
      handleProtocols: (protocols) => (protocols.has(WEBSOCKET_SUBPROTOCOL) ? WEBSOCKET_SUBPROTOCOL : false),
    };
    this.server = new WebSocketServer(serverOptions);
  }

  /**
   * Hands `stream` (positioned just after the request head, `rest` being the
   * bytes read beyond it) to ws, which answers 101, and wraps the WebSocket as
   * a channel. The request must have passed `checkUpgrade`. Returns undefined
   * when ws refused after all (it has answered and closed then).
   */
  accept(stream: Duplex, request: HttpRequest, rest: Buffer, inner: ChannelFacts, verdict: UpgradeVerdict & { ok: true }): Channel | undefined {
    let opened: WebSocket | undefined;
    this.server.handleUpgrade(asIncomingMessage(request, verdict), stream, rest, (ws) => {
      opened = ws;
    });
    // Without verifyClient, ws completes (or refuses) the upgrade synchronously.
    if (opened === undefined) return undefined;
    const limit = this.maxRead === undefined ? {} : { maxRead: this.maxRead };
    return websocketChannel(opened, inner, verdict.facts, { maxFrame: this.maxFrame, ...limit });
  }
}

/**
 * What ws reads of a request: the method, the target and these header fields
 * (ws only looks at those when neither `path` nor `verifyClient` is set). The
 * request was checked already, so the fields are given in their checked form.
 */
function asIncomingMessage(request: HttpRequest, verdict: UpgradeVerdict & { ok: true }): IncomingMessage {
  const protocols = headerList(request, 'sec-websocket-protocol');
  const headers: Record<string, string> = {
    host: String(singleHeader(request, 'host')),
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-key': verdict.key,
    'sec-websocket-version': '13',
    ...(protocols.length === 0 ? {} : { 'sec-websocket-protocol': protocols.join(', ') }),
  };
  const partial: Pick<IncomingMessage, 'method' | 'url' | 'headers'> = { method: 'GET', url: request.target, headers };
  return partial as IncomingMessage;
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new IoError(IoErrorCode.INVALID_OPTION, `websocket ${name} must be a positive integer, not ${value}`);
  }
  return value;
}
