/**
 * noVNC in headless Chromium, for end-to-end tests: Debian's `chromium` driven
 * by playwright-core (never a downloaded browser), showing vncd's own page
 * (web/vnc.html) and read back pixel for pixel.
 *
 * ```ts
 * beforeAll(() => requireBrowser());                       // fails loudly with the apt-get command
 * const chromium = await launchChromium({ trustedCaPem });  // trustedCaPem only for https/wss
 * const viewer = await chromium.openViewer(`http://127.0.0.1:${port}/vnc.html?path=vnc/a`);
 * await viewer.waitForConnected({ password: 'sesame' });  // answers the page's password prompt
 * await viewer.waitForPixels(expected);                    // canvas == image, or a diff summary
 * await viewer.press('a');  await viewer.click(10, 20);    // framebuffer coordinates
 * await chromium.close();                                  // time-bounded, kills if it must
 * ```
 * Debian packages: chromium (and libnss3-tools for `trustedCaPem`).
 *
 * The page is watched through a small script installed before it loads: it
 * hears the page's `vncd:rfb` event and counts framebuffer updates that noVNC
 * has finished drawing (wrapping RFB._framebufferUpdate, then Display.flush()).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserServer, type Page } from 'playwright-core';
import { compareImages, type ImageDiff } from './clients/image';
import type { RgbaImage } from './clients/types';
import { findExecutable, makeTempDir, removeTempDir, sleep } from './clients/process';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The flags a headless Chromium needs as root in a container, and no traffic of its own. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox', // root: the setuid/namespace sandbox is refused
  '--disable-gpu',
  '--disable-dev-shm-usage', // small /dev/shm in containers
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--no-proxy-server', // http_proxy and friends in the environment must not catch 127.0.0.1
  '--no-first-run',
  '--no-default-browser-check',
  '--force-color-profile=srgb', // canvas pixels stay the bytes noVNC wrote
  '--disable-features=Translate,MediaRouter,OptimizationHints',
];

export interface ChromiumOptions {
  /** Default: $VNCD_CHROMIUM, else /usr/bin/chromium. */
  readonly executablePath?: string;
  /**
   * CA certificates (PEM) to trust for https/wss pages, through a private NSS
   * database (needs `certutil`, Debian libnss3-tools). Certificate checks stay on.
   */
  readonly trustedCaPem?: string | readonly string[];
  /** Accept any server certificate. Default false. */
  readonly ignoreHttpsErrors?: boolean;
  /** Viewport of each viewer. Default 1024x768. */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Default time limit of every wait. Default 15 s. */
  readonly timeoutMs?: number;
  /**
   * Hard limit after which the browser is killed even if nobody closed it (Playwright also
   * kills it when the test process exits). Default 10 min: one browser per test file.
   */
  readonly lifetimeMs?: number;
}

export interface Credentials {
  readonly username?: string;
  readonly password?: string;
}

export interface ViewerOptions {
  /**
   * Present this client certificate to the page's origin. Chromium alone gives up when a
   * server asks for one (net::ERR_BAD_SSL_CLIENT_AUTH_CERT); with this, Playwright makes the
   * TLS connection to the server itself (Chromium talks to Playwright's local proxy), so
   * the server sees Node's TLS, not Chromium's, and its certificate is not checked.
   */
  readonly clientCertificate?: { readonly certPem: string; readonly keyPem: string };
}

/** The page's status line: `data-state` of #status. */
export type ViewerState = 'loading' | 'connecting' | 'credentials' | 'connected' | 'disconnected' | 'failed';

export type ViewMode = 'off' | 'scale' | 'remote';

export interface ViewerStatus {
  readonly state: ViewerState;
  /** The status line as shown, e.g. "Authentication failed: Authentication failed". */
  readonly text: string;
  /** Framebuffer updates received / fully drawn on the canvas since the connection started. */
  readonly updates: number;
  readonly drawn: number;
  /** Canvas (= framebuffer) size. */
  readonly width: number;
  readonly height: number;
  readonly promptOpen: boolean;
  readonly promptAsksUsername: boolean;
  /** Set when the page could not be instrumented. */
  readonly problem: string;
}

export interface MissingTool {
  readonly command: string;
  readonly debianPackage: string;
}

export class BrowserHarnessError extends Error {
  override readonly name = 'BrowserHarnessError';

  constructor(
    message: string,
    /** The page's status when it failed, if known. */
    readonly status?: ViewerStatus,
    /** Recent console lines, page errors and failed requests. */
    readonly log: readonly string[] = [],
  ) {
    super(
      `${message}${status ? ` [page: ${status.state}: ${status.text}]` : ''}` +
        (log.length > 0 ? `\n--- browser log (last lines) ---\n${log.slice(-12).join('\n')}` : ''),
    );
  }
}

function chromiumPath(options: ChromiumOptions): string {
  return options.executablePath ?? process.env['VNCD_CHROMIUM'] ?? DEFAULT_CHROMIUM;
}

/** What `launchChromium` with these options needs and does not find. */
export function missingBrowserTools(options: ChromiumOptions = {}): MissingTool[] {
  const out: MissingTool[] = [];
  if (!findExecutable(chromiumPath(options))) out.push({ command: chromiumPath(options), debianPackage: 'chromium' });
  if (options.trustedCaPem !== undefined && !findExecutable('certutil')) {
    out.push({ command: 'certutil', debianPackage: 'libnss3-tools' });
  }
  return out;
}

/** Throws, naming the Debian packages, unless everything needed is installed. */
export function requireBrowser(options: ChromiumOptions = {}): void {
  const missing = missingBrowserTools(options);
  if (missing.length === 0) return;
  throw new Error(
    `browser tools missing: ${missing.map((m) => m.command).join(', ')}. Install them with: ` +
      `apt-get install --no-install-recommends ${[...new Set(missing.map((m) => m.debianPackage))].join(' ')} ` +
      `(scripts/quickstart.sh test does this). The browser is never downloaded.`,
  );
}

/** Races a promise against a timer; the timer never keeps the process alive. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BrowserHarnessError(`${what}: no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A private NSS database (what Chromium on Linux reads from $HOME/.pki/nssdb) trusting the given CAs. */
function makeNssDb(home: string, pems: readonly string[]): void {
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true, mode: 0o700 });
  const run = (args: string[]): void => {
    execFileSync('certutil', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  };
  run(['-N', '-d', `sql:${db}`, '--empty-password']);
  pems.forEach((pem, i) => {
    const file = join(home, `ca-${i}.pem`);
    writeFileSync(file, pem);
    run(['-A', '-d', `sql:${db}`, '-n', `vncd-test-ca-${i}`, '-t', 'C,,', '-i', file]);
  });
}

/** Starts Debian's Chromium headless. Close it with `close()` (also on test failure: use afterEach/afterAll). */
export async function launchChromium(options: ChromiumOptions = {}): Promise<ChromiumHarness> {
  requireBrowser(options);
  const home = makeTempDir('chromium');
  try {
    const pems = options.trustedCaPem === undefined ? [] : [options.trustedCaPem].flat();
    if (pems.length > 0) makeNssDb(home, pems);
    const env: Record<string, string | undefined> = {
      ...process.env,
      HOME: home, // NSS db, ~/.config, ~/.cache: all private to this run
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_CACHE_HOME: join(home, '.cache'),
      CHROMIUM_FLAGS: '', // Debian's wrapper script appends to an inherited value
      LANG: 'C.UTF-8',
    };
    delete env['DISPLAY'];
    delete env['WAYLAND_DISPLAY'];
    // launchServer (not launch) so that a stuck browser can be killed: BrowserServer.kill().
    // Playwright gives it a fresh temporary user-data-dir and removes it on close.
    const server = await within(
      chromium.launchServer({
        executablePath: chromiumPath(options),
        headless: true,
        chromiumSandbox: false,
        args: [...CHROMIUM_ARGS],
        env,
        timeout: 30_000,
      }),
      35_000,
      'starting chromium',
    );
    try {
      const browser = await within(chromium.connect(server.wsEndpoint(), { timeout: 10_000 }), 15_000, 'connecting to chromium');
      return new ChromiumHarness(server, browser, home, options);
    } catch (e) {
      await server.kill();
      throw e;
    }
  } catch (e) {
    removeTempDir(home);
    throw e;
  }
}

export class ChromiumHarness {
  /** e.g. "156.0.8078.79" */
  readonly version: string;
  private readonly viewers = new Set<NoVncViewer>();
  private readonly lifetimeTimer: NodeJS.Timeout;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: BrowserServer,
    private readonly browser: Browser,
    private readonly home: string,
    private readonly options: ChromiumOptions,
  ) {
    this.version = browser.version();
    this.lifetimeTimer = setTimeout(() => void this.close(), options.lifetimeMs ?? 600_000);
    this.lifetimeTimer.unref();
  }

  /** Opens the page (its own browser context: no shared storage) and returns once it has loaded. */
  async openViewer(pageUrl: string, options: ViewerOptions = {}): Promise<NoVncViewer> {
    if (this.closing) throw new BrowserHarnessError('the browser is closed');
    const timeoutMs = this.options.timeoutMs ?? 15_000;
    const cert = options.clientCertificate;
    const context = await this.browser.newContext({
      viewport: { ...(this.options.viewport ?? { width: 1024, height: 768 }) },
      deviceScaleFactor: 1,
      // Playwright checks the server itself against Node's CA list when it presents a client certificate.
      ignoreHTTPSErrors: (this.options.ignoreHttpsErrors ?? false) || cert !== undefined,
      ...(cert && {
        clientCertificates: [{ origin: new URL(pageUrl).origin, cert: Buffer.from(cert.certPem), key: Buffer.from(cert.keyPem) }],
      }),
    });
    const viewer = new NoVncViewer(context, await context.newPage(), timeoutMs, () => this.viewers.delete(viewer));
    this.viewers.add(viewer);
    try {
      await viewer.load(pageUrl);
    } catch (e) {
      await viewer.close();
      throw e;
    }
    return viewer;
  }

  /** Closes every viewer and the browser; kills it if that takes more than a few seconds. Never rejects. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.lifetimeTimer);
      await Promise.all([...this.viewers].map((v) => v.close()));
      try {
        await within(this.browser.close(), 5_000, 'closing chromium');
        await within(this.server.close(), 5_000, 'stopping chromium');
      } catch {
        await this.server.kill().catch(() => undefined);
      }
      removeTempDir(this.home);
    })();
    return this.closing;
  }
}

/** Runs inside the page before its own scripts (a string: test coverage tools never rewrite it). */
const PAGE_AGENT = String.raw`(() => {
  const h = { updates: 0, drawn: 0, problem: '' };
  window.__vncdHarness = h;
  window.addEventListener('vncd:rfb', (event) => {
    const rfb = event.detail;
    h.updates = 0;
    h.drawn = 0;
    h.problem = '';
    if (!rfb || typeof rfb._framebufferUpdate !== 'function' || !rfb._display || typeof rfb._display.flush !== 'function') {
      h.problem = 'noVNC internals changed: RFB._framebufferUpdate or Display.flush not found';
      return;
    }
    const original = rfb._framebufferUpdate;
    rfb._framebufferUpdate = function (...args) {
      const done = original.apply(this, args);
      if (done) {
        const n = ++h.updates;
        this._display.flush().then(() => { if (n > h.drawn) h.drawn = n; });
      }
      return done;
    };
  });
  const canvas = () => document.querySelector('#screen canvas');
  h.status = () => {
    const s = document.getElementById('status');
    const c = canvas();
    const dialog = document.getElementById('credentials');
    const userRow = document.getElementById('username-row');
    return {
      state: s ? s.dataset.state : 'loading', text: s ? s.textContent : '',
      updates: h.updates, drawn: h.drawn, problem: h.problem,
      width: c ? c.width : 0, height: c ? c.height : 0,
      promptOpen: !!(dialog && dialog.open), promptAsksUsername: !!(userRow && !userRow.hidden),
    };
  };
  // The canvas's own pixels (its backing store is the framebuffer size whatever the CSS
  // scaling or devicePixelRatio), after noVNC's render queue has drained. base64 RGBA.
  h.pixels = async () => {
    const rfb = window.vncd && window.vncd.rfb;
    if (rfb && rfb._display) await rfb._display.flush();
    const c = canvas();
    if (!c || c.width === 0 || c.height === 0) return null;
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let bin = '';
    for (let i = 0; i < data.length; i += 0x8000) bin += String.fromCharCode.apply(null, data.subarray(i, i + 0x8000));
    return { width: c.width, height: c.height, rgba: btoa(bin) };
  };
  // Whole page coordinates that noVNC maps to framebuffer pixel (x, y): mouse events carry
  // integer client coordinates, and noVNC truncates (client - canvas edge) / scale, while the
  // canvas edge is often fractional (centred canvas, toolbar height). Null when no integer
  // coordinate falls inside that pixel (scaled below 1:1).
  h.point = (x, y) => {
    const c = canvas();
    if (!c) return { error: 'noVNC has no canvas yet' };
    const r = c.getBoundingClientRect();
    const pick = (edge, size, count, i) => {
      const scale = size / count;
      const lo = edge + i * scale;
      const hi = lo + scale;
      let v = Math.floor(lo + scale / 2);
      if (v < lo) v = Math.ceil(lo);
      return v < hi ? v : null;
    };
    const px = pick(r.left, r.width, c.width, x);
    const py = pick(r.top, r.height, c.height, y);
    if (px === null || py === null) return { error: 'the pixel is smaller than a CSS pixel at this scale' };
    if (px < 0 || py < 0 || px >= window.innerWidth || py >= window.innerHeight) {
      return { error: 'outside the browser viewport (page ' + px + ',' + py + ')' };
    }
    return { x: px, y: py };
  };
  // The area noVNC fills, as noVNC measures it for a remote resize (floor of its layout box).
  h.screenSize = () => {
    const s = document.querySelector('#screen > div');
    if (!s) return null;
    const r = s.getBoundingClientRect();
    return { width: Math.floor(r.width), height: Math.floor(r.height) };
  };
  h.nextFrames = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))));
})();`;

function isStatus(v: unknown): v is ViewerStatus {
  return typeof v === 'object' && v !== null && 'state' in v && 'drawn' in v;
}

export class NoVncViewer {
  /** For anything the helpers do not cover. */
  readonly page: Page;
  private readonly logLines: string[] = [];
  private closed = false;

  constructor(
    private readonly context: BrowserContext,
    page: Page,
    /** Default time limit of each wait. */
    readonly timeoutMs: number,
    private readonly onClose: () => void = () => undefined,
  ) {
    this.page = page;
    page.setDefaultTimeout(timeoutMs);
    page.on('console', (m) => {
      // (Chromium's hint about willReadFrequently comes from our own getImageData calls.)
      if ((m.type() === 'error' || m.type() === 'warning') && !m.text().includes('willReadFrequently')) {
        this.note(`console.${m.type()}: ${m.text()}`);
      }
    });
    page.on('pageerror', (e) => this.note(`page error: ${e.message}`));
    page.on('requestfailed', (r) => this.note(`request failed: ${r.url()}: ${r.failure()?.errorText ?? '?'}`));
    page.on('response', (r) => {
      if (r.status() >= 400) this.note(`HTTP ${r.status()}: ${r.url()}`);
    });
    page.on('websocket', (ws) => {
      this.note(`websocket ${ws.url()}`);
      ws.on('socketerror', (err) => this.note(`websocket error: ${err}`));
      ws.on('close', () => this.note('websocket closed'));
    });
  }

  /** Console errors and warnings, page errors, failed requests, websocket events: newest last. */
  get log(): readonly string[] {
    return this.logLines;
  }

  private note(line: string): void {
    this.logLines.push(line);
    if (this.logLines.length > 200) this.logLines.splice(0, this.logLines.length - 200);
  }

  /** @internal */
  async load(url: string): Promise<void> {
    await this.context.addInitScript({ content: PAGE_AGENT });
    const response = await this.page.goto(url, { waitUntil: 'load', timeout: this.timeoutMs });
    if (response && !response.ok()) {
      throw new BrowserHarnessError(`loading ${url}: HTTP ${response.status()}`, undefined, this.logLines);
    }
  }

  private fail(message: string, status?: ViewerStatus): never {
    throw new BrowserHarnessError(message, status, this.logLines);
  }

  async status(): Promise<ViewerStatus> {
    const s: unknown = await this.page.evaluate('window.__vncdHarness.status()');
    if (!isStatus(s)) this.fail('the page agent is missing (was this page loaded through openViewer?)');
    return s;
  }

  /**
   * Polls `check` every 50 ms until it returns a value (not undefined). Fails
   * at once when the page failed or disconnected, unless `stopOnFailure` is false.
   */
  private async poll<T>(what: string, check: (s: ViewerStatus) => Promise<T | undefined> | T | undefined, timeoutMs: number, stopOnFailure = true): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.status();
      if (s.problem) this.fail(s.problem, s);
      const result = await check(s);
      if (result !== undefined) return result;
      if (stopOnFailure && (s.state === 'failed' || s.state === 'disconnected')) this.fail(`${what}: noVNC is not connected`, s);
      if (Date.now() > deadline) this.fail(`${what}: not within ${timeoutMs} ms`, s);
      await sleep(50);
    }
  }

  /**
   * Waits until noVNC is connected and has drawn a first framebuffer update,
   * answering the page's credentials prompt (once per prompt) with `credentials`.
   * Fails with the page's status line when it fails (e.g. "Authentication failed: …").
   */
  async waitForConnected(credentials?: Credentials, timeoutMs = this.timeoutMs): Promise<ViewerStatus> {
    let answered = 0;
    return this.poll(
      'waiting for noVNC to connect and draw',
      async (s) => {
        if (s.state === 'connected' && s.drawn >= 1) return s;
        if (s.state === 'credentials' && s.promptOpen) {
          if (answered >= 3) this.fail('the page keeps asking for credentials', s);
          if (!credentials) this.fail('the server asked for credentials but the test gave none', s);
          answered++;
          await this.answerCredentials(credentials);
        }
        return undefined;
      },
      timeoutMs,
    );
  }

  /** Waits for the page's state (e.g. 'failed' after a wrong password) and returns the status. */
  waitForState(state: ViewerState, timeoutMs = this.timeoutMs): Promise<ViewerStatus> {
    return this.poll(`waiting for state ${state}`, (s) => (s.state === state ? s : undefined), timeoutMs, false);
  }

  /** Fills the page's credentials dialog and presses its Connect button. */
  async answerCredentials(credentials: Credentials): Promise<void> {
    const s = await this.poll('waiting for the credentials prompt', (st) => (st.promptOpen ? st : undefined), this.timeoutMs);
    if (s.promptAsksUsername) {
      if (credentials.username === undefined) this.fail('the server asked for a username but the test gave none', s);
      await this.page.fill('#username', credentials.username);
    }
    if (credentials.password === undefined) this.fail('the server asked for a password but the test gave none', s);
    await this.page.fill('#password', credentials.password);
    await this.page.click('#credentials-ok');
  }

  /** Number of framebuffer updates drawn so far (wait for it to grow after a change). */
  async updatesDrawn(): Promise<number> {
    return (await this.status()).drawn;
  }

  /** Waits until at least `count` updates have been drawn. */
  waitForUpdates(count: number, timeoutMs = this.timeoutMs): Promise<ViewerStatus> {
    return this.poll(`waiting for ${count} drawn updates`, (s) => (s.drawn >= count ? s : undefined), timeoutMs);
  }

  /** The canvas pixels exactly, RGBA (alpha 255): one canvas pixel per framebuffer pixel. */
  async readPixels(): Promise<RgbaImage> {
    const r: unknown = await this.page.evaluate('window.__vncdHarness.pixels()');
    if (r === null) this.fail('noVNC has no canvas yet', await this.status());
    const { width, height, rgba } = r as { width: number; height: number; rgba: string };
    const bytes = Buffer.from(rgba, 'base64');
    if (bytes.length !== width * height * 4) this.fail(`canvas read: ${bytes.length} bytes for ${width}x${height}`);
    return { width, height, rgba: bytes };
  }

  /** Waits until the canvas shows `expected` exactly (RGB); fails with the last difference. */
  async waitForPixels(expected: RgbaImage, timeoutMs = this.timeoutMs): Promise<RgbaImage> {
    let last: ImageDiff | undefined;
    return this.poll(
      'waiting for the expected pixels',
      async (s) => {
        if (s.drawn < 1) return undefined;
        const seen = await this.readPixels();
        last = compareImages(expected, seen);
        return last.equal ? seen : undefined;
      },
      timeoutMs,
    ).catch((e: unknown) => {
      if (last && e instanceof BrowserHarnessError) this.fail(`${e.message.split('\n')[0]}; last seen: ${last.summary}`);
      throw e;
    });
  }

  /** Waits until the framebuffer (canvas) has this size. */
  waitForFramebufferSize(width: number, height: number, timeoutMs = this.timeoutMs): Promise<ViewerStatus> {
    return this.poll(`waiting for a ${width}x${height} framebuffer`, (s) => (s.width === width && s.height === height ? s : undefined), timeoutMs);
  }

  private async focusScreen(): Promise<void> {
    await this.page.evaluate('window.vncd && window.vncd.rfb && window.vncd.rfb.focus()');
  }

  /** Presses one key on noVNC's canvas: Playwright key names, e.g. 'a', 'Enter', 'Shift+A', 'Control+Alt+Delete'. */
  async press(key: string): Promise<void> {
    await this.focusScreen();
    await this.page.keyboard.press(key);
  }

  /** Types text on noVNC's canvas, key by key (US layout). */
  async type(text: string): Promise<void> {
    await this.focusScreen();
    await this.page.keyboard.type(text);
  }

  private async pagePoint(x: number, y: number): Promise<{ x: number; y: number }> {
    if (!Number.isInteger(x) || !Number.isInteger(y)) this.fail(`framebuffer position (${x},${y}) must be whole pixels`);
    const p = (await this.page.evaluate(`window.__vncdHarness.point(${x}, ${y})`)) as { x: number; y: number } | { error: string };
    if ('error' in p) this.fail(`framebuffer position (${x},${y}): ${p.error}`, await this.status());
    return p;
  }

  /** Clicks at a framebuffer position (a point inside that pixel, whatever the scaling). */
  async click(x: number, y: number, options: { readonly button?: 'left' | 'middle' | 'right' } = {}): Promise<void> {
    const p = await this.pagePoint(x, y);
    await this.page.mouse.click(p.x, p.y, { button: options.button ?? 'left' });
  }

  /** Moves the mouse to a framebuffer position. */
  async moveMouse(x: number, y: number): Promise<void> {
    const p = await this.pagePoint(x, y);
    await this.page.mouse.move(p.x, p.y);
  }

  /** The text of the page's clipboard panel (where the server's clipboard lands). */
  async clipboardText(): Promise<string> {
    return this.page.inputValue('#clipboard-text');
  }

  /** Waits until the clipboard panel shows `text` (sent by the server). */
  waitForClipboard(text: string, timeoutMs = this.timeoutMs): Promise<string> {
    return this.poll(`waiting for clipboard text ${JSON.stringify(text.slice(0, 40))}`, async () => ((await this.clipboardText()) === text ? text : undefined), timeoutMs);
  }

  /** Puts text in the clipboard panel and presses Send (noVNC's clipboardPasteFrom). */
  async sendClipboard(text: string): Promise<void> {
    if (await this.page.isHidden('#clipboard-panel')) await this.page.click('#clipboard-toggle');
    await this.page.fill('#clipboard-text', text);
    await this.page.click('#clipboard-send');
  }

  /** Picks the page's view mode: 1:1, scale to fit (scaleViewport) or resize the remote session (resizeSession). */
  async setViewMode(mode: ViewMode): Promise<void> {
    await this.page.selectOption('#resize', mode);
  }

  /** The size of the area noVNC draws into: with view mode 'remote' it asks the server for exactly this size. */
  async screenSize(): Promise<{ width: number; height: number }> {
    const s = (await this.page.evaluate('window.__vncdHarness.screenSize()')) as { width: number; height: number } | null;
    if (!s) this.fail('noVNC has not created its screen yet', await this.status());
    return s;
  }

  /** Resizes the browser viewport; returns the new screen area (what a remote resize will ask for). */
  async resizeViewport(width: number, height: number): Promise<{ width: number; height: number }> {
    await this.page.setViewportSize({ width, height });
    await this.page.evaluate('window.__vncdHarness.nextFrames()');
    return this.screenSize();
  }

  async sendCtrlAltDel(): Promise<void> {
    await this.page.click('#ctrl-alt-del');
  }

  /** Presses the page's Disconnect button and waits until noVNC has disconnected. */
  async disconnect(): Promise<ViewerStatus> {
    const s = await this.status();
    if (s.state === 'disconnected' || s.state === 'failed') return s;
    await this.page.click('#connect');
    return this.poll('waiting for the disconnect', (st) => (st.state === 'disconnected' || st.state === 'failed' ? st : undefined), this.timeoutMs, false);
  }

  /** Closes the page and its context (time-bounded). Never rejects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    await within(this.context.close(), 5_000, 'closing the page').catch(() => undefined);
  }
}
