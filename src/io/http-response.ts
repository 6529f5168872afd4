/**
 * Writing HTTP/1.1 responses on a raw stream, and closing it afterwards
 * without losing the answer: a peer whose unread bytes are still in our
 * receive buffer would get a TCP reset instead of the response, so the
 * stream is ended, then drained for a moment before it is destroyed.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a refused client may keep sending after our answer before the connection is cut. */
const LINGER_MS = 2000;

export type HttpHeaders = Readonly<Record<string, string | number>>;

/** The status line and header block of a response. */
export function responseHead(status: number, headers: HttpHeaders): Buffer {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/**
 * Answers with an error status and a one-line text body (the reason, which
 * never holds anything the client sent but sanitised path and header names),
 * then closes the connection.
 */
export function refuse(stream: Duplex, status: number, reason: string, extra: HttpHeaders = {}, withBody = true): void {
  const body = Buffer.from(`${status} ${STATUS_CODES[status] ?? 'Error'}: ${reason}\n`, 'utf8');
  const head = responseHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    Connection: 'close',
    ...extra,
  });
  closeAfter(stream, withBody ? Buffer.concat([head, body]) : head);
}

/** Writes the last bytes, ends our side and destroys the stream once the peer ends or LINGER_MS passes. */
export function closeAfter(stream: Duplex, last?: Buffer): void {
  if (stream.destroyed) return;
  stream.on('error', () => stream.destroy());
  const timer = setTimeout(() => stream.destroy(), LINGER_MS);
  timer.unref();
  stream.once('close', () => clearTimeout(timer));
  // Only once our answer has left (destroying earlier would drop it) and the peer is done too.
  stream.once('end', () => {
    if (stream.writableFinished) stream.destroy();
  });
  stream.once('finish', () => {
    if (stream.readableEnded) stream.destroy();
  });
  // Read and drop whatever the peer still sends until it ends too.
  stream.on('data', () => undefined);
  stream.resume();
  if (!stream.writable) {
    stream.destroy();
    return;
  }
  if (last === undefined) stream.end();
  else stream.end(last);
}
