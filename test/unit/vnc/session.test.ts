import { createChannelPair } from '../../../src/io';
import { Display, RGB565, VncServer, type Logger, type VncServerOptions } from '../../../src/vnc';
import { TestClient } from '../../helpers/rfb-client';
import { ClientScreen, clientMessage } from '../../helpers/rfb-screen';

const RAW = 0;
const COPY_RECT = 1;
const DESKTOP_SIZE = -223;

/** Deterministic noise, so every pixel differs from its neighbours. */
function fillNoise(display: Display, seed = 1): void {
  let state = seed;
  for (let i = 0; i < display.buffer.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    display.buffer.writeUInt8(state >>> 24, i);
  }
}

/** The display's pixels as 0xRRGGBB, computed here from the 32 bpp BGRX layout. */
function displayRgb(display: Display): number[] {
  const out: number[] = [];
  for (let i = 0; i < display.width * display.height; i++) out.push(display.buffer.readUInt32LE(i * 4) & 0xffffff);
  return out;
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (message: string): void => {
    lines.push(message);
  };
  return { lines, debug: push, info: push, warn: push, error: push };
}

describe('client session', () => {
  let server: VncServer;
  let display: Display;
  let logger: ReturnType<typeof recordingLogger>;
  const clients: TestClient[] = [];

  function start(options: Partial<VncServerOptions> = {}, width = 40, height = 24): void {
    display = new Display({ width, height, name: 'session' });
    fillNoise(display);
    logger = recordingLogger();
    server = new VncServer({ display, logger, ...options });
  }

  async function connect(encodings: number[] = [RAW], shared = true): Promise<{ client: TestClient; screen: ClientScreen }> {
    const client = TestClient.connect(server);
    clients.push(client);
    const init = await client.handshakeNone(shared);
    client.write(clientMessage.setPixelFormat32LE() + clientMessage.setEncodings(...encodings));
    return { client, screen: new ClientScreen(init.width, init.height) };
  }

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server.close();
  });

  it('sends the whole screen for a non-incremental request, pixel for pixel', async () => {
    start();
    const { client, screen } = await connect();
    client.write(clientMessage.updateRequest(false, 0, 0, 40, 24));
    await screen.readUpdate(client);
    expect(screen.rgb()).toEqual(displayRgb(display));
  });

  it('translates an RGB565 display for a 32 bpp client', async () => {
    display = new Display({ width: 7, height: 3, format: RGB565 });
    fillNoise(display, 7);
    server = new VncServer({ display });
    const { client, screen } = await connect();
    client.write(clientMessage.updateRequest(false, 0, 0, 7, 3));
    await screen.readUpdate(client);
    const expected: number[] = [];
    for (let i = 0; i < 21; i++) {
      const v = display.buffer.readUInt16LE(i * 2);
      const r = Math.round((((v >> 11) & 31) * 255) / 31);
      const g = Math.round((((v >> 5) & 63) * 255) / 63);
      const b = Math.round(((v & 31) * 255) / 31);
      expected.push((r << 16) | (g << 8) | b);
    }
    expect(screen.rgb()).toEqual(expected);
  });

  it('answers an incremental request only when pixels really change, with just the changed area', async () => {
    start();
    const { client, screen } = await connect();
    client.write(clientMessage.updateRequest(false, 0, 0, 40, 24));
    await screen.readUpdate(client);
    client.write(clientMessage.updateRequest(true, 0, 0, 40, 24));
    await client.expectSilence();
    display.damage(0, 0, 40, 24); // damage with no change is not sent
    await client.expectSilence();
    display.buffer.writeUInt32LE(0x123456, (20 * 40 + 35) * 4);
    display.damage(35, 20, 1, 1);
    screen.rects.length = 0;
    await screen.readUpdate(client);
    expect(screen.rgb()).toEqual(displayRgb(display));
    const area = screen.rects.reduce((sum, r) => sum + r.w * r.h, 0);
    expect(area).toBeLessThanOrEqual(16 * 16);
    expect(screen.rects.every((r) => r.x <= 35 && r.x + r.w > 35 && r.y <= 20 && r.y + r.h > 20)).toBe(true);
  });

  it('clips requests to the framebuffer and treats zero-size requests as harmless', async () => {
    start();
    const { client, screen } = await connect();
    client.write(clientMessage.updateRequest(false, 30, 20, 500, 500));
    await screen.readUpdate(client); // ClientScreen rejects any rect outside the framebuffer
    const want = displayRgb(display);
    const got = screen.rgb();
    for (let y = 20; y < 24; y++) for (let x = 30; x < 40; x++) expect(got[y * 40 + x]).toBe(want[y * 40 + x]);
    client.write(clientMessage.updateRequest(false, 5, 5, 0, 0));
    await client.expectSilence();
  });

  it('sends CopyRect to clients that asked for it, and pixels to the others', async () => {
    start();
    const copier = await connect([COPY_RECT, RAW]);
    const plain = await connect([RAW]);
    for (const { client, screen } of [copier, plain]) {
      client.write(clientMessage.updateRequest(false, 0, 0, 40, 24));
      await screen.readUpdate(client);
      screen.rects.length = 0;
      client.write(clientMessage.updateRequest(true, 0, 0, 40, 24));
    }
    display.copy(0, 0, 20, 8, 16, 16);
    await copier.screen.readUpdate(copier.client);
    await plain.screen.readUpdate(plain.client);
    expect(copier.screen.rects).toEqual([{ x: 20, y: 8, w: 16, h: 16, encoding: COPY_RECT }]);
    expect(plain.screen.rects.every((r) => r.encoding === RAW)).toBe(true);
    expect(copier.screen.rgb()).toEqual(displayRgb(display));
    expect(plain.screen.rgb()).toEqual(displayRgb(display));
  });

  it('keeps CopyRect when the source still has changes the client was not sent, and sends those at the target', async () => {
    start({}, 64, 32);
    const { client, screen } = await connect([COPY_RECT, RAW]);
    client.write(clientMessage.updateRequest(false, 0, 0, 64, 32));
    await screen.readUpdate(client);
    // A change the client has not seen, inside the area about to be moved.
    display.buffer.writeUInt32LE(0xabcdef, (3 * 64 + 5) * 4);
    display.damage(5, 3, 1, 1);
    await new Promise(setImmediate);
    display.copy(0, 0, 32, 8, 16, 16);
    screen.rects.length = 0;
    client.write(clientMessage.updateRequest(true, 0, 0, 64, 32));
    await screen.readUpdate(client);
    expect(screen.rects[0]).toEqual({ x: 32, y: 8, w: 16, h: 16, encoding: COPY_RECT });
    expect(screen.rgb()).toEqual(displayRgb(display));
  });

  it('serves the current pixels to a client arriving after changes made while nobody watched', async () => {
    start();
    fillNoise(display, 42);
    display.damage();
    display.copy(0, 0, 8, 8, 8, 8);
    await new Promise(setImmediate);
    const { client, screen } = await connect();
    client.write(clientMessage.updateRequest(false, 0, 0, 40, 24));
    await screen.readUpdate(client);
    expect(screen.rgb()).toEqual(displayRgb(display));
  });

  it('tells a DesktopSize client about a resize in an update of its own, then sends the new screen', async () => {
    start();
    const { client, screen } = await connect([RAW, DESKTOP_SIZE]);
    client.write(clientMessage.updateRequest(true, 0, 0, 40, 24));
    display.resize(50, 30);
    fillNoise(display, 3);
    display.damage();
    await screen.readUpdate(client);
    expect(screen.rects).toEqual([{ x: 0, y: 0, w: 50, h: 30, encoding: DESKTOP_SIZE }]);
    client.write(clientMessage.updateRequest(false, 0, 0, 50, 30));
    await screen.readUpdate(client);
    expect(screen.rgb()).toEqual(displayRgb(display));
  });

  it('handles a resize right after ServerInit, before the first request', async () => {
    start();
    const client = TestClient.connect(server);
    clients.push(client);
    const init = await client.handshakeNone();
    display.resize(8, 8);
    fillNoise(display, 5);
    display.damage();
    client.write(clientMessage.setPixelFormat32LE() + clientMessage.setEncodings(RAW, DESKTOP_SIZE));
    client.write(clientMessage.updateRequest(false, 0, 0, init.width, init.height));
    const screen = new ClientScreen(init.width, init.height);
    await screen.readUpdate(client);
    expect(screen.rects).toEqual([{ x: 0, y: 0, w: 8, h: 8, encoding: DESKTOP_SIZE }]);
    client.write(clientMessage.updateRequest(false, 0, 0, 8, 8));
    await screen.readUpdate(client); // every rect must fit the new size (ClientScreen checks)
    expect(screen.rgb()).toEqual(displayRgb(display));
  });

  it('disconnects a client that cannot follow a resize, with the reason', async () => {
    start();
    const { client } = await connect([RAW]);
    const reason = new Promise<string>((resolve) => server.once('disconnected', (_, why) => resolve(why)));
    client.write(clientMessage.updateRequest(true, 0, 0, 40, 24));
    display.resize(10, 10);
    await client.expectClosed();
    expect(await reason).toMatch(/cannot follow.*DesktopSize/);
  });

  it('delivers keys, pointer (clipped to the screen) and clipboard text to the embedder', async () => {
    start();
    const events: unknown[] = [];
    display.on('key', (e) => events.push(['key', e]));
    display.on('pointer', (e) => events.push(['pointer', e]));
    display.on('clipboard', (text) => events.push(['clipboard', text]));
    const { client } = await connect();
    client.write(clientMessage.key(true, 0x61) + clientMessage.key(false, 0xff0d));
    client.write(clientMessage.pointer(5, 12, 7) + clientMessage.pointer(0, 900, 900));
    client.write(clientMessage.cutText('héllo'));
    client.write(clientMessage.updateRequest(false, 0, 0, 1, 1));
    await client.read(4);
    expect(events).toEqual([
      ['key', { keysym: 0x61, down: true }],
      ['key', { keysym: 0xff0d, down: false }],
      ['pointer', { x: 12, y: 7, buttons: 5 }],
      ['pointer', { x: 39, y: 23, buttons: 0 }],
      ['clipboard', 'héllo'],
    ]);
  });

  it('keeps a client whose embedder input handler throws, and logs it', async () => {
    start();
    display.on('key', () => {
      throw new Error('embedder bug');
    });
    const { client } = await connect();
    client.write(clientMessage.key(true, 0x61) + clientMessage.updateRequest(false, 0, 0, 1, 1));
    expect(await client.readHex(4)).toBe('00000001');
    expect(logger.lines.some((line) => /input handler threw: embedder bug/.test(line))).toBe(true);
  });

  it('drops clipboard text over the limit without holding it, and keeps the client', async () => {
    start({ maxCutText: 16 });
    const texts: string[] = [];
    display.on('clipboard', (text) => texts.push(text));
    const { client } = await connect();
    client.write(clientMessage.cutText('x'.repeat(200_000)) + clientMessage.cutText('short'));
    client.write(clientMessage.updateRequest(false, 0, 0, 1, 1));
    expect(await client.readHex(4)).toBe('00000001');
    expect(texts).toEqual(['short']);
    expect(logger.lines.some((line) => /clipboard text of 200000 bytes dropped \(limit 16\)/.test(line))).toBe(true);
  });

  it.each([
    ['an unknown message type', 'c8', /unknown client message type 200/],
    ['a 24 bpp pixel format', '00 000000 18 18 00 01 00ff 00ff 00ff 10 08 00 000000', /SetPixelFormat refused/],
    ['too many encodings', '02 00 ffff', /SetEncodings with 65535 encodings/],
    ['a negative cut text length', '06 000000 ffffffff', /negative length/],
  ])('drops a client that sends %s, with the reason, and keeps serving the others', async (_, bytes, why) => {
    start();
    const good = await connect();
    const bad = await connect();
    const reason = new Promise<string>((resolve) => server.once('disconnected', (_, r) => resolve(r)));
    bad.client.write(bytes.replace(/\s+/g, ''));
    await bad.client.expectClosed();
    expect(await reason).toMatch(why);
    good.client.write(clientMessage.updateRequest(false, 0, 0, 40, 24));
    await good.screen.readUpdate(good.client);
    expect(good.screen.rgb()).toEqual(displayRgb(display));
  });

  it('sends a colour map to an 8 bpp colour-map client and pixels as palette indices', async () => {
    start({}, 6, 2);
    const client = TestClient.connect(server);
    clients.push(client);
    await client.handshakeNone();
    client.write('00 000000' + '08 08 00 00 0000 0000 0000 00 00 00 000000'); // 8 bpp, true colour off
    client.write(clientMessage.updateRequest(false, 0, 0, 6, 2));
    const head = await client.read(6);
    expect(head.toString('hex')).toBe('010000000100'); // SetColourMapEntries, first 0, 256 colours
    const map = await client.read(256 * 6);
    expect((await client.read(4)).toString('hex')).toBe('00000001');
    const rect = await client.read(12);
    expect(rect.readInt32BE(8)).toBe(RAW);
    const indices = await client.read(12);
    const source = displayRgb(display);
    indices.forEach((index, i) => {
      const rgb = source[i] ?? 0;
      const palette = [map.readUInt16BE(index * 6), map.readUInt16BE(index * 6 + 2), map.readUInt16BE(index * 6 + 4)];
      const want = [(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255];
      // 3/3/2 bits per channel: each channel within half a step of the source.
      palette.forEach((value, c) => expect(Math.abs(value / 257 - (want[c] ?? 0))).toBeLessThanOrEqual(c === 2 ? 43 : 19));
    });
  });

  it('sends Bell and ServerCutText from the display', async () => {
    start();
    const { client } = await connect();
    display.bell();
    display.setClipboard('hi€');
    expect(await client.readHex(1)).toBe('02');
    expect(await client.readHex(11)).toBe('03000000' + '00000003' + '68693f');
  });

  describe('share policies', () => {
    it('allow-exclusive: an exclusive client disconnects the others; shared ones are then refused', async () => {
      start();
      const first = await connect();
      await connect([RAW], false);
      await first.client.expectClosed();
      const late = TestClient.connect(server);
      clients.push(late);
      await expect(late.handshakeNone(true)).rejects.toMatchObject({ code: expect.stringMatching(/^IO_/) });
      expect(logger.lines.some((l) => /another client has exclusive access/.test(l))).toBe(true);
    });

    it('force-shared: a client asking for exclusive access is refused', async () => {
      start({ share: 'force-shared' });
      const first = await connect();
      const greedy = TestClient.connect(server);
      clients.push(greedy);
      await expect(greedy.handshakeNone(false)).rejects.toMatchObject({ code: expect.stringMatching(/^IO_/) });
      first.client.write(clientMessage.updateRequest(false, 0, 0, 1, 1));
      expect(await first.client.readHex(4)).toBe('00000001');
    });

    it('ignore: the flag changes nothing', async () => {
      start({ share: 'ignore' });
      const first = await connect();
      await connect([RAW], false);
      first.client.write(clientMessage.updateRequest(false, 0, 0, 1, 1));
      expect(await first.client.readHex(4)).toBe('00000001');
    });
  });

  it('refuses an unknown encoding name in the encodings option, naming the known ones', () => {
    expect(() => new VncServer({ display: new Display({ width: 1, height: 1 }), encodings: ['raw', 'hextil'] })).toThrow(
      /unknown encoding 'hextil' \(known: raw/,
    );
  });

  it('disconnects a client by id with the reason given', async () => {
    start();
    const { client } = await connect();
    const reason = new Promise<string>((resolve) => server.once('disconnected', (_, why) => resolve(why)));
    const [info] = server.info().clients;
    expect(server.disconnect(info?.id ?? -1, 'asked by the operator')).toBe(true);
    expect(server.disconnect(12345)).toBe(false);
    expect(await reason).toBe('asked by the operator');
    await client.expectClosed();
  });

  it('reports connection events and info() in QEMU terms', async () => {
    start();
    const events: string[] = [];
    server.on('connected', (info) => events.push(`connected ${info.family}`));
    server.on('initialized', (info) => events.push(`initialized ${info.auth} ${info.version} shared=${info.shared}`));
    server.on('disconnected', (info, reason) => events.push(`disconnected ${info.id}: ${reason}`));
    const { client, screen } = await connect([99, RAW]);
    client.write(clientMessage.updateRequest(false, 0, 0, 1, 1));
    await screen.readUpdate(client);
    const [info] = server.info().clients;
    expect(info).toMatchObject({ family: 'memory', auth: 'none', version: '3.8', encodings: [99, RAW], websocket: false });
    const updateBytes = 4 + screen.rects.reduce((sum, r) => sum + 12 + r.w * r.h * 4, 0);
    expect(info?.bytesSent).toBe(12 + 2 + 4 + 24 + 'session'.length + updateBytes);
    client.close();
    await new Promise((resolve) => server.once('disconnected', resolve));
    expect(events).toEqual([
      'connected memory',
      'initialized none 3.8 shared=true',
      `disconnected ${info?.id}: client closed the connection`,
    ]);
  });

  it('bounds the output queued for a client that stops reading, and drops it past the hard limit', async () => {
    start({}, 256, 256);
    const [serverSide, clientSide] = createChannelPair();
    server.attach(serverSide);
    const client = TestClient.over(clientSide);
    clients.push(client);
    await client.handshakeNone();
    client.write(clientMessage.setPixelFormat32LE() + clientMessage.setEncodings(RAW));
    client.stopReading();
    let maxQueued = 0;
    // The client asks for many updates and never reads them; the screen changes all the time.
    for (let frame = 0; frame < 60; frame++) {
      client.write(clientMessage.updateRequest(true, 0, 0, 256, 256));
      fillNoise(display, frame + 10);
      display.damage();
      await new Promise(setImmediate);
      await new Promise(setImmediate);
      maxQueued = Math.max(maxQueued, serverSide.queuedBytes);
    }
    const frameBytes = 256 * 256 * 4;
    expect(maxQueued).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThanOrEqual(1024 * 1024 + frameBytes + 1024);
    expect(serverSide.isOpen).toBe(true);
  });
});
