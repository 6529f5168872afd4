/**
 * A raw client for the web port, written independently of src/io and of ws:
 * HTTP requests as text, websocket frames built and parsed byte by byte
 * (RFC 6455 §5.2), so the tests say exactly what goes over the wire.
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { Wakeup } from '../../helpers/sockets';

export const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** RFC 6455 §1.3's example key and its answer. */
export const SAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const SAMPLE_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
export const MASK = Buffer.from('37fa213d', 'hex');

export const Op = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

export interface FrameOptions {
  readonly fin?: boolean;
  /** The three reserved bits as a number 0..7 (RSV1 = 4). */
  readonly rsv?: number;
  /** false sends the frame unmasked (forbidden for clients). */
  readonly mask?: boolean;
  /** Force a length encoding: 7-bit, 16-bit (126) or 64-bit (127). */
  readonly lengthForm?: 7 | 16 | 64;
  /** Declare this length but send only the header (for oversize frames). */
  readonly declaredLength?: number;
}

/** One client frame. */
export function frame(opcode: number, payload: Uint8Array | string = Buffer.alloc(0), options: FrameOptions = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const length = options.declaredLength ?? data.length;
  const masked = options.mask ?? true;
  const form = options.lengthForm ?? (length < 126 ? 7 : length < 65536 ? 16 : 64);
  const first = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode;
  const maskBit = masked ? 0x80 : 0;
  let header: Buffer;
  if (form === 7) {
    header = Buffer.from([first, maskBit | length]);
  } else if (form === 16) {
    header = Buffer.alloc(4);
    header.writeUInt8(first, 0);
    header.writeUInt8(maskBit | 126, 1);
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header.writeUInt8(first, 0);
    header.writeUInt8(maskBit | 127, 1);
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (options.declaredLength !== undefined) return Buffer.concat([header, masked ? MASK : Buffer.alloc(0)]);
  if (!masked) return Buffer.concat([header, data]);
  const body = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) body[i] = (data[i] ?? 0) ^ (MASK[i % 4] ?? 0);
  return Buffer.concat([header, MASK, body]);
}

/** A close frame's payload: the code, then the reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const out = Buffer.alloc(2 + Buffer.byteLength(reason));
  out.writeUInt16BE(code, 0);
  out.write(reason, 2, 'utf8');
  return out;
}

export interface ServerFrame {
  readonly fin: boolean;
  readonly rsv: number;
  readonly opcode: number;
  readonly masked: boolean;
  readonly payload: Buffer;
}

export interface HttpAnswer {
  readonly status: number;
  readonly statusLine: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly head: string;
}

/** Every header of a valid upgrade, overridable; `null` drops one. */
export function upgradeRequest(path = '/', overrides: Readonly<Record<string, string | null>> = {}, requestLine?: string): string {
  const headers: Record<string, string | null> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': SAMPLE_KEY,
    'Sec-WebSocket-Version': '13',
    ...overrides,
  };
  const lines = [requestLine ?? `GET ${path} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) if (value !== null) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export function acceptFor(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** A client (over TCP or any byte stream) that keeps every byte it receives and parses on demand. */
export class RawClient {
  private buffered = Buffer.alloc(0);
  private ended = false;
  private readonly arrival = new Wakeup();

  private constructor(readonly socket: Duplex) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.arrival.wake();
    });
    const end = (): void => {
      this.ended = true;
      this.arrival.wake();
    };
    // As a well-behaved client: the server closes TCP first (RFC 6455 §7.1.1), then we do.
    socket.on('end', () => {
      socket.end();
      end();
    });
    socket.on('close', end);
    socket.on('error', end);
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const socket = net.connect({ host, port, allowHalfOpen: true });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Over any byte stream (one end of an in-memory pair). */
  static over(stream: Duplex): RawClient {
    return new RawClient(stream);
  }

  /** Connects and completes a valid upgrade; fails the test unless the answer is 101. */
  static async upgraded(port: number, path = '/'): Promise<RawClient> {
    const client = await RawClient.connect(port);
    client.send(upgradeRequest(path));
    const answer = await client.readHttp();
    if (answer.status !== 101) throw new Error(`expected 101, got: ${answer.head}`);
    return client;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  send(bytes: Uint8Array | string): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Waits until `ready` says enough bytes have arrived (it returns how many to take), or fails after `timeoutMs`. */
  private async take(ready: (bytes: Buffer) => number | undefined, what: string, timeoutMs: number): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const length = ready(this.buffered);
      if (length !== undefined) {
        const out = this.buffered.subarray(0, length);
        this.buffered = this.buffered.subarray(length);
        return out;
      }
      if (this.ended) throw new Error(`connection ended while waiting for ${what} (${this.buffered.length} bytes left)`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (${this.buffered.length} bytes arrived)`);
      await this.arrival.sleep(left);
    }
  }

  /** The response head (the body stays buffered; read it with `readBytes`). */
  async readHttp(timeoutMs = 3000): Promise<HttpAnswer> {
    const raw = await this.take(
      (bytes) => {
        const end = bytes.indexOf('\r\n\r\n');
        return end < 0 ? undefined : end + 4;
      },
      'an HTTP response head',
      timeoutMs,
    );
    const head = raw.toString('latin1');
    const [statusLine = '', ...lines] = head.slice(0, -4).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { status: Number(statusLine.split(' ')[1]), statusLine, headers, head };
  }

  /** A response head and its Content-Length body. */
  async readResponse(timeoutMs = 3000): Promise<HttpAnswer & { body: Buffer }> {
    const answer = await this.readHttp(timeoutMs);
    const body = await this.readBytes(Number(answer.headers['content-length'] ?? '0'), timeoutMs);
    return { ...answer, body };
  }

  readBytes(length: number, timeoutMs = 3000): Promise<Buffer> {
    return this.take((bytes) => (bytes.length >= length ? length : undefined), `${length} bytes`, timeoutMs);
  }

  async readFrame(timeoutMs = 3000): Promise<ServerFrame> {
    const raw = await this.take((bytes) => frameLength(bytes), 'a websocket frame', timeoutMs);
    return parseFrame(raw);
  }

  /** Skips data and pong frames up to the close frame; its code (undefined when it has none). */
  async readCloseCode(timeoutMs = 3000): Promise<number | undefined> {
    for (;;) {
      const next = await this.readFrame(timeoutMs);
      if (next.opcode === Op.CLOSE) return next.payload.length >= 2 ? next.payload.readUInt16BE(0) : undefined;
    }
  }

  /** Resolves once the server has closed the TCP connection. */
  async expectEnded(timeoutMs = 3000): Promise<void> {
    await this.take((bytes) => (this.ended ? bytes.length : undefined), 'the end of the connection', timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The length of the first complete frame in `bytes`, if it is complete. */
function frameLength(bytes: Buffer): number | undefined {
  if (bytes.length < 2) return undefined;
  const second = bytes.readUInt8(1);
  let offset = 2;
  let length = second & 0x7f;
  if (length === 126) {
    if (bytes.length < 4) return undefined;
    length = bytes.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return undefined;
    length = Number(bytes.readBigUInt64BE(2));
    offset = 10;
  }
  if (second & 0x80) offset += 4;
  return bytes.length >= offset + length ? offset + length : undefined;
}

function parseFrame(raw: Buffer): ServerFrame {
  const first = raw.readUInt8(0);
  const second = raw.readUInt8(1);
  let offset = 2;
  const short = second & 0x7f;
  if (short === 126) offset = 4;
  else if (short === 127) offset = 10;
  const masked = (second & 0x80) !== 0;
  if (masked) offset += 4;
  return { fin: (first & 0x80) !== 0, rsv: (first >> 4) & 7, opcode: first & 0x0f, masked, payload: raw.subarray(offset) };
}
