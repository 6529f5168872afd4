/**
 * Child processes for the client harness: every process runs in its own process
 * group (detached), has a hard lifetime after which the whole group is killed,
 * and is killed as well when the test process exits. The lifetime is also
 * enforced outside Node (the command runs under coreutils `timeout`), so nothing
 * outlives a test process that was itself killed. Output (stdout + stderr,
 * interleaved as it arrives) is kept as the process's log.
 *
 * ```ts
 * const p = ManagedProcess.start({ name: 'xeyes', command: 'xeyes', args: [], env, lifetimeMs: 5000 });
 * await p.waitForLog(/ready/, 2000);
 * await p.stop();
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Killed because its lifetime ran out. */
  readonly timedOut: boolean;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  readonly spawnError?: Error;
}

export interface ManagedProcessOptions {
  /** For messages. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Hard limit: the process group is killed with SIGKILL after this long. */
  readonly lifetimeMs: number;
  /** Number of extra pipes (fd 3, 4, ...) to open towards the child. */
  readonly extraPipes?: number;
  /** Keep at most this much log (the beginning and the end are kept). Default 4 MiB. */
  readonly maxLogChars?: number;
}

/** All process groups started here and still alive: killed when the test process exits. */
const live = new Set<ManagedProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const p of live) p.killGroup('SIGKILL');
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined || pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already
  }
}

export class ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private head = '';
  private tail = '';
  private dropped = 0;
  private readonly maxLogChars: number;
  private timedOut = false;
  private readonly lifetimeTimer: NodeJS.Timeout;
  private readonly logListeners = new Set<() => void>();

  private constructor(options: ManagedProcessOptions) {
    this.name = options.name;
    this.maxLogChars = options.maxLogChars ?? 4 * 1024 * 1024;
    const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe'];
    for (let i = 0; i < (options.extraPipes ?? 0); i++) stdio.push('pipe');
    // Backstop for when this process dies without cleaning up: `timeout` (the
    // group leader) kills the command a little after the lifetime.
    const timeoutCmd = findExecutable('timeout');
    const [command, args] = timeoutCmd
      ? [timeoutCmd, ['-s', 'KILL', `${Math.ceil(options.lifetimeMs / 1000) + 5}`, options.command, ...options.args]]
      : [options.command, [...options.args]];
    this.child = spawn(command, args, {
      env: options.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      detached: true, // own process group (setsid), so the whole group can be killed
      stdio,
    });
    this.child.stdout?.setEncoding('utf8');
    this.child.stderr?.setEncoding('utf8');
    this.child.stdout?.on('data', (d: string) => this.append(d));
    this.child.stderr?.on('data', (d: string) => this.append(d));
    this.exited = new Promise<ExitInfo>((resolve) => {
      const finish = (info: ExitInfo): void => {
        if (this.exitInfo) return;
        this.exitInfo = info;
        clearTimeout(this.lifetimeTimer);
        live.delete(this);
        // Stragglers in the group (children the process left behind) go too.
        killGroup(this.child.pid, 'SIGKILL');
        this.notify();
        resolve(info);
      };
      this.child.once('error', (err) => finish({ code: null, signal: null, timedOut: false, spawnError: err }));
      // 'close' (not 'exit') so that all output has been read.
      this.child.once('close', (code, signal) => finish({ code, signal, timedOut: this.timedOut }));
    });
    this.lifetimeTimer = setTimeout(() => {
      this.timedOut = true;
      this.killGroup('SIGKILL');
    }, options.lifetimeMs);
    this.lifetimeTimer.unref();
    if (this.child.pid !== undefined) {
      live.add(this);
      installExitHook();
    }
  }

  static start(options: ManagedProcessOptions): ManagedProcess {
    return new ManagedProcess(options);
  }

  /** The process group id (the pid of the group leader, which may be a `timeout` wrapper). */
  get pgid(): number | undefined {
    return this.child.pid;
  }

  /** Extra pipe fd (3, 4, ...) as a stream. */
  extraPipe(fd: number): Readable {
    const s = this.child.stdio[fd];
    if (!s || !('on' in s)) throw new Error(`${this.name}: fd ${fd} is not a pipe`);
    return s as Readable;
  }

  get log(): string {
    return this.dropped > 0 ? `${this.head}\n[... ${this.dropped} characters dropped ...]\n${this.tail}` : this.head + this.tail;
  }

  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  get running(): boolean {
    return this.exitInfo === undefined && this.child.pid !== undefined;
  }

  /** Signal the whole process group (no-op once it is gone). */
  killGroup(signal: NodeJS.Signals): void {
    if (this.exitInfo === undefined) killGroup(this.child.pid, signal);
  }

  /** Resolves with the exit info, or undefined if it is still running after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<ExitInfo | undefined> {
    if (this.exitInfo) return this.exitInfo;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves true once the log matches, false if the process exits first or time runs out. */
  async waitForLog(pattern: RegExp, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (pattern.test(this.log)) return true;
      if (this.exitInfo) return false;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          this.logListeners.delete(done);
          resolve();
        };
        const t = setTimeout(done, Math.min(left, 250));
        this.logListeners.add(done);
      });
    }
  }

  /**
   * Ends the process group: `signal` (SIGTERM) first, SIGKILL after `graceMs`.
   * Always resolves, with the exit info.
   */
  async stop(graceMs = 3000, signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    if (this.child.pid === undefined) return this.exited;
    this.killGroup(signal);
    const info = await this.waitForExit(graceMs);
    if (info) return info;
    this.killGroup('SIGKILL');
    const last = await this.waitForExit(5000);
    // A process that survives SIGKILL for 5 s is stuck in the kernel; report rather than hang.
    return last ?? { code: null, signal: 'SIGKILL', timedOut: this.timedOut };
  }

  private append(text: string): void {
    const maxHead = Math.floor(this.maxLogChars / 4);
    if (this.head.length < maxHead) {
      const room = maxHead - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
    }
    this.tail += text;
    const maxTail = this.maxLogChars - maxHead;
    if (this.tail.length > maxTail) {
      this.dropped += this.tail.length - maxTail;
      this.tail = this.tail.slice(this.tail.length - maxTail);
    }
    this.notify();
  }

  private notify(): void {
    for (const l of [...this.logListeners]) l();
  }
}

/** The process group of a process (from /proc), or undefined if it is gone. */
export function processGroupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(fields[2]);
    return Number.isInteger(pgrp) ? pgrp : undefined;
  } catch {
    return undefined;
  }
}

export interface RunResult {
  readonly exit: ExitInfo;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/**
 * Runs a short-lived command to completion (own process group, killed after
 * `timeoutMs`) and returns its stdout as bytes.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<RunResult> {
  return new Promise<RunResult>((resolve) => {
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(command, [...args], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, timeoutMs);
    const finish = (exit: ExitInfo): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ exit, stdout: Buffer.concat(out), stderr: err });
    };
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      err += d;
    });
    child.once('error', (e) => finish({ code: null, signal: null, timedOut: false, spawnError: e }));
    child.once('close', (code, signal) => finish({ code, signal, timedOut }));
  });
}

/** The full path of an executable found on PATH, or undefined. */
export function findExecutable(name: string, pathVar: string | undefined = process.env['PATH']): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  for (const dir of (pathVar ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    if (dir === '') continue;
    const full = join(dir, name);
    if (isExecutable(full)) return full;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A private temporary directory (mode 0700). Remove it with `removeTempDir`. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `vncd-${prefix}-`));
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * The environment for a client: the test's PATH, everything else private to
 * `home` (HOME, XDG dirs), the C locale so messages are English, and no
 * inherited display, session bus or VNC credentials.
 */
export function clientEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'TMPDIR', 'USER', 'LOGNAME', 'SHELL', 'TERM']) {
    const v = process.env[key];
    if (v !== undefined) env[key] = v;
  }
  const run = join(home, '.run');
  mkdirSync(run, { recursive: true, mode: 0o700 });
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_RUNTIME_DIR: run,
    LANG: 'C',
    LC_ALL: 'C',
    NO_AT_BRIDGE: '1',
    GSETTINGS_BACKEND: 'memory',
  });
  return { ...env, ...extra };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
