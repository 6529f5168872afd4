/**
 * The request head reader and parser on their own: split at every offset,
 * bytes after the head kept, limits, and the parsed fields.
 */
import { PassThrough } from 'node:stream';
import { parseRequestHead, readRequestHead, type HttpRequest } from '../../../src/io';

const REQUEST = 'GET /vnc/a?x=1 HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\nX-Two: 1\r\nx-two: 2\r\n\r\n';
const LIMITS = { maxBytes: 4096, timeoutMs: 1000 };

function parsed(text: string): HttpRequest {
  const result = parseRequestHead(Buffer.from(text, 'latin1'));
  if (!result.ok) throw new Error(result.reason);
  return result.request;
}

describe('readRequestHead', () => {
  test('the same head and the same bytes after it, whatever the split', async () => {
    const bytes = Buffer.concat([Buffer.from(REQUEST), Buffer.from([0x82, 0x80, 1, 2, 3, 4])]);
    for (let split = 1; split < bytes.length; split++) {
      const stream = new PassThrough();
      const read = readRequestHead(stream, Buffer.alloc(0), LIMITS);
      stream.write(bytes.subarray(0, split));
      await new Promise((resolve) => setImmediate(resolve));
      stream.write(bytes.subarray(split));
      const result = await read;
      expect(result.kind).toBe('head');
      if (result.kind !== 'head') return;
      expect(result.head.toString()).toBe(REQUEST);
      // Bytes beyond the head are in `rest` or still unread in the stream, in order.
      const unread: unknown = stream.read();
      const tail = Buffer.concat([result.rest, Buffer.isBuffer(unread) ? unread : Buffer.alloc(0)]);
      expect(tail.toString('hex')).toBe('828001020304');
    }
  });

  test('byte by byte', async () => {
    const stream = new PassThrough();
    const read = readRequestHead(stream, Buffer.alloc(0), LIMITS);
    for (const byte of Buffer.from(REQUEST)) {
      stream.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await expect(read).resolves.toMatchObject({ kind: 'head', rest: Buffer.alloc(0) });
  });

  test('a head already in the carried bytes is found without reading; empty lines before it are skipped', async () => {
    const stream = new PassThrough();
    const result = await readRequestHead(stream, Buffer.from(`\r\n\r\n${REQUEST}GET`), LIMITS);
    expect(result).toMatchObject({ kind: 'head', head: Buffer.from(REQUEST), rest: Buffer.from('GET') });
  });

  test('too large: more than maxBytes without the end, or the end beyond maxBytes', async () => {
    const stream = new PassThrough();
    const read = readRequestHead(stream, Buffer.alloc(0), { maxBytes: 64, timeoutMs: 1000 });
    stream.write(Buffer.alloc(65, 0x61));
    await expect(read).resolves.toEqual({ kind: 'too-large', received: 65 });
    const late = await readRequestHead(new PassThrough(), Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(60)}\r\n\r\n`), { maxBytes: 64, timeoutMs: 1000 });
    expect(late.kind).toBe('too-large');
  });

  test('timeout and close say how many bytes had come', async () => {
    const slow = new PassThrough();
    const read = readRequestHead(slow, Buffer.alloc(0), { maxBytes: 4096, timeoutMs: 30 });
    slow.write('GET / ');
    await expect(read).resolves.toEqual({ kind: 'timeout', received: 6 });
    const ended = new PassThrough();
    const closed = readRequestHead(ended, Buffer.alloc(0), LIMITS);
    ended.end('GET');
    await expect(closed).resolves.toEqual({ kind: 'closed', received: 3 });
  });

  test('leaves no listeners behind', async () => {
    const stream = new PassThrough();
    const read = readRequestHead(stream, Buffer.alloc(0), LIMITS);
    stream.write(REQUEST);
    await read;
    expect(['readable', 'end', 'close', 'error'].map((event) => stream.listenerCount(event))).toEqual([0, 0, 0, 0]);
  });
});

describe('parseRequestHead', () => {
  test('method, target, path, version and every header value, names in lower case', () => {
    const request = parsed(REQUEST);
    expect(request).toMatchObject({ method: 'GET', target: '/vnc/a?x=1', path: '/vnc/a', version: '1.1' });
    expect(request.headers.get('x-two')).toEqual(['1', '2']);
    expect(request.headers.get('connection')).toEqual(['keep-alive, Upgrade']);
  });

  test('optional whitespace around values is trimmed; an empty value is kept', () => {
    const request = parsed('GET / HTTP/1.0\r\nA:\t value \t\r\nB:\r\n\r\n');
    expect(request.version).toBe('1.0');
    expect(request.headers.get('a')).toEqual(['value']);
    expect(request.headers.get('b')).toEqual(['']);
  });

  test.each([
    ['GET / HTTP/1.1\r\nBad Name: x\r\n\r\n', 400, /no valid field name/],
    ['GET / HTTP/1.1\r\nNoColon\r\n\r\n', 400, /no valid field name/],
    ['GET / HTTP/1.1\r\nA: b\rc\r\n\r\n', 400, /control characters/],
    ['GET / HTTP/1.1\r\nA: b\nc\r\n\r\n', 400, /control characters/],
    ['GET / HTTP/1.1 extra\r\n\r\n', 400, /request line/],
    ['G@T / HTTP/1.1\r\n\r\n', 400, /method is not a token/],
    ['GET / HTTP/1.1x\r\n\r\n', 400, /is not an HTTP version/],
    ['GET / HTTP/3.0\r\n\r\n', 505, /3\.0 is not supported/],
    ['GET /a\x7fb HTTP/1.1\r\n\r\n', 400, /target/],
  ])('%j: %i', (text, status, reason) => {
    const result = parseRequestHead(Buffer.from(text, 'latin1'));
    expect(result).toEqual({ ok: false, status, reason: expect.stringMatching(reason) });
  });
});
