import { createCipheriv } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { createChannelPair, type Channel } from '../../src/io';
import type { VncServer } from '../../src/vnc';
import { Wakeup } from './sockets';

/**
 * The client end of an in-memory connection to a server, for byte-exact
 * protocol tests. Reads are exact and time-bounded so a test fails with a
 * message instead of hanging.
 */
export class TestClient {
  private buffered = Buffer.alloc(0);
  private ended = false;
  private readonly arrival = new Wakeup();

  /** Reads from the raw stream itself, so the test's view of the bytes does not depend on the channel code. */
  private readonly onData = (chunk: Buffer): void => {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.arrival.wake();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.arrival.wake();
  };

  constructor(private readonly stream: Duplex) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onEnd);
  }

  /** Hands the raw stream to a wrapper (a TLS client), bytes already received put back in front. */
  detach(): Duplex {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onEnd);
    this.stream.pause();
    if (this.buffered.length > 0) this.stream.unshift(this.buffered);
    this.buffered = Buffer.alloc(0);
    return this.stream;
  }

  static connect(server: VncServer): TestClient {
    const [serverSide, clientSide] = createChannelPair();
    server.attach(serverSide);
    return TestClient.over(clientSide);
  }

  /** The client end of a pair made by the test: its channel is set aside for the raw stream. */
  static over(channel: Channel): TestClient {
    return new TestClient(channel.detach());
  }

  async read(length: number, timeoutMs = 2000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffered.length < length) {
      if (this.ended) throw Object.assign(new Error(`connection closed after ${this.buffered.length} of ${length} bytes`), { code: 'IO_EOF' });
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${length} bytes (${this.buffered.length} arrived)`);
      await this.arrival.sleep(left);
    }
    const out = this.buffered.subarray(0, length);
    this.buffered = this.buffered.subarray(length);
    return out;
  }

  async readHex(length: number): Promise<string> {
    return (await this.read(length)).toString('hex');
  }

  write(hex: string | Uint8Array): void {
    if (!this.stream.destroyed) this.stream.write(typeof hex === 'string' ? Buffer.from(hex.replace(/\s+/g, ''), 'hex') : hex);
  }

  /** Resolves when the server has closed the connection (reading fails with EOF or close). */
  async expectClosed(timeoutMs = 2000): Promise<void> {
    await expect(this.read(1, timeoutMs)).rejects.toMatchObject({ code: expect.stringMatching(/^IO_(EOF|CLOSED)$/) });
  }

  /** Version 3.8, security None, then ClientInit (shared unless told); returns the ServerInit. */
  async handshakeNone(shared = true): Promise<{ width: number; height: number; pixelFormat: Buffer; name: string }> {
    await this.read(12);
    this.write(Buffer.from('RFB 003.008\n'));
    const count = (await this.read(1)).readUInt8(0);
    await this.read(count);
    this.write('01');
    await this.read(4);
    this.write(shared ? '01' : '00');
    return this.readServerInit();
  }

  /**
   * Version 3.8 and security type VeNCrypt (19), which must be the only one
   * offered; after the server's VeNCrypt version (0.2), sends `version` (hex).
   */
  async chooseVencrypt(version = '0002'): Promise<void> {
    await this.read(12);
    this.write(Buffer.from('RFB 003.008\n'));
    expect(await this.readHex(2)).toBe('0113'); // one security type: VeNCrypt (19)
    this.write('13');
    expect(await this.readHex(2)).toBe('0002'); // the server's version: 0.2
    this.write(version);
  }

  /** Stops taking bytes from the transport, like a viewer that hangs; the server sees backpressure. */
  stopReading(): void {
    this.stream.pause();
  }

  /** Fails if the server sends anything within `ms`. */
  async expectSilence(ms = 50): Promise<void> {
    await expect(this.read(1, ms)).rejects.toThrow(/timed out/);
  }

  async readServerInit(): Promise<{ width: number; height: number; pixelFormat: Buffer; name: string }> {
    const head = await this.read(24);
    const name = await this.read(head.readUInt32BE(20));
    return { width: head.readUInt16BE(0), height: head.readUInt16BE(2), pixelFormat: head.subarray(4, 20), name: name.toString('utf8') };
  }

  close(): void {
    this.stream.destroy();
  }
}

/**
 * The response a VNC client computes, written independently of src/crypto:
 * each password byte bit-reversed, then DES-ECB (as 3DES with the key three times).
 */
export function vncResponse(password: string, challenge: Buffer): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(key, 0, 0, 8);
  for (let i = 0; i < 8; i++) {
    let byte = key.readUInt8(i);
    let reversed = 0;
    for (let bit = 0; bit < 8; bit++) {
      reversed = (reversed << 1) | (byte & 1);
      byte >>= 1;
    }
    key.writeUInt8(reversed, i);
  }
  const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([key, key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(challenge), cipher.final()]);
}
