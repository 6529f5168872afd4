/**
 * One connection on the web port, after TLS if any: read a request head within
 * the limits, then either upgrade it to a websocket (checked first, answered
 * precisely when refused) or answer it from the static files, and go on with
 * the next request while the client keeps the connection alive.
 */
import { createReadStream } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { SocketAddress } from './address';
import type { Channel, ChannelFacts } from './channel';
import { hasToken, parseRequestHead, printable, readRequestHead, type HeadLimits, type HttpRequest } from './http-head';
import { closeAfter, refuse, responseHead, type HttpHeaders } from './http-response';
import type { StaticFiles } from './http-static';
import { checkUpgrade, wantsUpgrade, type UpgradePolicy, type WebsocketAcceptor } from './websocket-upgrade';

/** A connection turned away before it became a websocket, for the operator's log. */
export interface WebRefusal {
  readonly peer?: SocketAddress;
  /** The HTTP status answered; none when the connection was just closed (timeouts, TLS failures). */
  readonly status?: number;
  /** The request path, made printable. */
  readonly path?: string;
  readonly reason: string;
}

export interface HttpConnectionContext {
  readonly limits: HeadLimits;
  /** Requests one connection may make before it is closed. */
  readonly maxRequests: number;
  readonly policy: UpgradePolicy;
  readonly files: StaticFiles | undefined;
  readonly acceptor: WebsocketAcceptor;
  channel(channel: Channel): void;
  refused(refusal: WebRefusal): void;
}

/** Serves `stream` until it closes or becomes a websocket channel (handed to `context.channel`). */
export async function serveHttpConnection(stream: Duplex, inner: ChannelFacts, context: HttpConnectionContext): Promise<void> {
  const peer = inner.peer;
  const report = (reason: string, status?: number, path?: string): void =>
    context.refused({
      ...(peer === undefined ? {} : { peer }),
      ...(status === undefined ? {} : { status }),
      ...(path === undefined ? {} : { path: printable(path) }),
      reason,
    });
  const { maxBytes, timeoutMs } = context.limits;
  let carry: Buffer = Buffer.alloc(0);
  for (let served = 0; ; served++) {
    const read = await readRequestHead(stream, carry, context.limits);
    if (read.kind === 'closed') {
      stream.destroy();
      return;
    }
    if (read.kind === 'timeout') {
      if (read.received > 0) {
        refuse(stream, 408, `the request head did not arrive within ${timeoutMs} ms`);
        report(`the request head did not arrive within ${timeoutMs} ms (${read.received} bytes came)`, 408);
      } else {
        // An idle kept-alive connection, or one that never sent anything: just close it.
        stream.destroy();
        if (served === 0) report(`no request within ${timeoutMs} ms`);
      }
      return;
    }
    if (read.kind === 'too-large') {
      refuse(stream, 431, `the request head is larger than ${maxBytes} bytes`);
      report(`the request head is larger than ${maxBytes} bytes`, 431);
      return;
    }
    const parsed = parseRequestHead(read.head);
    if (!parsed.ok) {
      refuse(stream, parsed.status, parsed.reason);
      report(parsed.reason, parsed.status);
      return;
    }
    const request = parsed.request;
    if (wantsUpgrade(request)) {
      const verdict = checkUpgrade(request, context.policy);
      if (!verdict.ok) {
        refuse(stream, verdict.status, verdict.reason, verdict.headers);
        report(verdict.reason, verdict.status, request.path);
        return;
      }
      const channel = context.acceptor.accept(stream, request, read.rest, inner, verdict);
      if (channel === undefined) report('the websocket library refused the upgrade', undefined, request.path);
      else context.channel(channel);
      return;
    }
    const keepAlive = served + 1 < context.maxRequests && request.version === '1.1' && !hasToken(request, 'connection', 'close');
    if (!(await answerFile(stream, request, context.files, keepAlive))) return;
    carry = read.rest;
  }
}

/** Answers a plain request from the static files; true when the connection stays open for the next one. */
async function answerFile(stream: Duplex, request: HttpRequest, files: StaticFiles | undefined, keepAlive: boolean): Promise<boolean> {
  if (files === undefined) {
    refuse(stream, 426, 'this port serves websocket connections only', { Upgrade: 'websocket', 'Sec-WebSocket-Version': 13 });
    return false;
  }
  const head = request.method === 'HEAD';
  if (request.method !== 'GET' && !head) {
    refuse(stream, 405, `${printable(request.method)} is not served here (only GET and HEAD)`, { Allow: 'GET, HEAD' }, !head);
    return false;
  }
  if (request.headers.has('transfer-encoding') || (request.headers.get('content-length') ?? []).some((length) => length !== '0')) {
    refuse(stream, 400, 'a GET or HEAD request must not have a body', {}, !head);
    return false;
  }
  const found = await files.lookup(request.path);
  const connection = { Connection: keepAlive ? 'keep-alive' : 'close' };
  switch (found.kind) {
    case 'missing':
      return small(stream, 404, `nothing is served at ${printable(request.path)}`, connection, head, keepAlive);
    case 'forbidden':
      return small(stream, 403, found.reason, connection, head, keepAlive);
    case 'redirect':
      return small(stream, 301, `moved to ${found.location}`, { ...connection, Location: found.location }, head, keepAlive);
    case 'file':
      break;
  }
  stream.write(
    responseHead(200, {
      'Content-Type': found.contentType,
      'Content-Length': found.size,
      'Last-Modified': found.modified.toUTCString(),
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      ...connection,
    }),
  );
  if (!head && found.size > 0 && !(await sendFile(found.file, found.size, stream))) {
    stream.destroy();
    return false;
  }
  if (!keepAlive) closeAfter(stream);
  return keepAlive && !stream.destroyed;
}

/**
 * Copies exactly `size` bytes of the file (even if it grows meanwhile) at the
 * pace the client reads. Not stream.pipeline: with `end: false` it leaves a
 * listener on the connection per file, and a kept-alive connection serves many.
 */
async function sendFile(file: string, size: number, stream: Duplex): Promise<boolean> {
  const source = createReadStream(file, { start: 0, end: size - 1 });
  let sent = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (stream.destroyed) return false;
      sent += chunk.length;
      if (!stream.write(chunk)) await drained(stream);
    }
    return sent === size;
  } catch {
    return false;
  } finally {
    source.destroy();
  }
}

/** Resolves on 'drain', rejects if the connection closes first. */
function drained(stream: Duplex): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error): void => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = (): void => settle();
    const onClose = (): void => settle(new Error('the connection closed while a file was being sent'));
    stream.on('drain', onDrain);
    stream.on('close', onClose);
  });
}

/** A short text answer that keeps the connection when it can. */
function small(stream: Duplex, status: number, text: string, headers: HttpHeaders, head: boolean, keepAlive: boolean): boolean {
  if (!keepAlive) {
    refuse(stream, status, text, headers, !head);
    return false;
  }
  const body = Buffer.from(`${text}\n`, 'utf8');
  const bytes = responseHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  stream.write(head ? bytes : Buffer.concat([bytes, body]));
  return !stream.destroyed;
}
