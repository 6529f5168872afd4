/**
 * The websocket channel over an in-memory pair (a transport that holds write
 * acknowledgements while its reader does not read, like TCP, but without
 * kernel buffers): flow control both ways, frame splitting, close both ways,
 * facts, and the channel's error on a text message.
 */
import { createChannelPair, splitFrames, WebsocketListener, type Channel } from '../../../src/io';
import { Op, RawClient, closePayload, frame, upgradeRequest } from './websocket-wire';

let web: WebsocketListener;
const opened: Channel[] = [];
const clients: RawClient[] = [];

beforeEach(() => {
  web = new WebsocketListener();
});

afterEach(async () => {
  for (const channel of opened.splice(0)) channel.close();
  for (const client of clients.splice(0)) client.close();
  await web.close();
});

/** An upgraded connection over a memory pair: the raw client and the server's websocket channel. */
async function pair(path = '/', headers: Readonly<Record<string, string>> = {}): Promise<{ client: RawClient; channel: Channel }> {
  const [serverSide, clientSide] = createChannelPair({ highWaterMark: 16 * 1024, names: ['server', 'viewer'] });
  const channel = new Promise<Channel>((resolve) => web.once('channel', resolve));
  web.serve(serverSide);
  const client = RawClient.over(clientSide.detach());
  clients.push(client);
  client.send(upgradeRequest(path, headers));
  expect((await client.readHttp()).status).toBe(101);
  const ready = await channel;
  opened.push(ready);
  return { client, channel: ready };
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('splitFrames', () => {
  test('small parts share a message; a large part is cut at the limit without copying', () => {
    const big = Buffer.alloc(10, 7);
    const frames = splitFrames([Buffer.from([1]), Buffer.from([2, 3]), big], 4);
    expect(frames.map((f) => [...f])).toEqual([[1, 2, 3, 7], [7, 7, 7, 7], [7, 7, 7, 7], [7]]);
    expect(frames[1]?.buffer).toBe(big.buffer);
    expect(splitFrames([Buffer.alloc(0)], 4)).toEqual([]);
  });
});

describe('websocket channel', () => {
  test('facts: memory+websocket, with the path and the subprotocol', async () => {
    const { channel } = await pair('/vnc?x', { 'Sec-WebSocket-Protocol': 'binary' });
    expect(channel.facts).toMatchObject({
      kind: 'websocket',
      layers: ['memory', 'websocket'],
      peer: { family: 'memory', name: 'viewer' },
      websocket: { path: '/vnc', subprotocol: 'binary' },
    });
    expect(channel.facts.websocket?.origin).toBeUndefined();
  });

  test('message boundaries do not matter: three messages are read as one run of bytes', async () => {
    const { client, channel } = await pair();
    client.send(Buffer.concat([frame(Op.BINARY, 'RFB '), frame(Op.BINARY, '003.0'), frame(Op.BINARY, '08\n')]));
    expect((await channel.read(12)).toString()).toBe('RFB 003.008\n');
    expect(channel.bytesRead).toBe(12);
  });

  test('out: queuedBytes holds a write until the peer has taken every frame of it; flush waits for that', async () => {
    const { client, channel } = await pair();
    const size = 1024 * 1024;
    client.socket.pause(); // the viewer stops reading
    channel.write(Buffer.alloc(size, 0x42));
    expect(channel.queuedBytes).toBe(size);
    let flushed = false;
    const flush = channel.flush().then(() => {
      flushed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The viewer reads nothing: the transport holds the frames, and the channel counts them queued.
    expect(flushed).toBe(false);
    expect(channel.queuedBytes).toBe(size);
    client.socket.resume();
    let received = 0;
    let frames = 0;
    while (received < size) {
      const next = await client.readFrame();
      expect(next.payload.length).toBeLessThanOrEqual(64 * 1024);
      received += next.payload.length;
      frames++;
    }
    await flush;
    expect(frames).toBe(16);
    expect(channel.queuedBytes).toBe(0);
    expect(channel.bytesWritten).toBe(size);
  });

  test('in: a channel that does not read pauses the websocket, so the sender is held back', async () => {
    const { client, channel } = await pair();
    const message = Buffer.alloc(60 * 1024, 0x33);
    for (let i = 0; i < 16; i++) client.send(frame(Op.BINARY, message));
    // Without a reader the server stops taking bytes: the viewer's writes stay unacknowledged.
    await until(() => client.socket.writableLength > 512 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(client.socket.writableLength).toBeGreaterThan(512 * 1024);
    const all = await channel.read(16 * message.length);
    expect(all.every((byte) => byte === 0x33)).toBe(true);
    await until(() => client.socket.writableLength === 0);
  });

  test('closing the channel sends close 1000 after the bytes written before it', async () => {
    const { client, channel } = await pair();
    channel.write(Buffer.from('last words'));
    channel.close();
    const data = await client.readFrame();
    expect(data.payload.toString()).toBe('last words');
    expect(await client.readCloseCode()).toBe(1000);
  });

  test('shutdown() is a close 1000 too (a websocket has no half close)', async () => {
    const { client, channel } = await pair();
    await channel.shutdown();
    expect(await client.readCloseCode()).toBe(1000);
  });

  test("the peer's close: a pending read fails with IO_EOF, then the channel closes without an error", async () => {
    const { client, channel } = await pair();
    const closed = new Promise<Error | undefined>((resolve) => channel.once('close', resolve));
    const read = channel.read(5);
    client.send(frame(Op.BINARY, 'abc'));
    client.send(frame(Op.CLOSE, closePayload(1001)));
    await expect(read).rejects.toMatchObject({ code: 'IO_EOF', message: 'peer closed the connection after 3 of 5 bytes' });
    expect(await client.readCloseCode()).toBe(1001);
    await expect(closed).resolves.toBeUndefined();
    channel.write(Buffer.from('dropped')); // after the close: dropped, no error
  });

  test('a text message closes with 1003 and the channel closes with IO_WEBSOCKET_PROTOCOL', async () => {
    const { client, channel } = await pair();
    const closed = new Promise<Error | undefined>((resolve) => channel.once('close', resolve));
    client.send(frame(Op.TEXT, 'hello'));
    expect(await client.readCloseCode()).toBe(1003);
    await expect(closed).resolves.toMatchObject({ code: 'IO_WEBSOCKET_PROTOCOL', message: expect.stringMatching(/text message/) });
  });

  test('a protocol error closes the channel with IO_WEBSOCKET_PROTOCOL naming the rule', async () => {
    const { client, channel } = await pair();
    const closed = new Promise<Error | undefined>((resolve) => channel.once('close', resolve));
    client.send(frame(Op.BINARY, 'x', { mask: false }));
    expect(await client.readCloseCode()).toBe(1002);
    await expect(closed).resolves.toMatchObject({
      code: 'IO_WEBSOCKET_PROTOCOL',
      message: expect.stringMatching(/^websocket protocol error from the peer: .*MASK.*\(WS_ERR_EXPECTED_MASK\)$/),
    });
  });
});
