/**
 * gtk-vnc's `gvnccapture` (Debian gvncviewer 1.3.1): connects, takes the first
 * framebuffer update that reaches the bottom-right corner, saves it as PNG and
 * exits. Headless (no X). It reads a password from its terminal, so it runs on
 * a pseudo-terminal made by a few lines of Python's `pty` (python3 is there for
 * node-gyp anyway); the answer goes in only once the prompt has turned echo off.
 *
 * ```ts
 * const cap = await captureWithGvnccapture({ host: '127.0.0.1', port, password: 'secret' });
 * expect(compareImages(expected, cap).summary).toBe(identical(expected));
 * expect(cap.securityType).toBe(2);
 * await expect(captureWithGvnccapture({ host: '127.0.0.1', port, password: 'wrong' }))
 *   .rejects.toThrow(/auth-failed/);
 * ```
 *
 * Addressing: gvnccapture only takes HOST:DISPLAY and connects to 5900 + atoi(DISPLAY),
 * with no range check, so any TCP port works as display = port - 5900 (negative
 * for ports below 5900, above 99 for ephemeral ports). There is no HOST::PORT
 * form ("::" parses as display 0) and no IPv6 literal (the host is cut at its
 * first ':'): use a host name for IPv6 (e.g. "ip6-localhost" if /etc/hosts has it).
 *
 * It picks the security type itself (VeNCrypt > TLS > SASL > MSLogon > VNC > None);
 * the choice comes from its --debug log ("Chosen auth N"). It does not send
 * SetPixelFormat: it takes the server's pixel format and converts locally.
 * It saves after the first rectangle whose bottom-right corner is the
 * framebuffer's, so a server must send that rectangle last in an update.
 * Its --debug log (needed for the above) contains the password: it is redacted
 * from the log returned here.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { decodePng } from './image';
import { ManagedProcess, clientEnv, findExecutable, makeTempDir, removeTempDir } from './process';
import { type ClientCapture, VncClientError, type VncClientFailure, cleanLog, lastLines } from './types';

export interface GvncCaptureOptions {
  /** Host name or IPv4 address (no ':'). */
  readonly host: string;
  readonly port: number;
  /** Answer to its "Password:" prompt. Without one, a prompt fails the capture ('credential-needed'). */
  readonly password?: string;
  /** Kill it after this long. Default 20 s. */
  readonly timeoutMs?: number;
  /** Also keep the PNG it wrote at this path. */
  readonly savePngTo?: string;
  /**
   * X.509: the CA to trust and, optionally, a client certificate and key (PEM files).
   * gtk-vnc reads them from ~/.pki of the user's passwd entry, not $HOME, so the run
   * happens in a private mount namespace with a prepared home bound over it (root only).
   */
  readonly certs?: { readonly caCert: string; readonly clientCert?: string; readonly clientKey?: string };
}

export interface GvncCapture extends ClientCapture {
  /** The VeNCrypt sub-type it chose, when it chose VeNCrypt (19). */
  readonly securitySubtype?: number;
  /** Wall time of the run. */
  readonly elapsedMs: number;
}

/** Runs CMD... on a pty; answers "Password:" from $VNCD_PTY_PASSWORD once echo is off. Exit 125: prompt with no answer. */
const PTY_HELPER = `
import os, pty, sys, termios, time
pw = os.environ.pop('VNCD_PTY_PASSWORD', None)
seen = b''
def read(fd):
    global seen
    data = os.read(fd, 65536)
    seen = (seen + data)[-256:]
    prompt = seen.rstrip(b' ')
    if prompt.endswith(b'Password:') or prompt.endswith(b'Username:'):
        seen = b''
        if pw is None or prompt.endswith(b'Username:'):
            sys.stdout.buffer.write(data + b'\\n[pty] prompt with no answer, giving up\\n')
            sys.stdout.flush()
            os._exit(125)
        end = time.time() + 5
        while termios.tcgetattr(fd)[3] & termios.ECHO and time.time() < end:
            time.sleep(0.005)
        os.write(fd, pw.encode() + b'\\n')
    return data
sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:], read)))
`;

/** The HOST:DISPLAY argument that makes gvnccapture connect to `port`. */
export function gvnccaptureTarget(host: string, port: number): string {
  if (host.includes(':')) {
    throw new Error(`gvnccapture cannot address "${host}": it cuts the host at the first ':' (use a host name for IPv6)`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port ${port}`);
  return `${host}:${port - 5900}`;
}

/** The python3 to run the pty helper with (Debian's own first: fastest start). */
function python(): string | undefined {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : findExecutable('python3');
}

export const GVNCCAPTURE_TOOL_PACKAGES: Record<string, string> = { gvnccapture: 'gvncviewer', python3: 'python3' };

export function missingGvnccaptureTools(): string[] {
  return Object.keys(GVNCCAPTURE_TOOL_PACKAGES).filter((t) => (t === 'python3' ? python() : findExecutable(t)) === undefined);
}

const LOG_NOISE = /Compare \d+ vs|Emit main context|[Tt]imeout 0x|Advertizing|coroutine|Schedule|Remove|^\s*$/;

/** Strips gtk-vnc's "(gvnccapture:PID): gtk-vnc-DEBUG: TIME: ../src/file.c " prefix. */
function message(line: string): string {
  return line.replace(/^\(gvnccapture:\d+\): [\w-]+: [\d:.]+: (\S+\.c )?/, '');
}

function classify(log: string, rc: number | null): { failure: VncClientFailure; detail: string } {
  const lines = log.split('\n').map(message);
  const find = (re: RegExp): string | undefined => lines.filter((l) => re.test(l)).pop()?.trim();
  if (/\[pty\] prompt with no answer/.test(log)) {
    return { failure: 'credential-needed', detail: `server asked: ${find(/(Password|Username):/) ?? 'a credential'}, none given` };
  }
  // gtk-vnc says what went wrong in an "Error: ..." debug line; the plain output
  // only says "Unable to connect to HOST:DISPLAY", whatever happened.
  const error = find(/^Error: /)?.replace(/^Error: /, '');
  if (/^Auth failed$/m.test(lines.join('\n'))) {
    return { failure: 'auth-failed', detail: `Auth failed${error ? `: ${error}` : ''}` };
  }
  if (error && /unable to connect|connection refused|resolv|no route|timed out/i.test(error)) {
    return { failure: 'connection-failed', detail: error };
  }
  if (error) return { failure: 'exited', detail: error };
  const last = find(/Unable to connect|Disconnected from|Unable to save|Failed to/);
  return { failure: last && /Unable to connect/.test(last) ? 'connection-failed' : 'exited', detail: last ?? `exit status ${rc} without saving` };
}

/**
 * The command run under `unshare` with `home` (laid out as gtk-vnc expects:
 * .pki/CA/cacert.pem, .pki/gvnccapture/clientcert.pem and private/clientkey.pem)
 * bound over the real home directory of the user.
 */
function withPkiHome(
  home: string,
  certs: NonNullable<GvncCaptureOptions['certs']>,
  command: readonly string[],
): string[] {
  mkdirSync(join(home, '.pki', 'CA'), { recursive: true });
  copyFileSync(certs.caCert, join(home, '.pki', 'CA', 'cacert.pem'));
  if (certs.clientCert !== undefined && certs.clientKey !== undefined) {
    mkdirSync(join(home, '.pki', 'gvnccapture', 'private'), { recursive: true });
    copyFileSync(certs.clientCert, join(home, '.pki', 'gvnccapture', 'clientcert.pem'));
    copyFileSync(certs.clientKey, join(home, '.pki', 'gvnccapture', 'private', 'clientkey.pem'));
  }
  const realHome = userInfo().homedir;
  const script = 'mount --bind "$1" "$2" || exit 97; shift 2; exec "$@"';
  return ['unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh', home, realHome, ...command];
}

/** Runs gvnccapture once and returns what it saved, decoded. Throws VncClientError on failure. */
export async function captureWithGvnccapture(options: GvncCaptureOptions): Promise<GvncCapture> {
  const missing = missingGvnccaptureTools();
  if (missing.length > 0) {
    throw new VncClientError(
      'gvnccapture',
      'missing-tool',
      `not installed: ${missing.join(', ')} (apt-get install ${missing.map((m) => GVNCCAPTURE_TOOL_PACKAGES[m]).join(' ')})`,
      '',
      '',
    );
  }
  const target = gvnccaptureTarget(options.host, options.port);
  const home = makeTempDir('gvnccapture');
  const started = Date.now();
  try {
    const png = join(home, 'capture.png');
    const env = clientEnv(home, options.password === undefined ? {} : { VNCD_PTY_PASSWORD: options.password });
    const capture = [python() ?? 'python3', '-c', PTY_HELPER, findExecutable('gvnccapture') ?? 'gvnccapture', '--debug', target, png];
    const [command = 'python3', ...args] = options.certs ? withPkiHome(home, options.certs, capture) : capture;
    const proc = ManagedProcess.start({
      name: 'gvnccapture',
      command,
      args,
      env,
      cwd: home,
      lifetimeMs: options.timeoutMs ?? 20_000,
    });
    const exit = await proc.exited;
    // gtk-vnc's debug output includes the password ("Set credential 0 PASSWORD").
    const log = cleanLog(proc.log).replace(/((?:Set credential|Failed to set credential type) \d+ ).*$/gm, '$1<redacted>');
    const tail = lastLines(log, 25, (l) => !LOG_NOISE.test(l));
    const fail = (failure: VncClientFailure, detail: string): VncClientError =>
      new VncClientError('gvnccapture', failure, detail, log, tail);
    if (exit.spawnError) throw fail('missing-tool', exit.spawnError.message);
    if (exit.timedOut) {
      throw fail('timeout', `no complete framebuffer after ${options.timeoutMs ?? 20_000} ms (killed)`);
    }
    if (exit.code !== 0 || !/^Saved display to /m.test(log) || !existsSync(png)) {
      const c = classify(log, exit.code);
      throw fail(c.failure, c.detail);
    }
    const chosen = [...log.matchAll(/Chosen (?:default )?auth (\d+)/g)].map((m) => Number(m[1]));
    let img;
    try {
      img = decodePng(readFileSync(png));
    } catch (e) {
      throw fail('bad-output', `cannot decode its PNG: ${(e as Error).message}`);
    }
    // The PNG's alpha means nothing: when the server's pixel format equals
    // gtk-vnc's local one (32 bpp, red at bits 0-7, little-endian) it copies the
    // server's padding byte into it (usually 0); otherwise it writes 255.
    for (let i = 3; i < img.rgba.length; i += 4) img.rgba[i] = 255;
    if (options.savePngTo !== undefined) copyFileSync(png, options.savePngTo);
    const [securityType, securitySubtype] = chosen;
    return {
      client: 'gvnccapture',
      width: img.width,
      height: img.height,
      rgba: img.rgba,
      log,
      ...(securityType === undefined ? {} : { securityType }),
      ...(securitySubtype === undefined ? {} : { securitySubtype }),
      elapsedMs: Date.now() - started,
    };
  } finally {
    removeTempDir(home);
  }
}
