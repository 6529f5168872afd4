/**
 * Autobahn-style websocket conformance, as raw bytes over TCP after a valid
 * upgrade: each case states the bytes and the exact close code (or echo) the
 * server must answer with, and after each one a fresh client still completes
 * the RFB version exchange with a real VncServer on the same port.
 */
import { WebsocketListener, type Channel } from '../../../src/io';
import { Display, VncServer, type ClientInfo } from '../../../src/vnc';
import { tick } from '../../helpers/sockets';
import { Op, RawClient, closePayload, frame } from './websocket-wire';

const MAX_PAYLOAD = 64 * 1024;
const MAX_FRAGMENTS = 64;
const BIG_WRITE = 200_000;

let web: WebsocketListener;
let vnc: VncServer;
let port = 0;
const clients: RawClient[] = [];
const channels: Channel[] = [];

/** Echo target: a 4-byte length, then that many bytes, sent back in one write. */
async function echo(channel: Channel): Promise<void> {
  try {
    for (;;) {
      const length = (await channel.read(4)).readUInt32BE(0);
      channel.write(await channel.read(length));
    }
  } catch {
    channel.close();
  }
}

beforeAll(async () => {
  vnc = new VncServer({ display: new Display({ width: 4, height: 2, name: 'conformance' }) });
  const paths = ['/vnc', '/echo', '/big'];
  web = await WebsocketListener.listen({ host: '127.0.0.1', port: 0 }, { paths, maxPayload: MAX_PAYLOAD, maxFragments: MAX_FRAGMENTS });
  web.on('channel', (channel) => {
    channels.push(channel);
    const path = channel.facts.websocket?.path;
    if (path === '/vnc') vnc.attach(channel);
    else if (path === '/big') channel.write(Buffer.alloc(BIG_WRITE, 0x5a));
    else void echo(channel);
  });
  const address = web.addresses[0];
  if (address === undefined || !('port' in address)) throw new Error('no TCP address');
  port = address.port;
});

afterAll(async () => {
  await web.close();
  await vnc.close();
  for (const channel of channels) channel.close();
});

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

async function open(path: string): Promise<RawClient> {
  const client = await RawClient.upgraded(port, path);
  clients.push(client);
  return client;
}

/** Binary payloads from the server until `length` bytes have come. */
async function readStream(client: RawClient, length: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let have = 0;
  while (have < length) {
    const next = await client.readFrame();
    expect(next.opcode).toBe(Op.BINARY);
    expect(next.masked).toBe(false);
    parts.push(next.payload);
    have += next.payload.length;
  }
  return Buffer.concat(parts);
}

/** A new client completes the RFB version exchange: the server is unharmed. */
async function expectServerServes(): Promise<void> {
  const client = await open('/vnc');
  expect((await readStream(client, 12)).toString('latin1')).toBe('RFB 003.008\n');
  client.send(frame(Op.BINARY, 'RFB 003.008\n'));
  expect((await readStream(client, 2)).toString('hex')).toBe('0101'); // one security type: None
}

/** Sends `bytes` after a valid upgrade and expects the server's close frame to carry `code`, then the end of TCP. */
async function expectCloseCode(bytes: Buffer | readonly Buffer[], code: number, path = '/echo'): Promise<void> {
  const client = await open(path);
  for (const part of Array.isArray(bytes) ? bytes : [bytes]) client.send(part);
  expect(await client.readCloseCode()).toBe(code);
  client.send(frame(Op.CLOSE, closePayload(code)));
  await client.expectEnded();
  await expectServerServes();
}

function echoRequest(payload: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(payload.length, 0);
  return Buffer.concat([length, payload]);
}

describe('websocket framing (RFC 6455 §5)', () => {
  test.each([
    ['RSV1 (no extension was negotiated)', 4],
    ['RSV2', 2],
    ['RSV3', 1],
    ['all three', 7],
  ])('a frame with %s set fails with 1002', async (_name, rsv) => {
    await expectCloseCode(frame(Op.BINARY, 'x', { rsv }), 1002);
  });

  test.each([
    ['3 (reserved data)', 0x3],
    ['7 (reserved data)', 0x7],
    ['0xB (reserved control)', 0xb],
    ['0xF (reserved control)', 0xf],
  ])('opcode %s fails with 1002', async (_name, opcode) => {
    await expectCloseCode(frame(opcode, 'x'), 1002);
  });

  test('an unmasked client frame fails with 1002 (82 03 01 02 03)', async () => {
    const bytes = frame(Op.BINARY, Buffer.from([1, 2, 3]), { mask: false });
    expect(bytes.toString('hex')).toBe('8203010203');
    await expectCloseCode(bytes, 1002);
  });

  test('a fragmented binary message is reassembled, with a ping between its fragments', async () => {
    const client = await open('/vnc');
    expect((await readStream(client, 12)).toString('latin1')).toBe('RFB 003.008\n');
    client.send(frame(Op.BINARY, 'RFB ', { fin: false }));
    client.send(frame(Op.PING, 'mid'));
    client.send(frame(Op.CONT, '003.', { fin: false }));
    client.send(frame(Op.CONT, '008\n'));
    const pong = await client.readFrame();
    expect(pong).toMatchObject({ opcode: Op.PONG, fin: true });
    expect(pong.payload.toString()).toBe('mid');
    expect((await readStream(client, 2)).toString('hex')).toBe('0101');
  });

  test('a message sent one byte per TCP segment arrives whole', async () => {
    const client = await open('/echo');
    const bytes = frame(Op.BINARY, echoRequest(Buffer.from('split at every byte')));
    for (const byte of bytes) {
      client.send(Buffer.from([byte]));
      await tick(1);
    }
    expect((await readStream(client, 19)).toString()).toBe('split at every byte');
  });

  test('a continuation frame with no message to continue fails with 1002 (80 80 + mask)', async () => {
    await expectCloseCode(frame(Op.CONT), 1002);
  });

  test('a new data frame inside a fragmented message fails with 1002', async () => {
    await expectCloseCode([frame(Op.BINARY, 'a', { fin: false }), frame(Op.BINARY, 'b')], 1002);
  });

  test('a fragmented control frame (ping without FIN) fails with 1002', async () => {
    await expectCloseCode(frame(Op.PING, 'x', { fin: false }), 1002);
  });

  test('a ping with 126 bytes (control frames carry ≤ 125) fails with 1002', async () => {
    await expectCloseCode(frame(Op.PING, Buffer.alloc(126, 0x61)), 1002);
  });

  test.each([0, 5, 125])('a ping with %i bytes is answered by a pong carrying the same bytes', async (length) => {
    const client = await open('/echo');
    const payload = Buffer.alloc(length);
    for (let i = 0; i < length; i++) payload[i] = (i * 7) & 0xff;
    client.send(frame(Op.PING, payload));
    const pong = await client.readFrame();
    expect(pong).toMatchObject({ fin: true, rsv: 0, opcode: Op.PONG, masked: false });
    expect(pong.payload.equals(payload)).toBe(true);
  });

  test('an unsolicited pong is ignored', async () => {
    const client = await open('/echo');
    client.send(frame(Op.PONG, 'nobody asked'));
    client.send(frame(Op.BINARY, echoRequest(Buffer.from('still here'))));
    expect((await readStream(client, 10)).toString()).toBe('still here');
  });
});

describe('websocket close handshake', () => {
  test.each([1000, 1001, 3000, 4999])('a close with code %i is answered with the same code, then TCP ends', async (code) => {
    const client = await open('/echo');
    client.send(frame(Op.CLOSE, closePayload(code, 'bye')));
    const answer = await client.readFrame();
    expect(answer.opcode).toBe(Op.CLOSE);
    expect(answer.payload.readUInt16BE(0)).toBe(code);
    await client.expectEnded();
  });

  test('a close without a code is answered with an empty close', async () => {
    const client = await open('/echo');
    client.send(frame(Op.CLOSE));
    const answer = await client.readFrame();
    expect(answer.opcode).toBe(Op.CLOSE);
    expect(answer.payload.length).toBe(0);
    await client.expectEnded();
  });

  test.each([0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000])('a close with the invalid code %i fails with 1002', async (code) => {
    await expectCloseCode(frame(Op.CLOSE, closePayload(code)), 1002);
  });

  test('a close with a 1-byte payload fails with 1002', async () => {
    await expectCloseCode(frame(Op.CLOSE, Buffer.from([0x03])), 1002);
  });

  test('the close ends the VNC session, and the session saw a websocket', async () => {
    const connected = new Promise<ClientInfo>((resolve) => vnc.once('connected', resolve));
    const client = await open('/vnc');
    const info = await connected;
    expect(info.websocket).toBe(true);
    const gone = new Promise<string>((resolve) => {
      const listener = (left: ClientInfo, reason: string): void => {
        if (left.id !== info.id) return;
        vnc.off('disconnected', listener);
        resolve(reason);
      };
      vnc.on('disconnected', listener);
    });
    await readStream(client, 12);
    client.send(frame(Op.CLOSE, closePayload(1000)));
    expect(await client.readCloseCode()).toBe(1000);
    expect(await gone).toBe('client closed the connection');
  });
});

describe('websocket messages and limits', () => {
  test('a text message fails with 1003: the stream is binary only', async () => {
    await expectCloseCode(frame(Op.TEXT, 'RFB 003.008\n'), 1003, '/vnc');
  });

  test('a text message that is not UTF-8 fails with 1007', async () => {
    await expectCloseCode(frame(Op.TEXT, Buffer.from([0xc3, 0x28])), 1007);
  });

  test('a frame declaring more than maxPayload fails with 1009 before its payload is sent', async () => {
    await expectCloseCode(frame(Op.BINARY, undefined, { declaredLength: MAX_PAYLOAD + 1 }), 1009);
  });

  test('a declared length of 2^63 fails with 1009', async () => {
    const bytes = Buffer.concat([Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('37fa213d', 'hex')]);
    await expectCloseCode(bytes, 1009);
  });

  test('fragments adding up to more than maxPayload fail with 1009', async () => {
    const half = Buffer.alloc(MAX_PAYLOAD / 2 + 1);
    await expectCloseCode([frame(Op.BINARY, half, { fin: false }), frame(Op.CONT, half)], 1009);
  });

  test(`more than ${MAX_FRAGMENTS} fragments in one message fail with 1008`, async () => {
    const fragments = [frame(Op.BINARY, 'a', { fin: false })];
    for (let i = 1; i <= MAX_FRAGMENTS; i++) fragments.push(frame(Op.CONT, 'a', { fin: false }));
    await expectCloseCode(Buffer.concat(fragments), 1008);
  });

  test('a 64-bit length frame (60 000 bytes) is accepted, and the echo leaves in frames of at most 64 KiB', async () => {
    const client = await open('/echo');
    const payload = Buffer.alloc(60_000 - 4);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    const bytes = frame(Op.BINARY, echoRequest(payload), { lengthForm: 64 });
    expect(bytes.readUInt8(1)).toBe(0x80 | 127);
    client.send(bytes);
    expect((await readStream(client, payload.length)).equals(payload)).toBe(true);
  });

  test('a 12-byte payload in the non-minimal 64-bit length form is accepted (receivers need not check)', async () => {
    const client = await open('/vnc');
    await readStream(client, 12);
    client.send(frame(Op.BINARY, 'RFB 003.008\n', { lengthForm: 64 }));
    expect((await readStream(client, 2)).toString('hex')).toBe('0101');
  });
});

describe('outgoing frames', () => {
  test('a 200 000-byte write leaves as binary messages of at most 64 KiB: 65536, 65536, 65536, 3392', async () => {
    const client = await open('/big');
    const sizes: number[] = [];
    let content = 0;
    for (let have = 0; have < BIG_WRITE; ) {
      const next = await client.readFrame();
      expect(next).toMatchObject({ opcode: Op.BINARY, fin: true, rsv: 0, masked: false });
      sizes.push(next.payload.length);
      content += next.payload.filter((byte) => byte === 0x5a).length;
      have += next.payload.length;
    }
    expect(sizes).toEqual([65536, 65536, 65536, 3392]);
    expect(content).toBe(BIG_WRITE);
  });
});
