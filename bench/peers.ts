/**
 * `npm run bench:peers`: vncd next to the libvncserver peer of the shared bench
 * harness (`../shared/tools/bench`), both serving the same workload frames over
 * loopback, measured by the same client (`rfbbench.js`, which decodes every
 * rectangle). Prints vncd / peer ratios of updates per second, bytes per
 * update and server CPU. A developer tool: it needs the harness and a built
 * peer (`make -C tools/bench/peer vncpeer`), and exits 2 when they are missing.
 *
 *   node dist/bench/peers.js [--tools DIR] [--peer PATH] [--workloads scroll,video,desktop,scroll-cr]
 *                            [--configs raw,hextile,zlib,zrle,tight,tight-jpeg] [--duration 4] [--warmup 1]
 *                            [--repeats 1] [--port 5980] [--json FILE] [--vncd-opts lossy=on,…]
 *
 * `--vncd-opts` is appended to vncd's `--vnc 127.0.0.1:N` (e.g. to allow JPEG once the
 * command line accepts it; without it vncd answers tight-jpeg losslessly, noted in the table).
 *
 * One server runs at a time (each animates 60 ticks/s and would steal CPU from
 * the other); the order alternates between repeats. The client shares the
 * machine's cores with the server: read CPU with every figure, and measure on a quiet machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { formatTable, parseFlags } from './common';

const REPO = resolve(__dirname, '..', '..');
/** rfbbench options per configuration, as the harness's matrix.js names them. */
const CONFIGS: Readonly<Record<string, readonly string[]>> = {
  raw: ['--enc', 'raw'],
  hextile: ['--enc', 'hextile'],
  zlib: ['--enc', 'zlib'],
  zrle: ['--enc', 'zrle'],
  tight: ['--enc', 'tight'],
  'tight-jpeg': ['--enc', 'tight', '--quality', '6', '--compress', '2'],
};
const WORKLOADS = ['scroll', 'video', 'desktop', 'scroll-cr'];
const SERVERS = ['peer', 'vncd'] as const;
type ServerName = (typeof SERVERS)[number];

/** The fields of rfbbench's JSON output used here. */
interface BenchResult {
  readonly updates_per_s?: number;
  readonly rfb_MBps?: number;
  readonly server_cpu_pct?: number | null;
  readonly client_cpu_pct?: number;
  readonly compression_ratio?: number | null;
  readonly frames_equiv_per_s?: number;
  readonly decode_errors?: number;
  readonly by_encoding?: Readonly<Record<string, { readonly rects: number }>>;
  readonly jpeg?: { readonly rects?: number };
  readonly error?: string;
}

interface Measured extends BenchResult {
  readonly server: ServerName;
  readonly workload: string;
  readonly config: string;
  readonly repeat: number;
}

class MissingTool extends Error {}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const start = Date.now();
  return new Promise((done, fail) => {
    const attempt = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) {
        fail(new Error(`the server exited (${child.exitCode ?? child.signalCode}) before listening on ${port}`));
        return;
      }
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        done();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() - start > timeoutMs) fail(new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(force);
}

interface Running {
  readonly child: ChildProcess;
  /** The end of its stderr (both servers print their tick rate and drawing CPU there on exit). */
  stderr(): string;
}

/** Starts one server for a workload on `port`; the caller stops it. */
async function startServer(server: ServerName, workload: string, port: number, peerPath: string, vncdOpts: string): Promise<Running> {
  const copy = workload === 'scroll-cr';
  const name = copy ? 'scroll' : workload;
  const child =
    server === 'peer'
      ? spawn(peerPath, ['--port', String(port), '--workload', name, ...(copy ? ['--copyrect'] : [])], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(process.execPath, [join(REPO, 'dist', 'bin', 'main.js'), '--vnc', `127.0.0.1:${port - 5900}${vncdOpts ? `,${vncdOpts}` : ''}`, '--source', `bench:${name}${copy ? ',copyrect' : ''}`], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-2000);
  });
  try {
    await waitForPort(port, child, 20000);
  } catch (error) {
    await stop(child);
    throw new Error(`${server} (${workload}): ${error instanceof Error ? error.message : String(error)}\n${errors}`);
  }
  await sleep(500);
  return { child, stderr: () => errors };
}

function runRfbbench(rfbbench: string, args: readonly string[], timeoutMs: number): Promise<BenchResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [rfbbench, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      try {
        done(JSON.parse(out) as BenchResult);
      } catch {
        done({ error: `rfbbench failed: ${(err || out).slice(-300)}` });
      }
    });
  });
}

function median(values: readonly (number | null | undefined)[]): number | undefined {
  const sorted = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const fmt = (v: number | undefined, digits = 1): string => (v === undefined ? '-' : v.toFixed(digits));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || b === 0 ? '-' : (a / b).toFixed(2));

function bytesPerUpdate(r: BenchResult): number | undefined {
  return r.rfb_MBps !== undefined && r.updates_per_s ? (r.rfb_MBps * 1e6) / r.updates_per_s : undefined;
}

/** What the table's notes column says about a server's runs: errors, encodings actually sent, JPEG. */
function notes(server: ServerName, runs: readonly Measured[], config: string): string {
  const out: string[] = [];
  const failed = runs.filter((r) => r.error !== undefined);
  if (failed.length > 0) out.push(`${server}: ${failed.length} failed (${(failed[0]?.error ?? '').slice(0, 60)})`);
  const decodeErrors = runs.reduce((sum, r) => sum + (r.decode_errors ?? 0), 0);
  if (decodeErrors > 0) out.push(`${server}: ${decodeErrors} decode errors`);
  const encodings = new Set(runs.flatMap((r) => Object.keys(r.by_encoding ?? {})).filter((e) => !/^-?\d+$/.test(e) && !['cursor', 'desktopname', 'desktopsize', 'extdesktopsize', 'lastrect'].includes(e)));
  const expected = config.replace('-jpeg', '');
  const unexpected = [...encodings].filter((e) => e !== expected && e !== 'copyrect');
  if (unexpected.length > 0) out.push(`${server} sent ${[...encodings].join('+')}`);
  if (config === 'tight-jpeg' && runs.every((r) => !r.jpeg?.rects)) out.push(`${server}: no JPEG`);
  return out.join('; ');
}

function summarize(results: readonly Measured[], workloads: readonly string[], configs: readonly string[]): string {
  const header = ['workload', 'encoding', 'upd/s vncd', 'upd/s peer', 'upd/s ×', 'KB/upd vncd', 'KB/upd peer', 'bytes ×', 'CPU% vncd', 'CPU% peer', 'CPU ×', 'ratio vncd', 'ratio peer', 'notes'];
  const rows: string[][] = [];
  for (const workload of workloads) {
    for (const config of configs) {
      const of = (server: ServerName): Measured[] => results.filter((r) => r.server === server && r.workload === workload && r.config === config);
      const v = of('vncd');
      const p = of('peer');
      const ok = (runs: Measured[]): Measured[] => runs.filter((r) => r.error === undefined);
      const [vu, pu] = [median(ok(v).map((r) => r.updates_per_s)), median(ok(p).map((r) => r.updates_per_s))];
      const [vb, pb] = [median(ok(v).map(bytesPerUpdate)), median(ok(p).map(bytesPerUpdate))];
      const [vc, pc] = [median(ok(v).map((r) => r.server_cpu_pct)), median(ok(p).map((r) => r.server_cpu_pct))];
      const [vr, pr] = [median(ok(v).map((r) => r.compression_ratio)), median(ok(p).map((r) => r.compression_ratio))];
      const kb = (b: number | undefined): number | undefined => (b === undefined ? undefined : b / 1024);
      rows.push([workload, config, fmt(vu), fmt(pu), ratio(vu, pu), fmt(kb(vb)), fmt(kb(pb)), ratio(vb, pb), fmt(vc, 0), fmt(pc, 0), ratio(vc, pc), fmt(vr), fmt(pr),
        [notes('vncd', v, config), notes('peer', p, config)].filter(Boolean).join('; ')]);
    }
  }
  return formatTable(header, rows);
}

async function main(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, ['tools', 'peer', 'workloads', 'configs', 'duration', 'warmup', 'repeats', 'port', 'json', 'vncd-opts'], ['help']);
  if (flags.has('help')) {
    process.stdout.write('usage: node dist/bench/peers.js [--tools DIR] [--peer PATH] [--workloads scroll,video,desktop,scroll-cr]\n' +
      '         [--configs raw,hextile,zlib,zrle,tight,tight-jpeg] [--duration 4] [--warmup 1] [--repeats 1] [--port 5980] [--json FILE] [--vncd-opts K=V,...]\n');
    return 0;
  }
  const tools = resolve(flags.get('tools') ?? process.env.VNCD_BENCH_TOOLS ?? join(REPO, '..', 'shared', 'tools', 'bench'));
  const rfbbench = join(tools, 'rfbbench.js');
  if (!existsSync(rfbbench)) throw new MissingTool(`the shared bench tools are not at ${tools} (no rfbbench.js): pass --tools DIR or set VNCD_BENCH_TOOLS`);
  const peerPath = resolve(flags.get('peer') ?? process.env.VNCPEER ?? join(tools, 'peer', 'vncpeer'));
  if (!existsSync(peerPath)) {
    throw new MissingTool(`the libvncserver peer is not built at ${peerPath}: install libvncserver-dev and run make -C ${join(tools, 'peer')} vncpeer ` +
      '(or build a copy elsewhere and pass --peer PATH or set VNCPEER)');
  }
  if (!existsSync(join(REPO, 'dist', 'bin', 'main.js'))) throw new MissingTool('vncd is not built: run npm run build first');
  const workloads = (flags.get('workloads') ?? 'scroll,video,desktop').split(',');
  const configs = (flags.get('configs') ?? 'raw,hextile,zlib,zrle,tight,tight-jpeg').split(',');
  for (const w of workloads) if (!WORKLOADS.includes(w)) throw new Error(`unknown workload '${w}' (have ${WORKLOADS.join(', ')})`);
  for (const c of configs) if (!(c in CONFIGS)) throw new Error(`unknown config '${c}' (have ${Object.keys(CONFIGS).join(', ')})`);
  const duration = Number(flags.get('duration') ?? 4);
  const warmup = Number(flags.get('warmup') ?? 1);
  const repeats = Number(flags.get('repeats') ?? 1);
  let port = Number(flags.get('port') ?? 5980);
  if (!(duration > 0 && warmup >= 0 && repeats >= 1 && port > 5900 && port < 65000)) throw new Error('--duration, --warmup, --repeats and --port need sensible values');
  const json = flags.get('json');

  const results: Measured[] = [];
  /** Per server run: workload, server, ticks/s, late ticks, CPU% spent drawing the workload. */
  const animation: string[][] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const order = repeat % 2 === 0 ? SERVERS : [...SERVERS].reverse();
    for (const workload of workloads) {
      for (const server of order) {
        let running: Running;
        try {
          running = await startServer(server, workload, port, peerPath, flags.get('vncd-opts') ?? '');
        } catch (error) {
          const message = `start failed: ${error instanceof Error ? error.message : String(error)}`;
          process.stderr.write(`[${server} ${workload}] ${message}\n`);
          for (const config of configs) results.push({ error: message, server, workload, config, repeat });
          port++;
          continue;
        }
        const { child } = running;
        try {
          for (const config of configs) {
            const enc = [...(CONFIGS[config] ?? [])];
            if (workload === 'scroll-cr') enc[1] = `copyrect,${enc[1] ?? 'raw'}`;
            const args = [String(port), ...enc, '--duration', String(duration), '--warmup', String(warmup), '--server-pid', String(child.pid), '--compact'];
            const r = await runRfbbench(rfbbench, args, (duration + warmup + 40) * 1000);
            const m: Measured = { ...r, server, workload, config, repeat };
            results.push(m);
            if (json !== undefined) appendFileSync(json, `${JSON.stringify(m)}\n`);
            process.stderr.write(`[${server} ${workload} ${config} #${repeat}] ${r.error ?? `upd/s=${fmt(r.updates_per_s)} KB/upd=${fmt(kb(bytesPerUpdate(r)))} srv=${fmt(r.server_cpu_pct ?? undefined, 0)}% cli=${fmt(r.client_cpu_pct, 0)}%`}\n`);
          }
        } finally {
          await stop(child);
          port++;
          const line = /(\d+) ticks in ([\d.]+)s \(([\d.]+)\/s\), (\d+) late, animate cpu ([\d.]+)%/.exec(running.stderr());
          animation.push([workload, server, line?.[3] ?? '-', line?.[4] ?? '-', line?.[5] ?? '-']);
        }
      }
    }
  }
  process.stdout.write(summarize(results, workloads, configs));
  process.stdout.write(`\n${formatTable(['workload', 'server', 'ticks/s', 'late ticks', 'animate CPU%'], animation)}`);
  process.stdout.write(`\nratios are vncd / peer (medians of ${repeats} run(s), ${duration} s each); the workloads tick 60 times/s: the peer sends at most one update per tick, vncd may send a copy and the new rows as two (scroll-cr above 60/s: compare upd/s × KB/upd there); CPU includes drawing the workload (table above); the client shares the cores.\n`);
  return 0;
}

function kb(bytes: number | undefined): number | undefined {
  return bytes === undefined ? undefined : bytes / 1024;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench:peers: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof MissingTool ? 2 : 1;
  },
);
