import { deflateSync } from 'node:zlib';
import { Display, VncServer, type KeyInput, type Logger, type PowerAction, type VncServerOptions } from '../../../src/vnc';
import { TestClient } from '../../helpers/rfb-client';
import { ClientScreen, clientMessage, type ScreenRect } from '../../helpers/rfb-screen';

// Pseudo-encodings and extension messages, with expected bytes written from the specifications.
const RAW = 0;
const CONTINUOUS_UPDATES = -313;
const FENCE = -312;
const EXTENDED_DESKTOP_SIZE = -308;
const DESKTOP_NAME = -307;
const CURSOR = -239;
const CURSOR_WITH_ALPHA = -314;
const QEMU_POINTER_MOTION = -257;
const QEMU_KEY_EVENT = -258;
const QEMU_LED_STATE = -261;
const EXTENDED_CLIPBOARD = 0xc0a1e5ce | 0;
const XVP = -309;
// xvp Server Message: type 250, padding, version, code (0 XVP_FAIL, 1 XVP_INIT).
const XVP_INIT = 'fa000101';
const XVP_FAIL = 'fa000100';

describe('session extensions', () => {
  let server: VncServer;
  let display: Display;
  const clients: TestClient[] = [];

  async function connect(...encodings: number[]): Promise<{ client: TestClient; screen: ClientScreen }> {
    const client = TestClient.connect(server);
    clients.push(client);
    const init = await client.handshakeNone();
    client.write(clientMessage.setPixelFormat32LE() + clientMessage.setEncodings(...encodings));
    return { client, screen: new ClientScreen(init.width, init.height) };
  }

  /** Connects and takes the first full update, so that only news is pending afterwards. */
  async function connectSynced(...encodings: number[]): Promise<{ client: TestClient; screen: ClientScreen; first: ScreenRect[] }> {
    const connection = await connect(...encodings);
    connection.client.write(clientMessage.updateRequest(false, 0, 0, 32, 20));
    const first = await update(connection.client, connection.screen);
    return { ...connection, first };
  }

  /** Reads one update and returns only what it carried. */
  async function update(client: TestClient, screen: ClientScreen): Promise<ScreenRect[]> {
    screen.rects.length = 0;
    await screen.readUpdate(client);
    return [...screen.rects];
  }

  /** Replaces the default server with one configured for the test. */
  async function restart(options: Omit<VncServerOptions, 'display'>): Promise<void> {
    await server.close();
    server = new VncServer({ display, ...options });
  }

  beforeEach(() => {
    display = new Display({ width: 32, height: 20, name: 'ext' });
    server = new VncServer({ display });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server.close();
  });

  describe('continuous updates', () => {
    it('are announced with EndOfContinuousUpdates, then flow without requests, and end with another', async () => {
      const { client, screen } = await connect(RAW, CONTINUOUS_UPDATES);
      expect(await client.readHex(1)).toBe('96'); // EndOfContinuousUpdates (150): the server supports them
      client.write(clientMessage.enableContinuousUpdates(true, 0, 0, 32, 20));
      display.buffer.fill(0x40);
      display.damage();
      await update(client, screen);
      display.buffer.fill(0x80);
      display.damage(); // no request in between: continuous
      await update(client, screen);
      expect(screen.rgb().every((rgb) => rgb === 0x808080)).toBe(true);
      client.write(clientMessage.enableContinuousUpdates(false, 0, 0, 32, 20));
      expect(await client.readHex(1)).toBe('96');
      display.buffer.fill(0xc0);
      display.damage();
      await client.expectSilence();
    });

    it('refuse EnableContinuousUpdates from a client that did not list the pseudo-encoding', async () => {
      const { client } = await connect(RAW);
      client.write(clientMessage.enableContinuousUpdates(true, 0, 0, 32, 20));
      await client.expectClosed();
    });
  });

  describe('fences', () => {
    it('announce support with a fence of the server own, and answer a client fence with Request cleared', async () => {
      const { client } = await connect(RAW, FENCE);
      // Server fence: type 248, 3 padding, flags Request, no payload.
      expect(await client.readHex(9)).toBe('f8000000' + '80000000' + '00');
      // Client fence: Request | BlockBefore | BlockAfter | an unknown bit 0x100, payload "hi".
      client.write(clientMessage.fence(0x80000103, 'hi'));
      expect(await client.readHex(11)).toBe('f8000000' + '00000003' + '02' + '6869');
    });

    it('answer a SyncNext fence only once the next message has been handled', async () => {
      const keys: unknown[] = [];
      display.on('key', (key) => keys.push(key));
      const { client } = await connect(RAW, FENCE);
      await client.read(9);
      client.write(clientMessage.fence(0x80000004, ''));
      await client.expectSilence();
      client.write(clientMessage.key(true, 0x61));
      expect(await client.readHex(9)).toBe('f8000000' + '00000004' + '00');
      expect(keys).toEqual([{ keysym: 0x61, down: true }]);
    });
  });

  describe('ExtendedDesktopSize', () => {
    const layout = (reason: number, status: number, w: number, h: number): Partial<ScreenRect> => ({
      x: reason,
      y: status,
      w,
      h,
      encoding: EXTENDED_DESKTOP_SIZE,
    });

    it('answers every non-incremental request with the layout, before the pixels', async () => {
      const { client, screen } = await connect(RAW, EXTENDED_DESKTOP_SIZE);
      client.write(clientMessage.updateRequest(false, 0, 0, 32, 20));
      const [first, ...pixels] = await update(client, screen);
      expect(first).toMatchObject(layout(0, 0, 32, 20));
      // One screen: id 0, at 0,0, 32x20, flags 0.
      expect(first?.body?.toString('hex')).toBe('01000000' + '00000000' + '0000' + '0000' + '0020' + '0014' + '00000000');
      expect(pixels.every((r) => r.encoding === RAW)).toBe(true);
    });

    it('tells a client its SetDesktopSize is prohibited when the embedder does not offer resizing', async () => {
      const { client, screen } = await connectSynced(RAW, EXTENDED_DESKTOP_SIZE);
      client.write(clientMessage.setDesktopSize(64, 48) + clientMessage.updateRequest(true, 0, 0, 32, 20));
      expect(await update(client, screen)).toEqual([expect.objectContaining(layout(1, 1, 32, 20))]);
    });

    it('resizes through the embedder: the requester hears "this client", another client "other client"', async () => {
      display.on('resize-request', ({ width, height }) => display.resize(width, height));
      const requester = await connect(RAW, EXTENDED_DESKTOP_SIZE);
      const other = await connect(RAW, EXTENDED_DESKTOP_SIZE);
      other.client.write(clientMessage.updateRequest(true, 0, 0, 32, 20));
      requester.client.write(clientMessage.updateRequest(true, 0, 0, 32, 20) + clientMessage.setDesktopSize(64, 48));
      expect(await update(requester.client, requester.screen)).toEqual([expect.objectContaining(layout(1, 0, 64, 48))]);
      expect(await update(other.client, other.screen)).toEqual([expect.objectContaining(layout(2, 0, 64, 48))]);
      expect([display.width, display.height]).toEqual([64, 48]);
    });

    it('refuses an invalid layout without asking the embedder', async () => {
      const asked = jest.fn();
      display.on('resize-request', asked);
      const { client, screen } = await connectSynced(RAW, EXTENDED_DESKTOP_SIZE);
      client.write(clientMessage.setDesktopSize(0, 48) + clientMessage.updateRequest(true, 0, 0, 32, 20));
      expect(await update(client, screen)).toEqual([expect.objectContaining(layout(1, 3, 32, 20))]);
      expect(asked).not.toHaveBeenCalled();
    });
  });

  it('acknowledges QEMU extended key events and delivers their scancodes', async () => {
    const keys: unknown[] = [];
    display.on('key', (key) => keys.push(key));
    const { first, client, screen } = await connectSynced(RAW, QEMU_KEY_EVENT);
    expect(first[0]).toEqual({ x: 0, y: 0, w: 0, h: 0, encoding: QEMU_KEY_EVENT, body: Buffer.alloc(0) });
    client.write(clientMessage.qemuKey(true, 0xffe4, 0x9d) + clientMessage.updateRequest(false, 0, 0, 1, 1));
    await update(client, screen);
    expect(keys).toEqual([{ keysym: 0xffe4, down: true, scancode: 0x9d }]);
  });

  it('sends LED state, desktop name and cursor changes to clients that asked for them', async () => {
    const { client, screen } = await connectSynced(RAW, QEMU_LED_STATE, DESKTOP_NAME, CURSOR);
    client.write(clientMessage.updateRequest(true, 0, 0, 32, 20));
    display.setLeds({ scrollLock: false, numLock: true, capsLock: true });
    const [leds] = await update(client, screen);
    expect(leds).toMatchObject({ encoding: QEMU_LED_STATE, body: Buffer.of(0b110) });

    client.write(clientMessage.updateRequest(true, 0, 0, 32, 20));
    display.setName('renamed ✓');
    const [name] = await update(client, screen);
    expect(name?.encoding).toBe(DESKTOP_NAME);
    expect(name?.body?.toString('hex')).toBe('0000000b' + Buffer.from('renamed ✓').toString('hex'));

    client.write(clientMessage.updateRequest(true, 0, 0, 32, 20));
    // A 2x1 cursor: opaque red, transparent green; hotspot (1, 0).
    display.setCursor({ width: 2, height: 1, hotspotX: 1, hotspotY: 0, rgba: Uint8Array.of(255, 0, 0, 255, 0, 255, 0, 0) });
    const [cursor] = await update(client, screen);
    expect(cursor).toMatchObject({ x: 1, y: 0, w: 2, h: 1, encoding: CURSOR });
    // Pixels in the client's 32 bpp LE format (red at shift 16), then the mask: 1 bit per pixel, MSB first.
    expect(cursor?.body?.toString('hex')).toBe('0000ff00' + '00ff0000' + '80');
  });

  it('prefers CursorWithAlpha, premultiplied', async () => {
    display.setCursor({ width: 1, height: 1, hotspotX: 0, hotspotY: 0, rgba: Uint8Array.of(200, 100, 50, 128) });
    const { client, screen } = await connect(RAW, CURSOR, CURSOR_WITH_ALPHA);
    client.write(clientMessage.updateRequest(true, 0, 0, 32, 20));
    const [cursor] = await update(client, screen);
    expect(cursor).toMatchObject({ x: 0, y: 0, w: 1, h: 1, encoding: CURSOR_WITH_ALPHA });
    expect(cursor?.body?.toString('hex')).toBe('00000000' + [100, 50, 25, 128].map((v) => v.toString(16).padStart(2, '0')).join(''));
  });

  it('tells QEMU pointer clients the pointer mode, and delivers movements in relative mode', async () => {
    const pointers: unknown[] = [];
    display.on('pointer', (pointer) => pointers.push(pointer));
    const { first, client, screen } = await connectSynced(RAW, QEMU_POINTER_MOTION);
    expect(first[0]).toEqual(expect.objectContaining({ x: 1, w: 32, h: 20, encoding: QEMU_POINTER_MOTION }));
    client.write(clientMessage.updateRequest(true, 0, 0, 32, 20));
    display.setRelativePointer(true);
    expect(await update(client, screen)).toEqual([expect.objectContaining({ x: 0, encoding: QEMU_POINTER_MOTION })]);
    client.write(clientMessage.pointer(1, 0x7fff + 5, 0x7fff - 3) + clientMessage.updateRequest(false, 0, 0, 1, 1));
    await update(client, screen);
    expect(pointers).toEqual([{ relative: true, dx: 5, dy: -3, buttons: 1 }]);
  });

  describe('extended clipboard', () => {
    /** Reads a ServerCutText with a negative length; returns flags and the rest. */
    async function readExtended(client: TestClient): Promise<{ flags: number; rest: Buffer }> {
      const head = await client.read(8);
      expect(head.readUInt8(0)).toBe(3);
      const length = -head.readInt32BE(4);
      expect(length).toBeGreaterThanOrEqual(4);
      const body = await client.read(length);
      return { flags: body.readUInt32BE(0), rest: body.subarray(4) };
    }

    it('announces caps, asks for text the client notifies, takes provided UTF-8 text, and offers its own', async () => {
      const texts: string[] = [];
      display.on('clipboard', (text) => texts.push(text));
      const { client } = await connect(RAW, EXTENDED_CLIPBOARD);
      // Caps: text (bit 0) with actions request|peek|notify|provide, and the text size limit (1 MiB).
      expect(await readExtended(client)).toEqual({ flags: 0x1e000001 | 0x01000000, rest: Buffer.from('00100000', 'hex') });
      client.write(clientMessage.extendedClipboard(Buffer.from('08000001', 'hex'))); // notify: text
      expect(await readExtended(client)).toEqual({ flags: 0x02000001, rest: Buffer.alloc(0) }); // request: text
      const text = Buffer.concat([Buffer.from('héllo\r\nwörld'), Buffer.of(0)]);
      const sized = Buffer.concat([Buffer.from(text.length.toString(16).padStart(8, '0'), 'hex'), text]);
      client.write(clientMessage.extendedClipboard(Buffer.concat([Buffer.from('10000001', 'hex'), deflateSync(sized)])));
      client.write(clientMessage.updateRequest(false, 0, 0, 1, 1));
      await client.read(4);
      expect(texts).toEqual(['héllo\nwörld']);

      await client.read(12 + 16 * 16 * 4);
      display.setClipboard('from ✓ server');
      expect(await readExtended(client)).toEqual({ flags: 0x08000001, rest: Buffer.alloc(0) }); // notify
      client.write(clientMessage.extendedClipboard(Buffer.from('02000001', 'hex'))); // request
      const provided = await readExtended(client);
      expect(provided.flags).toBe(0x10000001);
      const { inflateSync } = await import('node:zlib');
      const data = inflateSync(provided.rest);
      expect(data.readUInt32BE(0)).toBe(data.length - 4);
      expect(data.subarray(4).toString()).toBe('from ✓ server\0');
    });

    it('keeps the Latin-1 ServerCutText for classic clients', async () => {
      const { client } = await connect(RAW);
      display.setClipboard('plain');
      expect(await client.readHex(13)).toBe('03000000' + '00000005' + Buffer.from('plain').toString('hex'));
    });
  });
  describe('xvp power control', () => {
    it('announces XVP_INIT once to a client listing xvp, and delivers shutdown, reboot and reset', async () => {
      await restart({ powerControl: true });
      const actions: PowerAction[] = [];
      display.on('power', ({ action }) => actions.push(action));
      const { client, screen } = await connect(RAW, XVP);
      expect(await client.readHex(4)).toBe(XVP_INIT);
      client.write(clientMessage.setEncodings(RAW, XVP));
      client.write(clientMessage.xvp(1, 2) + clientMessage.xvp(1, 3) + clientMessage.xvp(1, 4));
      client.write(clientMessage.updateRequest(false, 0, 0, 1, 1));
      await update(client, screen); // a FramebufferUpdate next: no second XVP_INIT, no XVP_FAIL
      expect(actions).toEqual(['shutdown', 'reboot', 'reset']);
    });

    it('answers XVP_FAIL without a listener, when the listener throws, and to an unknown version or code', async () => {
      await restart({ powerControl: true });
      const { client } = await connect(RAW, XVP);
      await client.read(4);
      client.write(clientMessage.xvp(1, 2));
      expect(await client.readHex(4)).toBe(XVP_FAIL);
      const heard = jest.fn(() => {
        throw new Error('no power here');
      });
      display.on('power', heard);
      client.write(clientMessage.xvp(1, 4));
      expect(await client.readHex(4)).toBe(XVP_FAIL);
      expect(heard).toHaveBeenCalledTimes(1);
      client.write(clientMessage.xvp(2, 2)); // the answer carries the version the client used
      expect(await client.readHex(4)).toBe('fa000200');
      client.write(clientMessage.xvp(1, 5) + clientMessage.xvp(1, 1));
      expect(await client.readHex(8)).toBe(XVP_FAIL + XVP_FAIL);
      expect(heard).toHaveBeenCalledTimes(1);
    });

    it('without power-control sends no XVP_INIT and answers requests with XVP_FAIL, the client staying connected', async () => {
      const heard = jest.fn();
      display.on('power', heard);
      const { client, screen } = await connect(RAW, XVP);
      await client.expectSilence();
      client.write(clientMessage.xvp(1, 2));
      expect(await client.readHex(4)).toBe(XVP_FAIL);
      client.write(clientMessage.updateRequest(false, 0, 0, 1, 1));
      await update(client, screen);
      expect(heard).not.toHaveBeenCalled();
    });

    it('answers XVP_FAIL to a client that did not list xvp, even with power-control', async () => {
      await restart({ powerControl: true });
      const heard = jest.fn();
      display.on('power', heard);
      const { client } = await connect(RAW);
      client.write(clientMessage.xvp(1, 3));
      expect(await client.readHex(4)).toBe(XVP_FAIL);
      expect(heard).not.toHaveBeenCalled();
    });
  });

  describe('key-delay-ms', () => {
    /** Key events as the display hears them, with when. */
    function recordKeys(): { keys: KeyInput[]; times: number[]; count(n: number): Promise<void> } {
      const keys: KeyInput[] = [];
      const times: number[] = [];
      const waiters: (() => void)[] = [];
      display.on('key', (key) => {
        keys.push(key);
        times.push(performance.now());
        waiters.splice(0).forEach((wake) => wake());
      });
      const count = async (n: number): Promise<void> => {
        const deadline = Date.now() + 2000;
        while (keys.length < n) {
          if (Date.now() > deadline) throw new Error(`only ${keys.length} of ${n} key events arrived`);
          await new Promise<void>((resolve) => {
            waiters.push(resolve);
            setTimeout(resolve, 50);
          });
        }
      };
      return { keys, times, count };
    }

    it('refuses a delay that is not a whole number of ms from 0 to 10000', () => {
      for (const keyDelayMs of [-1, 1.5, 10_001, Number.NaN]) {
        expect(() => new VncServer({ display, keyDelayMs })).toThrow(`keyDelayMs must be a whole number of ms from 0 to 10000, not ${keyDelayMs}`);
      }
    });

    it('delivers plain and QEMU key events in order, at least N ms apart', async () => {
      const DELAY = 15;
      await restart({ keyDelayMs: DELAY });
      const { keys, times, count } = recordKeys();
      const { client } = await connect(RAW, QEMU_KEY_EVENT);
      client.write(
        clientMessage.key(true, 0x61) + clientMessage.qemuKey(true, 0xffe4, 0x9d) + clientMessage.qemuKey(false, 0xffe4, 0x9d) + clientMessage.key(false, 0x61),
      );
      await count(4);
      expect(keys).toEqual([
        { keysym: 0x61, down: true },
        { keysym: 0xffe4, down: true, scancode: 0x9d },
        { keysym: 0xffe4, down: false, scancode: 0x9d },
        { keysym: 0x61, down: false },
      ]);
      const gaps = times.slice(1).map((time, i) => time - (times[i] ?? 0));
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(DELAY);
    });

    it('keeps at most 1024 waiting (dropping more with one warning), and delivers those waiting when the client leaves', async () => {
      const warnings: string[] = [];
      const logger: Logger = { debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined };
      await restart({ keyDelayMs: 10_000, logger });
      const { keys, count } = recordKeys();
      const { client, screen } = await connect(RAW);
      // The first is delivered at once, 1024 wait, the last 5 are dropped.
      const keysyms = Array.from({ length: 1 + 1024 + 5 }, (_, i) => 0x10000 + i);
      client.write(keysyms.map((keysym) => clientMessage.key(true, keysym)).join('') + clientMessage.updateRequest(false, 0, 0, 1, 1));
      await update(client, screen); // every key message has been handled
      expect(keys).toEqual([{ keysym: 0x10000, down: true }]);
      expect(warnings).toEqual([expect.stringContaining('more than 1024 key events waiting (key-delay-ms): dropping')]);
      const gone = new Promise((resolve) => server.once('disconnected', resolve));
      client.close();
      await gone;
      await count(1025);
      expect(keys.map((key) => key.keysym)).toEqual(keysyms.slice(0, 1025));
    });
  });
});
