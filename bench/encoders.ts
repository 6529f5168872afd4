/**
 * `npm run bench`: every registered pixel encoder on the bench harness's
 * workloads (bin/workloads.ts), encoding what the server would send a client
 * that keeps up: each tick's damage goes through the server's path (pending
 * damage map → shadow compare → the client's dirty map → rectangles) and every
 * rectangle is encoded for a 32 bpp true-colour client (the format noVNC and
 * rfbbench ask for). One encoder per run, fresh and then kept for all its
 * frames (zlib streams persist, as in a session); the first, full frame primes
 * it and is not measured.
 *
 *   node dist/bench/encoders.js [--workloads scroll,video,desktop] [--encodings raw,zrle,tight-jpeg,…]
 *                               [--frames 20] [--seconds 1.5] [--size 1920x1080] [--json]
 *
 * Prints a markdown table on stdout (progress on stderr). Figures are from one
 * process on a possibly busy machine: compare rows of the same run.
 */
import { encoderFactories, type EncoderFactory, type EncodeSettings, type RectEncoder } from '../src/vnc/encoders';
import { DirtyMap } from '../src/vnc/framebuffer/dirty-map';
import { Shadow } from '../src/vnc/framebuffer/shadow';
import { createTranslator, type Translator } from '../src/vnc/framebuffer/translate';
import { BGRX32, Encoding, type PixelFormat, type Rect } from '../src/vnc';
import { isWorkloadName, Workload, WORKLOAD_NAMES, type WorkloadName } from '../bin/workloads';
import { formatTable, parseFlags } from './common';

/** rfbbench's and noVNC's format: 32 bpp, depth 24, little-endian, red at 16, green 8, blue 0. */
const CLIENT_FORMAT: PixelFormat = {
  bitsPerPixel: 32, depth: 24, bigEndian: false, trueColour: true,
  redMax: 255, greenMax: 255, blueMax: 255, redShift: 16, greenShift: 8, blueShift: 0,
};
/** noVNC's defaults when JPEG is on: quality level 6, compression level 2. */
const JPEG_SETTINGS: EncodeSettings = { qualityLevel: 6, compressLevel: 2, lossy: true };
const LOSSLESS: EncodeSettings = { lossy: false };
/** FramebufferUpdate header, and each rectangle's header. */
const UPDATE_HEADER = 4;
const RECT_HEADER = 12;

interface Config {
  readonly label: string;
  readonly factory: EncoderFactory;
  readonly settings: EncodeSettings;
}

interface RunResult {
  readonly encoding: string;
  readonly workload: WorkloadName;
  readonly frames: number;
  readonly rects: number;
  readonly pixels: number;
  readonly bytes: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  /** The server's path from damage to rectangles (not the encoder), per frame. */
  readonly damageMs: number;
  readonly error?: string;
}

/** Each registered encoder; the Tight family also with JPEG (lossy) on. */
function configs(): Config[] {
  const out: Config[] = [];
  for (const factory of encoderFactories.values()) {
    out.push({ label: factory.name, factory, settings: LOSSLESS });
    if (factory.encoding === Encoding.TIGHT || factory.encoding === Encoding.TIGHT_PNG) {
      out.push({ label: `${factory.name}-jpeg`, factory, settings: JPEG_SETTINGS });
    }
  }
  return out;
}

/** The server's path from a tick's damage to the rectangles one client is sent. */
class UpdateSource {
  readonly shadow: Shadow;
  private readonly pending: DirtyMap;
  private readonly client: DirtyMap;
  /** Time spent in the server's own path (damage maps, shadow compare and copy), over `ticks` ticks. */
  serverMs = 0;
  ticks = 0;

  constructor(readonly workload: Workload) {
    const { width, height, pixels } = workload;
    this.shadow = new Shadow(width, height, BGRX32);
    this.pending = new DirtyMap(width, height);
    this.pending.clear();
    this.client = new DirtyMap(width, height); // all dirty: a new client gets the whole screen first
    this.shadow.refresh(this.view(pixels), [{ x: 0, y: 0, w: width, h: height }]);
  }

  /** The rectangles of the first update (the whole screen). */
  first(): Rect[] {
    return this.client.take();
  }

  /** Advances the workload one tick and returns the rectangles of the update that follows. */
  next(): Rect[] {
    for (const r of this.workload.step().dirty) this.pending.mark(r.x, r.y, r.w, r.h);
    const t0 = performance.now();
    for (const r of this.shadow.refresh(this.view(this.workload.pixels), this.pending.take())) this.client.mark(r.x, r.y, r.w, r.h);
    const rects = this.client.take();
    this.serverMs += performance.now() - t0;
    this.ticks++;
    return rects;
  }

  private view(pixels: Uint32Array): { data: Uint8Array; width: number; height: number; stride: number; format: PixelFormat } {
    const { width, height } = this.workload;
    return { data: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength), width, height, stride: width * 4, format: BGRX32 };
  }
}

async function encodeAll(encoder: RectEncoder, source: UpdateSource, rects: readonly Rect[], translator: Translator, settings: EncodeSettings): Promise<number> {
  let bytes = UPDATE_HEADER;
  const input = { source: source.shadow.source, translator, settings };
  for (const rect of rects) {
    for (const encoded of await encoder.encode({ ...input, rect })) {
      bytes += RECT_HEADER;
      for (const part of encoded.body) bytes += part.length;
    }
  }
  return bytes;
}

async function run(config: Config, workload: Workload, maxFrames: number, budgetMs: number): Promise<RunResult> {
  workload.render(0);
  const source = new UpdateSource(workload);
  const translator = createTranslator(BGRX32, CLIENT_FORMAT);
  const encoder = config.factory.create();
  const result = { encoding: config.label, workload: workload.name, frames: 0, rects: 0, pixels: 0, bytes: 0, wallMs: 0, cpuMs: 0, damageMs: 0 };
  try {
    await encodeAll(encoder, source, source.first(), translator, config.settings);
    while (result.frames < maxFrames && (result.frames < 2 || result.wallMs < budgetMs)) {
      const rects = source.next();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const bytes = await encodeAll(encoder, source, rects, translator, config.settings);
      result.wallMs += performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      result.cpuMs += (cpu.user + cpu.system) / 1000;
      result.frames++;
      result.rects += rects.length;
      result.bytes += bytes;
      for (const r of rects) result.pixels += r.w * r.h;
    }
    return { ...result, damageMs: source.serverMs / Math.max(source.ticks, 1) };
  } catch (error) {
    return { ...result, error: error instanceof Error ? error.message : String(error) };
  } finally {
    encoder.dispose?.();
  }
}

function row(r: RunResult): string[] {
  if (r.error !== undefined) return [r.encoding, r.workload, String(r.frames), `error: ${r.error}`, '', '', '', '', '', ''];
  const f = Math.max(r.frames, 1);
  return [
    r.encoding,
    r.workload,
    String(r.frames),
    (r.rects / f).toFixed(1),
    (r.pixels / 1e6 / (r.wallMs / 1000)).toFixed(1),
    (r.wallMs / f).toFixed(2),
    (r.cpuMs / f).toFixed(2),
    (r.bytes / f / 1024).toFixed(1),
    (r.pixels / f / 1e6).toFixed(3),
    ((r.pixels * 4) / Math.max(r.bytes, 1)).toFixed(1),
  ];
}

const HEADER = ['encoding', 'workload', 'frames', 'rects/frame', 'Mpixel/s', 'ms/frame', 'cpu ms/frame', 'KiB/frame', 'Mpixel/frame', 'ratio vs raw'];

async function main(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, ['workloads', 'encodings', 'frames', 'seconds', 'size'], ['json', 'help']);
  if (flags.has('help')) {
    process.stdout.write('usage: node dist/bench/encoders.js [--workloads scroll,video,desktop] [--encodings raw,zrle,tight-jpeg,...]\n' +
      '                                   [--frames 20] [--seconds 1.5] [--size 1920x1080] [--json]\n');
    return 0;
  }
  const workloads = (flags.get('workloads') ?? WORKLOAD_NAMES.join(',')).split(',');
  const bad = workloads.find((w) => !isWorkloadName(w));
  if (bad !== undefined) throw new Error(`unknown workload '${bad}' (have ${WORKLOAD_NAMES.join(', ')})`);
  const all = configs();
  const wanted = flags.get('encodings')?.split(',');
  const chosen = wanted === undefined ? all : all.filter((c) => wanted.includes(c.label));
  if (wanted !== undefined && chosen.length !== wanted.length) {
    throw new Error(`unknown encoding in '${wanted.join(',')}' (registered: ${all.map((c) => c.label).join(', ')})`);
  }
  const frames = Number(flags.get('frames') ?? 20);
  const budgetMs = Number(flags.get('seconds') ?? 1.5) * 1000;
  const size = /^(\d+)x(\d+)$/.exec(flags.get('size') ?? '1920x1080');
  if (!size || !(frames >= 1) || !(budgetMs > 0)) throw new Error('--frames, --seconds and --size WxH need sensible values');

  const results: RunResult[] = [];
  const started = performance.now();
  for (const name of workloads.filter(isWorkloadName)) {
    const workload = new Workload(name, { width: Number(size[1]), height: Number(size[2]) });
    for (const config of chosen) {
      process.stderr.write(`${name} ${config.label} … `);
      const r = await run(config, workload, frames, budgetMs);
      results.push(r);
      process.stderr.write(r.error ?? `${r.frames} frames, ${(r.wallMs / Math.max(r.frames, 1)).toFixed(1)} ms/frame\n`);
      if (r.error !== undefined) process.stderr.write('\n');
    }
  }
  process.stderr.write(`done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  if (flags.has('json')) for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    process.stdout.write(formatTable(HEADER, results.map(row)));
    // Every server pays this per tick before any encoder runs (median over the runs of a workload).
    const damage = workloads.map((w) => {
      const ms = results.filter((r) => r.workload === w && r.error === undefined).map((r) => r.damageMs).sort((a, b) => a - b);
      return [w, ms.length === 0 ? '-' : (ms[ms.length >> 1] ?? 0).toFixed(2)];
    });
    process.stdout.write(`\n${formatTable(['workload', 'damage → rects ms/frame (shadow compare, dirty maps)'], damage)}`);
  }
  return results.some((r) => r.error !== undefined) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
