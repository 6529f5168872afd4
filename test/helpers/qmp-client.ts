import * as net from 'node:net';
import { createChannelPair } from '../../src/io';
import type { VncServer } from '../../src/vnc';
import { TestClient, vncResponse } from './rfb-client';

export type Message = Record<string, unknown>;

/** A QMP client written from QEMU's documentation: one JSON message per line, events put aside. */
export class QmpClient {
  readonly events: Message[] = [];
  private readonly messages: Message[] = [];
  private buffer = '';
  private ended = false;
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      for (let end = this.buffer.indexOf('\n'); end >= 0; end = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 1);
        expect(line.endsWith('\r')).toBe(true); // QEMU ends messages with CR LF
        const message = JSON.parse(line) as Message;
        (message.event === undefined ? this.messages : this.events).push(message);
      }
      this.wake?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static async connect(target: { path: string } | { host: string; port: number }): Promise<QmpClient> {
    const socket = net.connect(target);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new QmpClient(socket);
  }

  /** Connects, reads the greeting and negotiates capabilities. */
  static async ready(target: { path: string } | { host: string; port: number }): Promise<QmpClient> {
    const client = await QmpClient.connect(target);
    await client.next();
    expect(await client.execute('qmp_capabilities')).toEqual({ return: {} });
    return client;
  }

  /** The next greeting, answer or error, in order. */
  async next(timeoutMs = 2000): Promise<Message> {
    await this.until(() => this.messages.length > 0, timeoutMs, 'a message');
    return this.messages.shift() as Message;
  }

  async nextEvent(timeoutMs = 2000): Promise<Message> {
    await this.until(() => this.events.length > 0, timeoutMs, 'an event');
    return this.events.shift() as Message;
  }

  async execute(execute: string, args?: Message, id?: unknown): Promise<Message> {
    this.send({ execute, ...(args && { arguments: args }), ...(id !== undefined && { id }) });
    return this.next();
  }

  send(message: Message): void {
    this.raw(`${JSON.stringify(message)}\n`);
  }

  raw(text: string | Buffer): void {
    this.socket.write(text);
  }

  end(): void {
    this.socket.end();
  }

  async closed(timeoutMs = 2000): Promise<void> {
    await this.until(() => this.ended, timeoutMs, 'the server to close');
  }

  close(): void {
    this.socket.destroy();
  }

  private async until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (this.ended) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}

const V38 = Buffer.from('RFB 003.008\n');
const SECURITY_VNC = 2;

/** A viewer over an in-memory pair: VNC auth with `password`; resolves with the 4-byte result (0 ok) and any reason. */
export async function vncLogin(server: VncServer, password: string, name = 'viewer'): Promise<{ client: TestClient; result: number; reason?: string }> {
  const [serverSide, clientSide] = createChannelPair({ names: ['vncd', name] });
  server.attach(serverSide);
  const client = TestClient.over(clientSide);
  expect((await client.read(12)).toString()).toBe('RFB 003.008\n');
  client.write(V38);
  const types = await client.read((await client.read(1)).readUInt8(0));
  expect([...types]).toContain(SECURITY_VNC);
  client.write(Buffer.of(SECURITY_VNC));
  client.write(vncResponse(password, await client.read(16)));
  const result = (await client.read(4)).readUInt32BE(0);
  if (result !== 0) {
    const reason = (await client.read((await client.read(4)).readUInt32BE(0))).toString();
    return { client, result, reason };
  }
  client.write('01'); // shared
  await client.readServerInit();
  return { client, result };
}

export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await probe();
    if (done(value) || attempt > 100) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
