/**
 * The head of an HTTP/1.x request (request line and header fields), read
 * straight off a byte stream with its limits enforced before anything else
 * sees it: at most `maxBytes` bytes and `timeoutMs` milliseconds, so endless
 * or slow headers (QEMU's CVE-2015-1779, Slowloris) cost a bounded amount.
 * Only what a websocket upgrade and a static file server need is understood;
 * anything unusual is refused with a precise status rather than guessed at.
 */
import type { Duplex } from 'node:stream';

/** QEMU's cap on a websocket upgrade request. */
export const DEFAULT_MAX_HEAD_BYTES = 4096;
/** How long a client may take to send a request head. */
export const DEFAULT_HEAD_TIMEOUT_MS = 10_000;

export interface HttpRequest {
  readonly method: string;
  /** The request target as sent: path and query. */
  readonly target: string;
  /** The target without its query, still percent-encoded. */
  readonly path: string;
  readonly version: '1.0' | '1.1';
  /** Field names in lower case; every value of a repeated field, in order. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
}

export type HeadParse =
  | { readonly ok: true; readonly request: HttpRequest }
  | { readonly ok: false; readonly status: 400 | 505; readonly reason: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Visible ASCII and Latin-1, spaces and tabs: no control characters (NUL, bare CR or LF). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const VERSION = /^HTTP\/(\d)\.(\d)$/;

/** Parses a complete head (ending with the empty line). */
export function parseRequestHead(head: Buffer): HeadParse {
  const text = head.toString('latin1');
  if (!text.endsWith('\r\n\r\n')) return bad('the request head does not end with an empty line');
  const lines = text.slice(0, -4).split('\r\n');
  const requestLine = lines[0] ?? '';
  const parts = requestLine.split(' ');
  if (parts.length !== 3) return bad('the request line is not "METHOD TARGET HTTP/1.1"');
  const [method = '', target = '', versionText = ''] = parts;
  if (!TOKEN.test(method)) return bad('the request method is not a token');
  if (!target.startsWith('/') || !/^[\x21-\x7e]+$/.test(target)) {
    return bad('the request target is not a path starting with "/"');
  }
  const version = VERSION.exec(versionText);
  if (version === null) return bad(`"${printable(versionText)}" is not an HTTP version`);
  if (version[1] !== '1' || (version[2] !== '0' && version[2] !== '1')) {
    return { ok: false, status: 505, reason: `HTTP version ${versionText.slice(5)} is not supported (only 1.0 and 1.1)` };
  }
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    if (line.startsWith(' ') || line.startsWith('\t')) return bad('folded header lines are not accepted');
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon);
    if (!TOKEN.test(name)) return bad(`the header line "${printable(line.slice(0, 40))}" has no valid field name`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!FIELD_VALUE.test(value)) return bad(`the ${name} header holds control characters`);
    const key = name.toLowerCase();
    const list = headers.get(key);
    if (list === undefined) headers.set(key, [value]);
    else list.push(value);
  }
  const query = target.indexOf('?');
  const path = query < 0 ? target : target.slice(0, query);
  return { ok: true, request: { method, target, path, version: version[2] === '1' ? '1.1' : '1.0', headers } };
}

/** The field's value when it appears once; `undefined` when absent; `'duplicate'` when repeated. */
export function singleHeader(request: HttpRequest, name: string): string | undefined | { readonly duplicate: true } {
  const values = request.headers.get(name);
  if (values === undefined) return undefined;
  if (values.length > 1) return { duplicate: true };
  return values[0];
}

/** The comma-separated elements of every occurrence of a list field, trimmed, empty ones dropped. */
export function headerList(request: HttpRequest, name: string): string[] {
  return (request.headers.get(name) ?? [])
    .flatMap((value) => value.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Whether a list field holds `token`, compared case-insensitively (`Connection: keep-alive, Upgrade`). */
export function hasToken(request: HttpRequest, name: string, token: string): boolean {
  const wanted = token.toLowerCase();
  return headerList(request, name).some((item) => item.toLowerCase() === wanted);
}

export interface HeadLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

export type HeadRead =
  /** `rest` holds the bytes after the head (a pipelined request, websocket frames). */
  | { readonly kind: 'head'; readonly head: Buffer; readonly rest: Buffer }
  | { readonly kind: 'too-large'; readonly received: number }
  /** `received` bytes of a head had arrived when the time was up. */
  | { readonly kind: 'timeout'; readonly received: number }
  /** The peer ended or the stream closed; `received` bytes of a head had arrived. */
  | { readonly kind: 'closed'; readonly received: number };

const END = Buffer.from('\r\n\r\n');

/**
 * Reads one request head from `stream` in paused mode, starting with the bytes
 * `carry` left by the previous request. Takes no more than the limit plus one
 * chunk from the stream, and removes its listeners before resolving, so the
 * stream can be handed on (to ws) with `rest` in front of it.
 */
export function readRequestHead(stream: Duplex, carry: Buffer, limits: HeadLimits): Promise<HeadRead> {
  return new Promise<HeadRead>((resolve) => {
    let buffer = skipEmptyLines(carry);
    let searched = 0;
    const done = (result: HeadRead): void => {
      clearTimeout(timer);
      stream.off('readable', onReadable);
      stream.off('end', onClosed);
      stream.off('close', onClosed);
      stream.off('error', onClosed);
      resolve(result);
    };
    /** True when the head is complete or over the limit (then it has resolved). */
    const check = (): boolean => {
      const end = buffer.indexOf(END, Math.max(0, searched - 3));
      if (end >= 0 && end + END.length <= limits.maxBytes) {
        done({ kind: 'head', head: buffer.subarray(0, end + END.length), rest: buffer.subarray(end + END.length) });
        return true;
      }
      if (end >= 0 || buffer.length > limits.maxBytes) {
        done({ kind: 'too-large', received: buffer.length });
        return true;
      }
      searched = buffer.length;
      return false;
    };
    const onReadable = (): void => {
      for (;;) {
        const chunk: unknown = stream.read();
        if (chunk === null) return;
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        buffer = buffer.length === 0 ? skipEmptyLines(bytes) : Buffer.concat([buffer, bytes]);
        if (check()) return;
      }
    };
    const onClosed = (): void => done({ kind: 'closed', received: buffer.length });
    const timer = setTimeout(() => done({ kind: 'timeout', received: buffer.length }), limits.timeoutMs);
    if (check()) return;
    if (stream.destroyed || stream.readableEnded) {
      done({ kind: 'closed', received: buffer.length });
      return;
    }
    stream.on('readable', onReadable);
    stream.on('end', onClosed);
    stream.on('close', onClosed);
    stream.on('error', onClosed);
    onReadable();
  });
}

/** RFC 9112 §2.2: a server should ignore empty lines before a request line (some clients send one after a body). */
function skipEmptyLines(bytes: Buffer): Buffer {
  let start = 0;
  while (bytes[start] === 0x0d && bytes[start + 1] === 0x0a) start += 2;
  return start === 0 ? bytes : bytes.subarray(start);
}

function bad(reason: string): HeadParse {
  return { ok: false, status: 400, reason };
}

/** Peer-supplied text made safe for a message: printable ASCII only. */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}
