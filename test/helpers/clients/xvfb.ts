/**
 * A private Xvfb X server for GUI clients (Debian package xvfb). The server picks
 * a free display number itself (-displayfd), so parallel test workers never race
 * for one. There is no window manager: a toplevel window shows exactly what the
 * application draws, without decorations.
 *
 * ```ts
 * const xvfb = await Xvfb.start({ width: 1280, height: 1024 });
 * try {
 *   // run something with env DISPLAY=xvfb.display
 * } finally {
 *   await xvfb.stop();
 * }
 * ```
 */
import { ManagedProcess, findExecutable } from './process';
import { VncClientError } from './types';

export interface XvfbOptions {
  /** Screen size; must be larger than the framebuffers shown, or viewers scale/scroll. Default 1280x1024. */
  readonly width?: number;
  readonly height?: number;
  /** Default 24 (8 bits a channel, so every RGB888 colour shows exactly). */
  readonly depth?: number;
  /** Give up starting after this long. Default 10 s. */
  readonly startTimeoutMs?: number;
  /** Hard lifetime: the server is killed after this long whatever happens. Default 10 min. */
  readonly lifetimeMs?: number;
}

export class Xvfb {
  private constructor(
    private readonly proc: ManagedProcess,
    /** The display number N (DISPLAY=:N). */
    readonly displayNumber: number,
    readonly width: number,
    readonly height: number,
    readonly depth: number,
  ) {}

  /** The DISPLAY value, ":N". */
  get display(): string {
    return `:${this.displayNumber}`;
  }

  get log(): string {
    return this.proc.log;
  }

  get running(): boolean {
    return this.proc.running;
  }

  static async start(options: XvfbOptions = {}): Promise<Xvfb> {
    const width = options.width ?? 1280;
    const height = options.height ?? 1024;
    const depth = options.depth ?? 24;
    const command = findExecutable('Xvfb');
    if (!command) {
      throw new VncClientError('tigervnc', 'missing-tool', 'Xvfb not found: install the Debian package xvfb', '', '');
    }
    const proc = ManagedProcess.start({
      name: 'Xvfb',
      command,
      args: ['-displayfd', '3', '-screen', '0', `${width}x${height}x${depth}`, '-nolisten', 'tcp', '-noreset'],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' },
      lifetimeMs: options.lifetimeMs ?? 600_000,
      extraPipes: 1,
    });
    const startTimeoutMs = options.startTimeoutMs ?? 10_000;
    const displayNumber = await new Promise<number | undefined>((resolve) => {
      let text = '';
      const pipe = proc.extraPipe(3);
      pipe.setEncoding('utf8');
      const timer = setTimeout(() => resolve(undefined), startTimeoutMs);
      pipe.on('data', (d: string) => {
        text += d;
        const m = /^(\d+)\n/.exec(text);
        if (m?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      void proc.exited.then(() => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    if (displayNumber === undefined) {
      const exit = proc.exit;
      await proc.stop(1000);
      const why = exit
        ? exit.spawnError
          ? exit.spawnError.message
          : `exited (code ${exit.code}, signal ${exit.signal})`
        : `no display number after ${startTimeoutMs} ms`;
      throw new VncClientError('tigervnc', 'exited', `Xvfb did not start: ${why}`, proc.log, proc.log.trim().split('\n').slice(-10).join('\n'));
    }
    return new Xvfb(proc, displayNumber, width, height, depth);
  }

  /** Stops the server (SIGTERM, then SIGKILL); it removes its own socket and lock file. */
  async stop(): Promise<void> {
    await this.proc.stop(3000);
  }
}
