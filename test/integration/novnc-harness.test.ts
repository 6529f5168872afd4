import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer as createTcpServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import forge from 'node-forge';
import { createServer, Display, type KeyInput, type PointerInput, type VncServer, type VncServerOptions } from '../../src/vnc';
import { BrowserHarnessError, launchChromium, requireBrowser, type ChromiumHarness } from '../helpers/browser';
import { compareImages, identical } from '../helpers/clients/image';
import { findExecutable, makeTempDir, ManagedProcess, removeTempDir, sleep } from '../helpers/clients/process';
import type { RgbaImage } from '../helpers/clients/types';

// Self-test of the Chromium harness (test/helpers/browser.ts) and the noVNC page (web/):
// a vncd TCP server with a known image, Debian's websockify in front of it serving the
// page in vncd's URL layout (/vnc.html, /vnc.js, /vnc.css, /novnc/core/…), noVNC in
// headless Chromium. To be switched to vncd's own websocket listener.
jest.setTimeout(60_000);

const WIDTH = 200;
const HEIGHT = 120;
const REPO = resolve(__dirname, '../..');

/** Gradients, sharp edges and noise: every channel at many levels. */
function knownImage(display: Display, seed: number): RgbaImage {
  const { width, height } = display;
  const rgba = Buffer.alloc(width * height * 4);
  let noise = seed;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      noise = (noise * 1103515245 + 12345) >>> 0;
      const top = y < height / 2;
      const r = top ? Math.round((x * 255) / (width - 1)) : noise >>> 24;
      const g = top ? Math.round((y * 255) / (height / 2)) : (noise >>> 16) & 255;
      const b = (x * 3) ^ y ^ seed;
      const i = y * width + x;
      display.buffer.writeUInt32LE(((r & 255) << 16) | ((g & 255) << 8) | (b & 255), i * 4);
      rgba.set([r & 255, g & 255, b & 255, 255], i * 4);
    }
  }
  display.damage(0, 0, width, height);
  return { width, height, rgba };
}

/** The page's files laid out as vncd serves them: web/* at /, @novnc/novnc at /novnc/. */
function webRoot(): string {
  const root = makeTempDir('webroot');
  for (const name of readdirSync(join(REPO, 'web'))) symlinkSync(join(REPO, 'web', name), join(root, name));
  const novnc = resolve(dirname(require.resolve('@novnc/novnc')), '..');
  symlinkSync(novnc, join(root, 'novnc'));
  return root;
}

interface Pki {
  readonly caPem: string;
  readonly caFile: string;
  /** The server's certificate (+ CA) and key, for 127.0.0.1 and localhost. */
  readonly certFile: string;
  readonly keyFile: string;
  readonly client: { readonly certPem: string; readonly keyPem: string };
}

/** A CA, a server certificate and a client certificate, in PEM. */
function makePki(dir: string): Pki {
  const keys = () => {
    const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = k.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    return { priv: forge.pki.privateKeyFromPem(pem), pub: forge.pki.publicKeyFromPem(k.publicKey.export({ type: 'spki', format: 'pem' }).toString()), pem };
  };
  const cert = (serial: string, subject: forge.pki.CertificateField[], pub: forge.pki.PublicKey, extensions: object[]) => {
    const c = forge.pki.createCertificate();
    c.serialNumber = serial;
    c.publicKey = pub;
    c.validity.notBefore = new Date(Date.now() - 3600_000);
    c.validity.notAfter = new Date(Date.now() + 7 * 86400_000);
    c.setSubject(subject);
    c.setExtensions(extensions);
    return c;
  };
  const ca = keys();
  const caName = [{ name: 'commonName', value: 'vncd test CA' }];
  const caCert = cert('01', caName, ca.pub, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  caCert.setIssuer(caName);
  caCert.sign(ca.priv, forge.md.sha256.create());
  const server = keys();
  const serverCert = cert('02', [{ name: 'commonName', value: '127.0.0.1' }], server.pub, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
  ]);
  serverCert.setIssuer(caName);
  serverCert.sign(ca.priv, forge.md.sha256.create());
  const client = keys();
  const clientCert = cert('03', [{ name: 'commonName', value: 'alice' }], client.pub, [
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  clientCert.setIssuer(caName);
  clientCert.sign(ca.priv, forge.md.sha256.create());
  const caPem = forge.pki.certificateToPem(caCert);
  writeFileSync(join(dir, 'ca.pem'), caPem);
  writeFileSync(join(dir, 'server.pem'), forge.pki.certificateToPem(serverCert) + caPem);
  writeFileSync(join(dir, 'server.key'), server.pem, { mode: 0o600 });
  return {
    caPem,
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
    client: { certPem: forge.pki.certificateToPem(clientCert), keyPem: client.pem },
  };
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createTcpServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port'))));
    });
  });
}

async function waitListening(port: number, process: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((done) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        done(true);
      });
      s.once('error', () => done(false));
    });
    if (ok) return;
    if (!process.running || Date.now() > deadline) throw new Error(`websockify did not listen on ${port}:\n${process.log}`);
    await sleep(50);
  }
}

describe('noVNC page in headless Chromium (through websockify)', () => {
  let chromium: ChromiumHarness;
  let tmp: string;
  let root: string;
  let pki: Pki;
  const cleanup: (() => Promise<unknown> | void)[] = [];

  beforeAll(async () => {
    requireBrowser({ trustedCaPem: '' });
    if (!findExecutable('websockify')) throw new Error('websockify missing: apt-get install --no-install-recommends websockify');
    tmp = makeTempDir('novnc-harness');
    root = webRoot();
    pki = makePki(tmp);
    const started = Date.now();
    chromium = await launchChromium({ trustedCaPem: pki.caPem });
    console.log(`chromium ${chromium.version} started in ${Date.now() - started} ms`);
  });

  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  afterAll(async () => {
    await chromium?.close();
    if (root) removeTempDir(root);
    if (tmp) removeTempDir(tmp);
  });

  interface Setup {
    readonly server: VncServer;
    readonly display: Display;
    readonly expected: RgbaImage;
    /** The page URL for websockify on this transport. */
    readonly pageUrl: string;
  }

  /** A vncd TCP server with a known image, websockify (ws or wss) serving the page in front. */
  async function start(transport: 'ws' | 'wss' | 'wss+client-cert', options: Omit<VncServerOptions, 'display'> = {}): Promise<Setup> {
    const display = new Display({ width: WIDTH, height: HEIGHT, name: 'harness image' });
    const expected = knownImage(display, 7);
    const server = createServer({ display, ...options });
    cleanup.push(() => server.close());
    const [bound] = await server.listen({ host: '127.0.0.1', port: 0 });
    if (bound?.family !== 'ipv4') throw new Error('expected an IPv4 listener');
    const wsPort = await freePort();
    const tlsArgs = transport === 'ws' ? [] : ['--cert', pki.certFile, '--key', pki.keyFile, '--ssl-only'];
    if (transport === 'wss+client-cert') tlsArgs.push('--verify-client', '--cafile', pki.caFile);
    const proxy = ManagedProcess.start({
      name: 'websockify',
      command: 'websockify',
      args: ['--web', root, ...tlsArgs, `127.0.0.1:${wsPort}`, `127.0.0.1:${bound.port}`],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8' },
      lifetimeMs: 60_000,
    });
    cleanup.push(() => proxy.stop(2000));
    await waitListening(wsPort, proxy, 10_000);
    const scheme = transport === 'ws' ? 'http' : 'https';
    return { server, display, expected, pageUrl: `${scheme}://127.0.0.1:${wsPort}/vnc.html?path=websockify` };
  }

  async function open(url: string) {
    const viewer = await chromium.openViewer(url);
    cleanup.push(() => viewer.close());
    return viewer;
  }

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

  // KNOWN SERVER BUG (src/vnc/auth/vencrypt.ts): vncd writes the accept byte 1 after the
  // client picks Plain (256); noVNC 1.7 sends the credentials and reads a SecurityResult
  // straight away, so it takes 01 00 00 00 for a failure and waits for a reason forever
  // ("Authenticating …"). Turn this back into it() once vncd serves noVNC's Plain.
  it('wss, VeNCrypt Plain: the username + password prompt is answered', async () => {
    const { expected, pageUrl } = await start('wss', {
      vencrypt: ['plain'],
      plain: { users: new Map([['alice', 'wonderland']]) },
      forcePlain: true, // vncd sees websockify's plain TCP; the browser's leg is wss
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
    const viewer = await chromium.openViewer(pageUrl, { clientCertificate: pki.client });
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
