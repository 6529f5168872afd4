import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, Display, type KeyInput, type VncServer } from '../../src/vnc';
import { requireClients, TigerVncViewer, Xvfb } from '../helpers/clients';
import { ipv4Port } from '../helpers/sockets';

// Extensions as TigerVNC really uses them: QEMU extended key events (scancodes),
// the extended clipboard in both directions, continuous updates and fences.
jest.setTimeout(60_000);

const run = promisify(execFile);

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('TigerVNC and the extensions', () => {
  let server: VncServer;
  let display: Display;
  let xvfb: Xvfb;
  let viewer: TigerVncViewer;
  let windowId: string;
  const keys: KeyInput[] = [];
  const clipboard: string[] = [];

  /** Runs an X tool on the viewer's private X display. */
  const x = (command: string, args: string[], input?: string): Promise<string> => {
    const child = run(command, args, { env: { ...process.env, DISPLAY: xvfb.display }, timeout: 10_000 });
    if (input !== undefined) child.child.stdin?.end(input);
    return child.then((result) => result.stdout);
  };

  beforeAll(async () => {
    requireClients();
    display = new Display({ width: 200, height: 120, name: 'extensions' });
    display.on('key', (key) => keys.push(key));
    display.on('clipboard', (text) => clipboard.push(text));
    // Remote resize: the embedder accepts any size a viewer asks for.
    display.on('resize-request', ({ width, height }) => display.resize(width, height));
    server = createServer({ display });
    const port = ipv4Port(await server.listen({ host: '127.0.0.1', port: 0 }));
    xvfb = await Xvfb.start();
    viewer = await TigerVncViewer.start({ host: '127.0.0.1', port, security: 'None', xvfb });
    windowId = (await viewer.waitForWindow()).id;
  });

  afterAll(async () => {
    await viewer?.close();
    await xvfb?.stop();
    await server?.close();
  });

  it('negotiates the extensions', () => {
    const [client] = server.info().clients;
    const encodings = client?.encodings ?? [];
    for (const extension of [-258, -313, -312, -308, 0xc0a1e5ce | 0]) expect(encodings).toContain(extension);
  });

  it('delivers typed keys with their keysyms and scancodes', async () => {
    await x('xdotool', ['windowfocus', '--sync', windowId]);
    await x('xdotool', ['key', '--delay', '30', 'a', 'Right']);
    // 'a' is XT scancode 0x1e; Right is the extended 0xe0 0x4d, which QEMU numbers 0xcd.
    const events = (keysym: number): KeyInput[] => keys.filter((key) => key.keysym === keysym);
    await waitFor('both keys pressed and released', () => (events(0x61).length >= 2 && events(0xff53).length >= 2 ? true : undefined));
    expect(events(0x61)).toEqual([
      { keysym: 0x61, down: true, scancode: 0x1e },
      { keysym: 0x61, down: false, scancode: 0x1e },
    ]);
    expect(events(0xff53)).toEqual([
      { keysym: 0xff53, down: true, scancode: 0xcd },
      { keysym: 0xff53, down: false, scancode: 0xcd },
    ]);
  });

  it('puts the server clipboard on the viewer X clipboard, as UTF-8', async () => {
    display.setClipboard('from vncd ✓');
    const pasted = await waitFor('the X clipboard', async () => {
      const text = await x('xclip', ['-selection', 'clipboard', '-o']).catch(() => '');
      return text === 'from vncd ✓' ? text : undefined;
    });
    expect(pasted).toBe('from vncd ✓');
  });

  it('takes text copied in the viewer X session', async () => {
    // xclip stays alive to serve the selection; -loops 1 ends it after TigerVNC has read it.
    void x('xclip', ['-selection', 'clipboard', '-loops', '1', '-i'], 'from the viewer ✓').catch(() => undefined);
    expect(await waitFor('clipboard text', () => clipboard.find((text) => text === 'from the viewer ✓'))).toBe('from the viewer ✓');
  });

  it('resizes the display when the viewer window is resized (ExtendedDesktopSize, SetDesktopSize)', async () => {
    await x('xdotool', ['windowsize', '--sync', windowId, '320', '180']);
    const size = await waitFor('the display to follow the window', () =>
      display.width === 320 && display.height === 180 ? `${display.width}x${display.height}` : undefined,
    );
    expect(size).toBe('320x180');
    display.buffer.fill(0x7f);
    display.damage();
    const shown = await viewer.waitForPixels(
      { width: 320, height: 180, rgba: Buffer.alloc(320 * 180 * 4, 0x7f).map((v, i) => (i % 4 === 3 ? 255 : v)) },
      { timeoutMs: 10_000 },
    );
    expect(shown.diff.summary).toBe('identical (320x180)');
  });
});
