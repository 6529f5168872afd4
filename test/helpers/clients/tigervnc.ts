/**
 * TigerVNC's viewer (`vncviewer`, Debian tigervnc-viewer 1.12) driven headlessly in
 * a private Xvfb. There is no window manager, so the viewer's toplevel window is
 * the remote framebuffer at 1:1 (as long as the Xvfb screen is larger); it is
 * captured with `xwd` (x11-apps) after finding it with `xwininfo` and `xprop`
 * (x11-utils; _NET_WM_PID tells several viewers on one Xvfb apart).
 *
 * ```ts
 * jest.setTimeout(30_000);
 * const viewer = await TigerVncViewer.start({ host: '127.0.0.1', port, security: 'VncAuth', password: 'secret' });
 * try {
 *   const result = await viewer.waitForPixels(expected, { timeoutMs: 10_000 });
 *   expect(result.diff.summary).toBe(identical(expected));
 *   expect(viewer.securityType).toBe(2);
 * } finally {
 *   await viewer.close();
 * }
 * // or in one go (starts and stops its own Xvfb):
 * const cap = await captureWithTigerVnc({ host: '127.0.0.1', port, security: 'None', expected });
 * expect(cap.diff?.summary).toBe(identical(expected));
 * // a wrong password:
 * await expect(captureWithTigerVnc({ ..., password: 'wrong' })).rejects.toThrow(/Authentication failure/);
 * ```
 *
 * Pitfalls this handles: the viewer exits with status 0 even when authentication
 * failed (the log is the only evidence); its log wraps long messages onto
 * indented continuation lines; without -AlertOnFatalError=0 -ReconnectOnError=0
 * it opens a dialog and waits for a person; with no password for VncAuth it
 * opens a password dialog (detected, reported as 'credential-needed').
 */
import { createCipheriv } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareImages, decodeXwd, type ImageDiff } from './image';
import { ManagedProcess, clientEnv, findExecutable, makeTempDir, processGroupOf, removeTempDir, runCommand, sleep } from './process';
import { type ClientCapture, type RgbaImage, VncClientError, type VncClientFailure, lastLines } from './types';
import { Xvfb, type XvfbOptions } from './xvfb';

/** Security types vncviewer can be limited to with -SecurityTypes. */
export type TigerVncSecurity =
  | 'None'
  | 'VncAuth'
  | 'Plain'
  | 'TLSNone'
  | 'TLSVnc'
  | 'TLSPlain'
  | 'X509None'
  | 'X509Vnc'
  | 'X509Plain';

export interface TigerVncOptions {
  /** Host name or address (an IPv6 literal is bracketed for you). */
  readonly host: string;
  readonly port: number;
  /** The only security type the viewer will accept (-SecurityTypes). */
  readonly security: TigerVncSecurity;
  /** For VncAuth/TLSVnc/X509Vnc/…Plain. */
  readonly password?: string;
  /** How the password reaches the viewer: an obfuscated password file (default) or $VNC_PASSWORD. */
  readonly passwordVia?: 'file' | 'env';
  /** For …Plain types ($VNC_USERNAME). */
  readonly username?: string;
  /** X509* types: the CA certificate (PEM) that signed the server's certificate. */
  readonly x509CaFile?: string;
  /** Send shared-flag 1 (-Shared). The viewer's default is 0 (exclusive). */
  readonly shared?: boolean;
  /**
   * An Xvfb to use (not stopped by close()); by default a private one is started
   * (~150 ms). Viewers sharing one must not overlap (there is no window manager
   * and no backing store: a covered window reads back as what covers it), so
   * give each a distinct `position`; screenshots fail with a clear error otherwise.
   */
  readonly xvfb?: Xvfb;
  /** Top-left corner of the viewer window on the Xvfb screen (-geometry +X+Y). */
  readonly position?: { readonly x: number; readonly y: number };
  readonly xvfbOptions?: XvfbOptions;
  /** Appended to the viewer's parameters, e.g. ['-AutoSelect=0', '-PreferredEncoding=Raw']. */
  readonly extraArgs?: readonly string[];
  /** -Log value. Default: all at 30, CConnection/CConn/CMsgReader at 100. */
  readonly logSpec?: string;
  /** Hard lifetime of the viewer process (killed after). Default 120 s. */
  readonly lifetimeMs?: number;
}

export interface TigerVncInfo {
  /** RFB security type it chose, e.g. 1 (None), 2 (VncAuth), 19 (VeNCrypt). */
  readonly securityType?: number;
  /** The name TigerVNC logs for it, e.g. "VncAuth". */
  readonly securityTypeName?: string;
  readonly authenticated: boolean;
  /** e.g. "3.8" */
  readonly protocolVersion?: string;
  /** e.g. "depth 24 (32bpp) little-endian rgb888" (the format it asked for / uses). */
  readonly pixelFormat?: string;
  /** Log messages about encodings, pixel formats and throughput, in order. */
  readonly formatMessages: readonly string[];
}

export interface WaitForPixelsOptions {
  /** Default 10 s. */
  readonly timeoutMs?: number;
  /** Pause between screenshots. Default 100 ms. */
  readonly intervalMs?: number;
  readonly compareAlpha?: boolean;
}

export interface PixelWaitResult {
  readonly matched: boolean;
  /** The last screenshot taken. */
  readonly capture: ClientCapture;
  readonly diff: ImageDiff;
  readonly screenshots: number;
  readonly elapsedMs: number;
}

export interface ViewerWindow {
  /** X window id, e.g. "0x200007" */
  readonly id: string;
  readonly title: string;
  readonly width: number;
  readonly height: number;
  /** Position on the screen. */
  readonly x: number;
  readonly y: number;
}

const SECURITY_NUMBERS: Record<TigerVncSecurity, number> = {
  None: 1,
  VncAuth: 2,
  Plain: 19,
  TLSNone: 19,
  TLSVnc: 19,
  TLSPlain: 19,
  X509None: 19,
  X509Vnc: 19,
  X509Plain: 19,
};

/** The DES key TigerVNC (and every VNC since the original) obfuscates stored passwords with. */
const OBFUSCATION_KEY = [23, 82, 107, 6, 35, 78, 88, 7];

function mirrorBits(byte: number): number {
  let out = 0;
  for (let bit = 0; bit < 8; bit++) if ((byte & (1 << bit)) !== 0) out |= 0x80 >> bit;
  return out;
}

/**
 * The contents of a VNC password file (what `vncpasswd -f` writes): the
 * password's first 8 UTF-8 bytes, zero-padded, DES-encrypted with the fixed key
 * above. That key is given in the bit order of VNC's d3des, which reads key
 * bytes bit-mirrored, so standard DES (OpenSSL) needs each byte mirrored:
 * e84ad660c4721ae0. OpenSSL 3 has no plain DES by default; 3DES with the key
 * three times is the same cipher.
 */
export function vncPasswordFile(password: string): Buffer {
  const block = Buffer.alloc(8);
  Buffer.from(password, 'utf8').copy(block, 0, 0, 8);
  const key = Buffer.from(OBFUSCATION_KEY.map(mirrorBits));
  const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([key, key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(block), cipher.final()]);
}

interface LogEntry {
  readonly module: string;
  readonly text: string;
}

/** TigerVNC log lines are " Module:     text", long texts continue on indented lines. */
export function parseTigerVncLog(log: string): LogEntry[] {
  const entries: { module: string; text: string }[] = [];
  let current: { module: string; text: string } | undefined;
  for (const line of log.split('\n')) {
    const m = /^ ([A-Za-z][\w.-]*):\s+(.*)$/.exec(line);
    if (m) {
      current = { module: m[1] ?? '', text: (m[2] ?? '').trimEnd() };
      entries.push(current);
    } else if (current && /^ {4,}\S/.test(line)) {
      current.text += ' ' + line.trim();
    } else {
      current = undefined;
    }
  }
  return entries;
}

const NOISE = /No key mapping for key|^\s*$|^TigerVNC Viewer|^Built on|^Copyright|^See https|^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/;

export function tigerVncInfo(log: string): TigerVncInfo {
  let securityType: number | undefined;
  let securityTypeName: string | undefined;
  let protocolVersion: string | undefined;
  let pixelFormat: string | undefined;
  let authenticated = false;
  const formatMessages: string[] = [];
  for (const { module, text } of parseTigerVncLog(log)) {
    let m: RegExpExecArray | null;
    if ((m = /^Choosing security type (\S+)\((\d+)\)/.exec(text)) && securityType === undefined) {
      securityTypeName = m[1];
      securityType = Number(m[2]);
    } else if (/^Authentication success/.test(text)) {
      authenticated = true;
    } else if ((m = /^Using RFB protocol version (\S+)/.exec(text))) {
      protocolVersion = m[1];
    }
    if ((m = /^Using pixel format (.*)$/.exec(text))) pixelFormat = m[1];
    if (/encoding|pixel format|colou?r level|throughput|kbit|bpp/i.test(text)) formatMessages.push(`${module}: ${text}`);
  }
  return {
    ...(securityType === undefined ? {} : { securityType }),
    ...(securityTypeName === undefined ? {} : { securityTypeName }),
    ...(protocolVersion === undefined ? {} : { protocolVersion }),
    ...(pixelFormat === undefined ? {} : { pixelFormat }),
    authenticated,
    formatMessages,
  };
}

/** Classifies why the viewer stopped, from its log. */
function failureFromLog(log: string): { failure: VncClientFailure; detail: string } | undefined {
  const entries = parseTigerVncLog(log).filter((e) => !/^(Viewport|PlatformPixelBuffer|DecodeManager)$/.test(e.module));
  const auth = entries.filter((e) => /authentication fail|auth(entication)? (error|denied)/i.test(e.text)).pop();
  if (auth) return { failure: 'auth-failed', detail: auth.text };
  const conn = entries
    .filter((e) =>
      /unable to connect|failed to connect|connection refused|no route|could not resolve|name or service not known|connection reset|end of stream|no matching security|security type .* not supported|server closed/i.test(e.text),
    )
    .pop();
  if (conn) return { failure: 'connection-failed', detail: conn.text };
  const other = entries
    .filter((e) => /error|fail|unable|cannot|can't|closed|invalid|unsupported|unknown|not supported|timed? ?out|refused|denied|exception/i.test(e.text))
    .filter((e) => !/^Termination signal/.test(e.text))
    .pop();
  if (other) return { failure: 'exited', detail: `${other.module}: ${other.text}` };
  const raw = log.split('\n').filter((l) => /can't open display|error|fail/i.test(l)).pop();
  if (raw) return { failure: 'exited', detail: raw.trim() };
  return undefined;
}

function logTail(log: string): string {
  return lastLines(log, 20, (l) => !NOISE.test(l));
}

export class TigerVncViewer {
  private window: ViewerWindow | undefined;
  private closed = false;
  private readonly windowPids = new Map<string, number>();

  private constructor(
    private readonly proc: ManagedProcess,
    readonly xvfb: Xvfb,
    private readonly ownsXvfb: boolean,
    private readonly home: string,
    private readonly env: NodeJS.ProcessEnv,
    readonly options: TigerVncOptions,
  ) {}

  /** Starts the viewer (and a private Xvfb unless one is given). Does not wait for the connection. */
  static async start(options: TigerVncOptions): Promise<TigerVncViewer> {
    const missing = missingTigerVncTools();
    if (missing.length > 0) {
      throw new VncClientError('tigervnc', 'missing-tool', `not installed: ${missing.join(', ')} (apt-get install ${[...new Set(missing.map((m) => TIGERVNC_TOOL_PACKAGES[m]))].join(' ')})`, '', '');
    }
    const home = makeTempDir('tigervnc');
    let xvfb: Xvfb | undefined = options.xvfb;
    try {
      xvfb ??= await Xvfb.start(options.xvfbOptions);
      const extraEnv: NodeJS.ProcessEnv = { DISPLAY: xvfb.display };
      const args = [
        '-SecurityTypes', options.security,
        '-AlertOnFatalError=0',
        '-ReconnectOnError=0',
        '-Log', options.logSpec ?? '*:stderr:30,CConnection:stderr:100,CConn:stderr:100,CMsgReader:stderr:100',
      ];
      if (options.shared) args.push('-Shared');
      if (options.position) args.push('-geometry', `+${options.position.x}+${options.position.y}`);
      if (options.password !== undefined) {
        if ((options.passwordVia ?? 'file') === 'file') {
          const file = join(home, 'passwd');
          writeFileSync(file, vncPasswordFile(options.password), { mode: 0o600 });
          args.push('-PasswordFile', file);
        } else {
          extraEnv['VNC_PASSWORD'] = options.password;
        }
      }
      if (options.username !== undefined) extraEnv['VNC_USERNAME'] = options.username;
      if (options.x509CaFile !== undefined) args.push('-X509CA', options.x509CaFile, '-X509CRL', join(home, 'none.crl'));
      args.push(...(options.extraArgs ?? []));
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      args.push(`${host}::${options.port}`);
      const env = clientEnv(home, extraEnv);
      const proc = ManagedProcess.start({
        name: 'vncviewer',
        command: findExecutable('vncviewer') ?? 'vncviewer',
        args,
        env,
        cwd: home,
        lifetimeMs: options.lifetimeMs ?? 120_000,
      });
      return new TigerVncViewer(proc, xvfb, options.xvfb === undefined, home, env, options);
    } catch (e) {
      if (xvfb && options.xvfb === undefined) await xvfb.stop();
      removeTempDir(home);
      throw e;
    }
  }

  get log(): string {
    return this.proc.log;
  }

  get running(): boolean {
    return this.proc.running;
  }

  info(): TigerVncInfo {
    return tigerVncInfo(this.proc.log);
  }

  get securityType(): number | undefined {
    return this.info().securityType;
  }

  /** What the log says went wrong, or undefined. */
  failure(): { failure: VncClientFailure; detail: string } | undefined {
    return failureFromLog(this.proc.log);
  }

  private error(failure: VncClientFailure, detail: string): VncClientError {
    return new VncClientError('tigervnc', failure, detail, this.proc.log, logTail(this.proc.log));
  }

  /** The error describing why the viewer exited (call when it has). */
  private exitError(): VncClientError {
    const f = this.failure();
    const exit = this.proc.exit;
    const how = exit ? (exit.spawnError ? exit.spawnError.message : `exit code ${exit.code}, signal ${exit.signal}`) : 'still running';
    if (exit?.timedOut) return this.error('timeout', `killed after its lifetime${f ? ` (${f.detail})` : ''}`);
    if (f) return this.error(f.failure, f.detail);
    return this.error('exited', `viewer exited (${how}) without saying why`);
  }

  /**
   * This viewer's toplevel windows (_NET_WM_PID in our process group, so several
   * viewers can share an Xvfb): the main one (title ends in "TigerVNC") and any others
   * (dialogs); plus every other toplevel window, for overlap checks.
   */
  private async listWindows(): Promise<{ main?: ViewerWindow; others: ViewerWindow[]; foreign: ViewerWindow[] }> {
    const r = await runCommand('xwininfo', ['-root', '-tree'], this.env, 5000);
    if (r.exit.code !== 0) throw this.error('bad-output', `xwininfo failed: ${r.stderr.trim() || JSON.stringify(r.exit)}`);
    const windows: (ViewerWindow & { indent: number })[] = [];
    for (const line of r.stdout.toString('utf8').split('\n')) {
      const m = /^(\s+)(0x[0-9a-f]+) (?:"(.*)"|\(has no name\)): \(.*\)\s+(\d+)x(\d+)[+-]-?\d+[+-]-?\d+\s+([+-]-?\d+)([+-]-?\d+)\s*$/.exec(line);
      if (!m) continue;
      windows.push({
        indent: (m[1] ?? '').length,
        id: m[2] ?? '',
        title: m[3] ?? '',
        width: Number(m[4]),
        height: Number(m[5]),
        x: Number(m[6]),
        y: Number(m[7]),
      });
    }
    const top = Math.min(...windows.map((w) => w.indent));
    const mine: ViewerWindow[] = [];
    const foreign: ViewerWindow[] = [];
    for (const { indent, ...w } of windows) {
      if (indent !== top) continue;
      if (w.title === '') {
        foreign.push(w);
        continue;
      }
      let pid = this.windowPids.get(w.id);
      if (pid === undefined) {
        const p = await runCommand('xprop', ['-id', w.id, '_NET_WM_PID'], this.env, 5000);
        pid = Number(/=\s*(\d+)/.exec(p.stdout.toString('utf8'))?.[1] ?? -1);
        if (pid > 0) this.windowPids.set(w.id, pid);
      }
      (pid > 0 && processGroupOf(pid) === this.proc.pgid ? mine : foreign).push(w);
    }
    const main = mine.find((w) => /TigerVNC$/.test(w.title));
    const others = mine.filter((w) => w !== main);
    return { ...(main ? { main } : {}), others, foreign };
  }

  private async isViewable(id: string): Promise<boolean> {
    const r = await runCommand('xwininfo', ['-id', id], this.env, 5000);
    return r.exit.code === 0 && /Map State:\s+IsViewable/.test(r.stdout.toString('utf8'));
  }

  /**
   * Waits until the viewer window is mapped (the handshake is done then; the
   * first update may still be on its way). Throws if the viewer exits, shows a
   * dialog, or time runs out.
   */
  async waitForWindow(timeoutMs = 15_000): Promise<ViewerWindow> {
    if (this.window) return this.window;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.proc.running) throw this.exitError();
      const { main, others } = await this.listWindows();
      for (const w of others) {
        if (await this.isViewable(w.id)) {
          const credential = /auth|password|credential/i.test(w.title);
          throw this.error(credential ? 'credential-needed' : 'dialog', `viewer opened a dialog "${w.title}" (needs a person)`);
        }
      }
      if (main && (await this.isViewable(main.id))) {
        this.window = main;
        return main;
      }
      if (Date.now() > deadline) {
        const f = this.failure();
        throw this.error('timeout', `no viewer window after ${timeoutMs} ms${f ? ` (${f.detail})` : ''}`);
      }
      await sleep(100);
    }
  }

  /** A screenshot of the viewer window (what it shows of the remote framebuffer). */
  async screenshot(): Promise<ClientCapture> {
    const w = await this.waitForWindow();
    const { main, foreign } = await this.listWindows();
    if (!main) {
      if (!this.proc.running) throw this.exitError();
      throw this.error('bad-output', 'the viewer window went away');
    }
    for (const o of foreign) {
      const overlaps = o.x < main.x + main.width && main.x < o.x + o.width && o.y < main.y + main.height && main.y < o.y + o.height;
      if (overlaps && (await this.isViewable(o.id))) {
        throw this.error(
          'bad-output',
          `the viewer window (${main.width}x${main.height}+${main.x}+${main.y}) overlaps window ${o.id} "${o.title}" ` +
            `(${o.width}x${o.height}+${o.x}+${o.y}): viewers sharing an Xvfb need distinct \`position\`s`,
        );
      }
    }
    const r = await runCommand('xwd', ['-silent', '-id', w.id], this.env, 10_000);
    if (r.exit.code !== 0) {
      if (!this.proc.running) throw this.exitError();
      throw this.error('bad-output', `xwd failed: ${r.stderr.trim() || JSON.stringify(r.exit)}`);
    }
    const img = decodeXwd(r.stdout);
    const securityType = this.securityType;
    return {
      client: 'tigervnc',
      width: img.width,
      height: img.height,
      rgba: img.rgba,
      log: this.proc.log,
      ...(securityType === undefined ? {} : { securityType }),
    };
  }

  /**
   * Takes screenshots until the window shows `expected` exactly or time runs
   * out; returns the last one and how it differs. Throws if the viewer exits
   * (e.g. authentication failed) or never shows a window.
   */
  async waitForPixels(expected: RgbaImage, options: WaitForPixelsOptions = {}): Promise<PixelWaitResult> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const start = Date.now();
    const deadline = start + timeoutMs;
    await this.waitForWindow(timeoutMs);
    let screenshots = 0;
    for (;;) {
      const capture = await this.screenshot();
      screenshots++;
      const diff = compareImages(expected, capture, options.compareAlpha ? { compareAlpha: true } : {});
      if (diff.equal || Date.now() >= deadline) {
        return { matched: diff.equal, capture, diff, screenshots, elapsedMs: Date.now() - start };
      }
      await sleep(options.intervalMs ?? 100);
      if (!this.proc.running) throw this.exitError();
    }
  }

  /** waitForPixels, throwing a VncClientError ('pixels-differ', with the diff summary) unless they match. */
  async expectPixels(expected: RgbaImage, options: WaitForPixelsOptions = {}): Promise<PixelWaitResult> {
    const result = await this.waitForPixels(expected, options);
    if (!result.matched) {
      throw this.error('pixels-differ', `after ${result.elapsedMs} ms and ${result.screenshots} screenshots: ${result.diff.summary}`);
    }
    return result;
  }

  /**
   * Waits for the viewer to end by itself (e.g. the server refused it) and
   * returns why, or undefined if it is still running after `timeoutMs`.
   */
  async waitForExit(timeoutMs = 15_000): Promise<VncClientError | undefined> {
    const exit = await this.proc.waitForExit(timeoutMs);
    return exit ? this.exitError() : undefined;
  }

  /** Ends the viewer (SIGTERM, then SIGKILL), its private Xvfb and temp dir. Returns the final log. */
  async close(): Promise<string> {
    if (this.closed) return this.proc.log;
    this.closed = true;
    try {
      await this.proc.stop(3000);
    } finally {
      if (this.ownsXvfb) await this.xvfb.stop();
      removeTempDir(this.home);
    }
    return this.proc.log;
  }
}

export interface TigerVncCaptureOptions extends TigerVncOptions {
  /** Wait until the window shows this image (up to waitTimeoutMs) and include the diff. */
  readonly expected?: RgbaImage;
  /** Default 15 s. */
  readonly waitTimeoutMs?: number;
  /** Without `expected`: how long to let updates arrive after the window appears. Default 1 s. */
  readonly settleMs?: number;
}

export interface TigerVncCapture extends ClientCapture {
  readonly info: TigerVncInfo;
  /** Present when `expected` was given. */
  readonly diff?: ImageDiff;
  /** Wall time from start to capture. */
  readonly elapsedMs: number;
}

/**
 * Starts a viewer, captures its window (after it shows `expected`, or after
 * `settleMs`), closes it. Throws a VncClientError if the viewer fails (auth,
 * connection, dialog, timeout). A mismatch is not an error: check `diff`.
 */
export async function captureWithTigerVnc(options: TigerVncCaptureOptions): Promise<TigerVncCapture> {
  const started = Date.now();
  const viewer = await TigerVncViewer.start(options);
  try {
    const timeoutMs = options.waitTimeoutMs ?? 15_000;
    let capture: ClientCapture;
    let diff: ImageDiff | undefined;
    if (options.expected) {
      const r = await viewer.waitForPixels(options.expected, { timeoutMs });
      capture = r.capture;
      diff = r.diff;
    } else {
      await viewer.waitForWindow(timeoutMs);
      await sleep(options.settleMs ?? 1000);
      capture = await viewer.screenshot();
    }
    return { ...capture, info: viewer.info(), ...(diff ? { diff } : {}), elapsedMs: Date.now() - started };
  } finally {
    await viewer.close();
  }
}

/** Debian package of each program the TigerVNC helper runs. */
export const TIGERVNC_TOOL_PACKAGES: Record<string, string> = {
  vncviewer: 'tigervnc-viewer',
  Xvfb: 'xvfb',
  xwd: 'x11-apps',
  xwininfo: 'x11-utils',
  xprop: 'x11-utils',
};

export function missingTigerVncTools(): string[] {
  return Object.keys(TIGERVNC_TOOL_PACKAGES).filter((t) => findExecutable(t) === undefined);
}

export { SECURITY_NUMBERS as TIGERVNC_SECURITY_NUMBERS };
