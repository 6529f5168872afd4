import { join, resolve } from 'node:path';
import { TlsCredsX509 } from '../../src/crypto';
import { createServer, Display, serveWeb, type KeyInput, type PointerInput, type VncServer, type VncServerOptions } from '../../src/vnc';
import { makePki, type Pki } from '../helpers/cert-factory';
import { BrowserHarnessError, launchChromium, requireBrowser, type ChromiumHarness } from '../helpers/browser';
import { compareImages, identical } from '../helpers/clients/image';
import { sleep } from '../helpers/clients/process';
import type { RgbaImage } from '../helpers/clients/types';
import { knownImage } from '../helpers/images';
import { ipv4Port } from '../helpers/sockets';

// noVNC end to end: a VncServer with a known image served by vncd's own web listener
// (serveWeb: the page from web/, noVNC's core at /novnc/, websockets; ws or wss), and
// the page in headless Debian Chromium driven by playwright-core (test/helpers/browser.ts).
jest.setTimeout(60_000);

const WIDTH = 200;
const HEIGHT = 120;
const REPO = resolve(__dirname, '../..');

describe('noVNC in headless Chromium, served by vncd', () => {
  let chromium: ChromiumHarness;
  let pki: Pki;
  const cleanup: (() => Promise<unknown> | void)[] = [];

  beforeAll(async () => {
    requireBrowser({ trustedCaPem: '' });
    pki = makePki({ keyBits: 2048 }); // Chromium refuses smaller RSA keys
    const started = Date.now();
    chromium = await launchChromium({ trustedCaPem: pki.ca.certPem });
    console.log(`chromium ${chromium.version} started in ${Date.now() - started} ms`);
  });

  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  afterAll(async () => {
    await chromium?.close();
    pki?.cleanup();
  });

  interface Setup {
    readonly server: VncServer;
    readonly display: Display;
    readonly expected: RgbaImage;
    /** The page URL on this transport. */
    readonly pageUrl: string;
  }

  /** A VncServer with a known image, served with the page by vncd's web listener (ws or wss). */
  async function start(transport: 'ws' | 'wss' | 'wss+client-cert', options: Omit<VncServerOptions, 'display'> = {}): Promise<Setup> {
    const display = new Display({ width: WIDTH, height: HEIGHT, name: 'harness image' });
    const expected = knownImage(display, 7);
    const server = createServer({ display, ...options });
    cleanup.push(() => server.close());
    const clientCerts = transport === 'wss+client-cert';
    const creds = transport === 'ws' ? undefined : new TlsCredsX509({ dir: pki.dir, endpoint: 'server', verifyPeer: clientCerts });
    const web = await serveWeb({
      listen: { host: '127.0.0.1', port: 0 },
      displays: server,
      webRoot: join(REPO, 'web'),
      ...(creds && { tls: { creds, requireClientCertificate: clientCerts } }),
    });
    cleanup.push(() => web.close());
    const scheme = transport === 'ws' ? 'http' : 'https';
    return { server, display, expected, pageUrl: `${scheme}://127.0.0.1:${ipv4Port(web.addresses)}/vnc.html?path=websockify` };
  }

  async function open(url: string) {
    const viewer = await chromium.openViewer(url);
    cleanup.push(() => viewer.close());
    return viewer;
  }

  it.each([
    ['its first choice, Tight', undefined, 'tight'],
    ['TightPNG (PNG decoded by the browser)', ['tightpng'], 'tightpng'],
  ])('decodes %s exactly', async (_, encodings, negotiated) => {
    const { server, expected, pageUrl } = await start('ws', encodings ? { encodings } : {});
    const viewer = await open(pageUrl);
    await viewer.waitForConnected();
    await viewer.waitForPixels(expected);
    expect(server.info().clients[0]?.encoding).toBe(negotiated);
  });

  it('takes the cursor shape the display sets (Cursor pseudo-encoding), pixel for pixel', async () => {
    const { display, pageUrl } = await start('ws');
    const viewer = await open(pageUrl);
    await viewer.waitForConnected();
    // A 3x2 cursor: white, half-transparent green, transparent; magenta, grey, black. Colours
    // whose red equals their blue: noVNC 1.7 reads Cursor pixels as BGRX although it asks for
    // red at shift 0, so it would show red and blue swapped in a coloured cursor.
    const rgba = [255, 255, 255, 255, 0, 255, 0, 128, 0, 0, 0, 0, 255, 0, 255, 255, 128, 128, 128, 255, 0, 0, 0, 255];
    display.setCursor({ width: 3, height: 2, hotspotX: 2, hotspotY: 1, rgba: Uint8Array.from(rgba) });
    const seen = async (): Promise<unknown> =>
      // noVNC keeps the decoded cursor on its RFB object (the page exposes it as window.vncd.rfb).
      viewer.page.evaluate(
        'const c = window.vncd.rfb._cursorImage; ({ w: c.w, h: c.h, hotx: c.hotx, hoty: c.hoty, rgba: Array.from(c.rgbaPixels) })',
      );
    let last: unknown;
    for (let i = 0; i < 100; i++) {
      last = await seen();
      if ((last as { w: number }).w === 3) break;
      await sleep(50);
    }
    // The Cursor pseudo-encoding carries a 1-bit mask (alpha >= 128 is drawn), so noVNC's alpha is 0 or 255.
    expect(last).toEqual({
      w: 3,
      h: 2,
      hotx: 2,
      hoty: 1,
      rgba: [255, 255, 255, 255, 0, 255, 0, 255, 0, 0, 0, 0, 255, 0, 255, 255, 128, 128, 128, 255, 0, 0, 0, 255],
    });
  });

  it('ws, no auth: exact pixels, keys with scancodes, clicks with buttons', async () => {
    const t0 = Date.now();
    const { display, expected, pageUrl } = await start('ws');
    const keys: KeyInput[] = [];
    const pointer: PointerInput[] = [];
    display.on('key', (k) => keys.push(k));
    display.on('pointer', (p) => pointer.push(p));

    const viewer = await open(pageUrl);
    const status = await viewer.waitForConnected();
    expect(status.text).toBe('Connected to harness image');
    expect([status.width, status.height]).toEqual([WIDTH, HEIGHT]);
    const seen = await viewer.waitForPixels(expected);
    expect(compareImages(expected, seen).summary).toBe(identical(expected));
    const connectedMs = Date.now() - t0;

    await viewer.press('a');
    await viewer.press('Shift+B');
    await viewer.press('Enter');
    await waitFor(() => keys.filter((k) => !k.down).length >= 4, 'key releases');
    expect(keys.filter((k) => k.down).map((k) => [k.keysym, k.scancode])).toEqual([
      [0x61, 0x1e], // a
      [0xffe1, 0x2a], // Shift_L
      [0x42, 0x30], // B
      [0xff0d, 0x1c], // Return
    ]);

    keys.length = 0;
    await viewer.sendCtrlAltDel();
    await waitFor(() => keys.length >= 6, 'Ctrl-Alt-Del');
    expect(keys.map((k) => [k.keysym, k.down])).toEqual([
      [0xffe3, true], [0xffe9, true], [0xffff, true], [0xffff, false], [0xffe9, false], [0xffe3, false],
    ]);

    const presses = (): number[][] => pointer.flatMap((p) => (p.relative ? [] : [[p.x, p.y, p.buttons]]));
    await viewer.click(37, 21);
    await waitFor(() => presses().some((p) => p[2] === 1) && presses().at(-1)?.[2] === 0, 'left click');
    expect(new Set(presses().map((p) => `${p[0]},${p[1]}`))).toEqual(new Set(['37,21']));
    expect(presses().map((p) => p[2])).toEqual(expect.arrayContaining([1, 0]));
    pointer.length = 0;
    await viewer.click(WIDTH - 1, HEIGHT - 1, { button: 'right' });
    await waitFor(() => presses().some((p) => p[2] === 4) && presses().at(-1)?.[2] === 0, 'right click');
    expect(presses()).toContainEqual([WIDTH - 1, HEIGHT - 1, 4]);

    // A change on the server reaches the canvas.
    const again = knownImage(display, 99);
    await viewer.waitForPixels(again);
    console.log(`ws none: connected + pixels in ${connectedMs} ms, whole test ${Date.now() - t0} ms`);
  });

  it('ws, VNC auth: the password prompt is answered; a wrong password is reported', async () => {
    const t0 = Date.now();
    const { expected, pageUrl } = await start('ws', { auth: 'vnc', password: 'sesame' });
    const viewer = await open(pageUrl);
    await viewer.waitForConnected({ password: 'sesame' });
    await viewer.waitForPixels(expected);
    console.log(`ws vnc auth: ${Date.now() - t0} ms`);

    const wrong = await open(pageUrl);
    const failure = await wrong.waitForConnected({ password: 'wrong' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BrowserHarnessError);
    const status = (failure as BrowserHarnessError).status;
    expect(status?.state).toBe('failed');
    expect(status?.text).toMatch(/^Authentication failed/);

    const none = await open(pageUrl);
    await expect(none.waitForConnected()).rejects.toThrow(/asked for credentials but the test gave none/);
  });

  it('wss with the test CA trusted (certificate checks on), VNC auth', async () => {
    const t0 = Date.now();
    const { expected, pageUrl } = await start('wss', { auth: 'vnc', password: 'sesame' });
    expect(pageUrl).toMatch(/^https:/);
    const viewer = await open(pageUrl);
    const status = await viewer.waitForConnected({ password: 'sesame' });
    expect(status.text).toBe('Connected to harness image (encrypted)');
    await viewer.waitForPixels(expected);
    console.log(`wss vnc auth: ${Date.now() - t0} ms`);
  });

  // Plain sends the password as is, so vncd offers it only on an encrypted transport (wss).
  it('wss, VeNCrypt Plain: the username + password prompt is answered', async () => {
    const { expected, pageUrl } = await start('wss', {
      vencrypt: ['plain'],
      plain: { users: new Map([['alice', 'wonderland']]) },
    });
    const viewer = await open(pageUrl);
    const prompt = await viewer.waitForState('credentials');
    expect(prompt.promptAsksUsername).toBe(true);
    await viewer.waitForConnected({ username: 'alice', password: 'wonderland' }, 3000);
    await viewer.waitForPixels(expected);
  });

  it('wss: a browser that does not trust the CA refuses the page', async () => {
    const { pageUrl } = await start('wss');
    const untrusting = await launchChromium();
    cleanup.push(() => untrusting.close());
    await expect(untrusting.openViewer(pageUrl)).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/);
  });

  it('a server that demands a client certificate: Chromium gives up, a harness-given certificate works', async () => {
    const { expected, pageUrl } = await start('wss+client-cert');
    await expect(chromium.openViewer(pageUrl)).rejects.toThrow(/net::ERR_/);
    const viewer = await chromium.openViewer(pageUrl, {
      clientCertificate: { certPem: pki.client?.certPem ?? '', keyPem: pki.client?.keyPem ?? '' },
    });
    cleanup.push(() => viewer.close());
    await viewer.waitForConnected();
    await viewer.waitForPixels(expected);
  });

  it('clipboard both ways, and remote resize through ExtendedDesktopSize', async () => {
    const t0 = Date.now();
    const { display, pageUrl } = await start('ws');
    const fromViewer: string[] = [];
    display.on('clipboard', (text) => fromViewer.push(text));
    const requests: { width: number; height: number }[] = [];
    display.on('resize-request', (r) => {
      requests.push({ width: r.width, height: r.height });
      display.resize(r.width, r.height);
      knownImage(display, 3);
    });

    const viewer = await open(pageUrl);
    await viewer.waitForConnected();
    display.setClipboard('from the server: grüße ✓');
    await viewer.waitForClipboard('from the server: grüße ✓');
    await viewer.sendClipboard('from the browser: ¡hola! ✓');
    await waitFor(() => fromViewer.length > 0, 'clipboard from the viewer');
    expect(fromViewer).toEqual(['from the browser: ¡hola! ✓']);

    await viewer.setViewMode('remote');
    const first = await viewer.screenSize();
    await viewer.waitForFramebufferSize(first.width, first.height);
    const size = await viewer.resizeViewport(640, 400);
    await viewer.waitForFramebufferSize(size.width, size.height);
    expect(requests.at(-1)).toEqual(size);
    const expected = knownImage(display, 5);
    await viewer.waitForPixels(expected);
    console.log(`clipboard + resize to ${size.width}x${size.height}: ${Date.now() - t0} ms`);
  });

  it('two displays on one port, each at its own path with its own pixels', async () => {
    const servers = [7, 9].map((seed) => {
      const display = new Display({ width: WIDTH, height: HEIGHT, name: `display ${seed}` });
      const expected = knownImage(display, seed);
      const server = createServer({ display });
      cleanup.push(() => server.close());
      return { server, expected };
    });
    const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
    const web = await serveWeb({ listen: { host: '127.0.0.1', port: 0 }, displays: { a: a.server, b: b.server }, webRoot: join(REPO, 'web') });
    cleanup.push(() => web.close());
    const port = ipv4Port(web.addresses);
    for (const [name, { expected }] of [['a', a], ['b', b]] as const) {
      const viewer = await open(`http://127.0.0.1:${port}/vnc.html?path=vnc/${name}`);
      await viewer.waitForConnected();
      await viewer.waitForPixels(expected);
    }
    expect(compareImages(a.expected, b.expected).equal).toBe(false);
  });

  it('scaled view: pixels still exact, clicks land on the right framebuffer pixel', async () => {
    const { display, expected, pageUrl } = await start('ws');
    const pointer: PointerInput[] = [];
    display.on('pointer', (p) => pointer.push(p));
    const viewer = await open(pageUrl.replace('?path=websockify', '?resize=scale&path=vnc/a'));
    await viewer.waitForConnected();
    expect(viewer.log).toContain(`websocket ${new URL('/vnc/a', pageUrl).href.replace(/^http/, 'ws')}`);
    await viewer.waitForPixels(expected); // the canvas keeps framebuffer resolution; only CSS scales it
    for (const [x, y] of [[150, 90], [0, 0], [WIDTH - 1, HEIGHT - 1], [101, 57]] as const) {
      pointer.length = 0;
      await viewer.click(x, y);
      await waitFor(() => pointer.some((p) => !p.relative && p.buttons === 1), `click at ${x},${y}`);
      expect(pointer.find((p) => !p.relative && p.buttons === 1)).toMatchObject({ x, y });
    }
  });
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
