import { errorMessage } from '../src/errors';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { PNG } from 'pngjs';
import { Display } from '../src/vnc';
import { OptionError, OptsReader, parseQemuOpts } from './qemu-opts';
import { isWorkloadName, Workload, WORKLOAD_NAMES, WORKLOAD_TICKS_PER_SECOND, type WorkloadOptions } from './workloads';

/** Something that fills a Display and keeps it alive; `stop` ends its timers. */
export interface RunningSource {
  readonly display: Display;
  stop(): void;
}

/**
 * `--source` values: `pattern[:WxH]` (built in, no dependencies), `image:FILE.png`
 * (a still picture, exact pixels), `demo` (the interactive demo desktop, which
 * needs the optional `canvas` package) and `bench:NAME[:WxH][,…]` (an animated
 * benchmark workload, the same frames as the bench harness's libvncserver peer).
 */
export async function openSource(spec: string, name: string | undefined): Promise<RunningSource> {
  if (spec === 'demo') {
    const demo = await import('../demo/desktop.js').catch((error: unknown) => {
      throw new OptionError(
        `--source demo needs the optional 'canvas' package (npm install canvas): ${errorMessage(error)}`,
      );
    });
    return demo.startDemoDesktop(name === undefined ? {} : { name });
  }
  if (spec.startsWith('bench:')) return benchSource(spec.slice('bench:'.length), name ?? 'vncd');
  if (spec.startsWith('image:')) return still(imageDisplay(spec.slice('image:'.length), name ?? 'vncd'));
  const pattern = /^pattern(?::(\d+)x(\d+))?$/.exec(spec);
  if (pattern) return still(patternDisplay(Number(pattern[1] ?? 1024), Number(pattern[2] ?? 768), name ?? 'vncd'));
  throw new OptionError(`--source must be pattern[:WxH], image:FILE.png, demo or bench:NAME[:WxH], not '${spec}'`);
}

function still(display: Display): RunningSource {
  return { display, stop: () => undefined };
}

/** A PNG's pixels, exactly, as 32 bpp BGRX. */
function imageDisplay(file: string, name: string): Display {
  let png: PNG;
  try {
    png = PNG.sync.read(readFileSync(file));
  } catch (error) {
    throw new OptionError(`--source image:${file}: ${errorMessage(error)}`);
  }
  const display = new Display({ width: png.width, height: png.height, name });
  const out = display.buffer;
  for (let i = 0; i < png.width * png.height; i++) {
    out.writeUInt32LE(
      (png.data.readUInt8(i * 4) << 16) | (png.data.readUInt8(i * 4 + 1) << 8) | png.data.readUInt8(i * 4 + 2),
      i * 4,
    );
  }
  return display;
}

/** Colour bars over a grey ramp and a grid: every channel at several levels, sharp edges, smooth gradients. */
function patternDisplay(width: number, height: number, name: string): Display {
  const display = new Display({ width, height, name });
  const bars = [0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000];
  const out = display.buffer;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let rgb: number;
      if (x % 64 === 0 || y % 64 === 0) rgb = 0x808080;
      else if (y < height / 2) rgb = bars[Math.floor((x * bars.length) / width)] ?? 0;
      else {
        const level = Math.round((x * 255) / Math.max(width - 1, 1));
        rgb = (level << 16) | (level << 8) | level;
      }
      out.writeUInt32LE(rgb, (y * width + x) * 4);
    }
  }
  return display;
}

export const BENCH_SOURCE_HELP =
  'bench:scroll|video|desktop[:WxH][,fps=N][,speed=N][,video=WxH][,copyrect][,stop-after=TICKS]';

/**
 * `bench:NAME[:WxH][,fps=60][,speed=4][,video=WxH][,copyrect][,stop-after=N]`: the
 * harness's workloads (see workloads.ts), animated like `vncpeer` does: one step
 * per tick on absolute deadlines, never catching up after a late tick, damaging
 * exactly what the peer marks as modified. `copyrect` scrolls with Display.copy
 * and damages only the new rows (the peer's `--copyrect`); `stop-after` freezes
 * the frame at that tick, so viewers can check it against `vncpeer --dump-rgb`.
 */
function benchSource(text: string, name: string): RunningSource {
  const option = '--source bench';
  const opts = new OptsReader(parseQemuOpts(text, 'workload', option), option);
  const head = /^([a-z]+)(?::(\d+)x(\d+))?$/.exec(opts.string('workload') ?? '');
  const workloadName = head?.[1] ?? '';
  if (!head || !isWorkloadName(workloadName)) {
    throw new OptionError(`--source ${BENCH_SOURCE_HELP}: the workload is one of ${WORKLOAD_NAMES.join(', ')}, not '${text}'`);
  }
  const fps = opts.integer('fps', 1, 1000) ?? WORKLOAD_TICKS_PER_SECOND;
  const speed = opts.integer('speed', 1, 1000);
  const video = opts.string('video');
  const videoSize = video === undefined ? undefined : /^(\d+)x(\d+)$/.exec(video);
  if (videoSize === null) throw new OptionError(`${option}: 'video' must be WxH, not '${video ?? ''}'`);
  const copyrect = opts.bool('copyrect') ?? false;
  const stopAfter = opts.integer('stop-after', 0, Number.MAX_SAFE_INTEGER);
  opts.finish();
  if (endianness() !== 'LE') throw new OptionError(`${option}: the workloads draw BGRX32 through a Uint32Array, which needs a little-endian host`);

  const width = Number(head[2] ?? 1920);
  const height = Number(head[3] ?? 1080);
  let display: Display;
  let workload: Workload;
  try {
    display = new Display({ width, height, name });
    const pixels = new Uint32Array(display.buffer.buffer, display.buffer.byteOffset, width * height);
    const options: WorkloadOptions = {
      width,
      height,
      pixels,
      ...(speed !== undefined && { speed }),
      ...(videoSize && { videoWidth: Number(videoSize[1]), videoHeight: Number(videoSize[2]) }),
    };
    workload = new Workload(workloadName, options);
  } catch (error) {
    throw new OptionError(`${option}: ${errorMessage(error)}`);
  }

  const scroll = copyrect ? (dy: number): void => display.copy(0, dy, 0, 0, width, height - dy) : undefined;
  const period = 1000 / fps;
  const started = performance.now();
  /** When the next tick is due. */
  let deadline = started + period;
  let timer: NodeJS.Timeout | undefined;
  // The peer reports the same figures on exit: its CPU figures include drawing, and so do ours.
  const stats = { ticks: 0, late: 0, busyMs: 0 };
  const tick = (): void => {
    deadline += period;
    if (stopAfter !== undefined && workload.tick >= stopAfter) {
      timer = undefined; // frozen for good: nothing will change any more
      return;
    }
    const begin = performance.now();
    const { dirty, scrolledBy } = workload.step(scroll);
    if (scroll !== undefined && scrolledBy > 0) display.damage(0, height - scrolledBy, width, scrolledBy);
    else for (const r of dirty) display.damage(r.x, r.y, r.w, r.h);
    const now = performance.now();
    stats.ticks++;
    stats.busyMs += now - begin;
    if (now > deadline) {
      stats.late++;
      deadline = now; // late: like the peer, do not try to catch up
    }
    timer = setTimeout(tick, deadline - now).unref();
  };
  // Unref'd: the animation alone must not keep a process alive (e.g. when listening failed).
  timer = setTimeout(tick, period).unref();
  return {
    display,
    stop: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const seconds = Math.max((performance.now() - started) / 1000, 1e-3);
      process.stderr.write(
        `vncd bench:${workloadName}: ${stats.ticks} ticks in ${seconds.toFixed(1)}s (${(stats.ticks / seconds).toFixed(1)}/s), ` +
          `${stats.late} late, animate cpu ${((stats.busyMs / 10) / seconds).toFixed(1)}%, last tick ${workload.tick}\n`,
      );
    },
  };
}
