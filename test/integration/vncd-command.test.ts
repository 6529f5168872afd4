import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { makePki } from '../helpers/cert-factory';
import { QmpClient } from '../helpers/qmp-client';
import {
  TigerVncViewer,
  captureWithGvnccapture,
  compareImages,
  cropImage,
  identical,
  requireClients,
  type ClientCapture,
  type RgbaImage,
} from '../helpers/clients';

// The built `vncd` command (npm test builds before jest runs), driven by real viewers.
jest.setTimeout(60_000);

const MAIN = resolve(__dirname, '..', '..', 'dist', 'bin', 'main.js');

interface RunningVncd {
  readonly port: number;
  readonly process: ChildProcess;
  stderr(): string;
  stop(): Promise<number | null>;
}

/** Starts vncd on the first free display from 100 up and returns the port it printed. */
function startVncd(args: readonly string[]): Promise<RunningVncd> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`vncd did not start:\n${stderr}`)), 10_000);
    child.once('exit', () => reject(new Error(`vncd exited:\n${stderr}`)));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = / on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (!match) return;
      clearTimeout(timer);
      resolveStart({
        port: Number(match[1]),
        process: child,
        stderr: () => stderr,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}

function pixel(image: RgbaImage, x: number, y: number): string {
  const i = (y * image.width + x) * 4;
  return Buffer.from(image.rgba.subarray(i, i + 3)).toString('hex');
}

describe('vncd check-certs', () => {
  const run = (args: string[]): { status: number | null; stdout: string } => {
    const result = spawnSync(process.execPath, [MAIN, 'check-certs', ...args], { encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout };
  };

  it('passes a good PKI and names every problem of a broken one, with a failing exit status', () => {
    const good = makePki();
    const expired = makePki({ server: { validity: 'expired' } });
    try {
      expect(run(['--dir', good.dir, '--endpoint', 'server'])).toEqual({
        status: 0,
        stdout: `${good.dir}: the server certificates pass every check\n`,
      });
      const broken = run(['--dir', expired.dir]);
      expect(broken.status).toBe(1);
      expect(broken.stdout).toContain('server-cert.pem');
      expect(broken.stdout).toMatch(/expired/);
    } finally {
      good.cleanup();
      expired.cleanup();
    }
  });
});

describe('the vncd command', () => {
  let dir: string;
  let vncd: RunningVncd | undefined;

  beforeAll(() => {
    requireClients();
    dir = mkdtempSync(join(tmpdir(), 'vncd-cli-'));
  });
  afterEach(async () => {
    await vncd?.stop();
    vncd = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves a PNG exactly, with the password from a secret file, and exits 0 on SIGTERM', async () => {
    const png = new PNG({ width: 96, height: 64 });
    let noise = 99;
    for (let i = 0; i < 96 * 64; i++) {
      noise = (noise * 1103515245 + 12345) >>> 0;
      png.data.writeUInt32BE((((noise >>> 8) << 8) | 0xff) >>> 0, i * 4);
    }
    writeFileSync(join(dir, 'image.png'), PNG.sync.write(png));
    writeFileSync(join(dir, 'password'), 'sesame');
    vncd = await startVncd([
      '--object', `secret,id=pw,file=${join(dir, 'password')}`,
      '--vnc', '127.0.0.1:100,to=199,password-secret=pw',
      '--source', `image:${join(dir, 'image.png')}`,
    ]);
    const capture = await captureWithGvnccapture({ host: '127.0.0.1', port: vncd.port, password: 'sesame' });
    expect(compareImages({ width: 96, height: 64, rgba: png.data }, capture).summary).toBe(identical(capture));
    expect(vncd.stderr()).toMatch(/client 1 from 127\.0\.0\.1:\d+: vnc auth ok \(RFB 3\.8\), exclusive/);
    const code = await vncd.stop();
    vncd = undefined;
    expect(code).toBe(0);
  });

  it('answers on its monitor and reports gvnccapture connecting and leaving, in order; SIGTERM ends it with SHUTDOWN', async () => {
    const socket = join(dir, 'monitor.sock');
    vncd = await startVncd(['--vnc', '127.0.0.1:100,to=199,id=main', '--monitor', `unix:${socket}`]);
    const running = vncd;
    for (let i = 0; i < 100 && !/monitor on unix:/.test(running.stderr()); i++) await new Promise((wait) => setTimeout(wait, 50));
    const qmp = await QmpClient.ready({ path: socket });
    try {
      expect(await qmp.execute('query-vnc-servers')).toMatchObject({ return: [expect.objectContaining({ id: 'main' })] });
      await captureWithGvnccapture({ host: '127.0.0.1', port: vncd.port });
      const events = [await qmp.nextEvent(5000), await qmp.nextEvent(5000), await qmp.nextEvent(5000)];
      expect(events.map((e) => e['event'])).toEqual(['VNC_CONNECTED', 'VNC_INITIALIZED', 'VNC_DISCONNECTED']);
      expect(events[1]).toMatchObject({ data: { client: { host: '127.0.0.1', family: 'ipv4' } } });
      const stopped = vncd.stop();
      expect((await qmp.nextEvent(5000))['event']).toBe('SHUTDOWN');
      expect(await stopped).toBe(0);
      vncd = undefined;
    } finally {
      qmp.close();
    }
  });

  it('lets two viewers watch the animated demo at once', async () => {
    // As `npm run demo` does: share=ignore, since gvnccapture (like TigerVNC by default) asks for exclusive access.
    vncd = await startVncd(['--vnc', '127.0.0.1:100,to=199,share=ignore', '--source', 'demo']);
    const viewer = await TigerVncViewer.start({ host: '127.0.0.1', port: vncd.port, security: 'None', shared: true });
    try {
      await viewer.waitForWindow(15_000);
      // gvnccapture connects while TigerVNC is watching; both must see the demo's colour bars.
      const captures: ClientCapture[] = [await captureWithGvnccapture({ host: '127.0.0.1', port: vncd.port })];
      await new Promise((wait) => setTimeout(wait, 500));
      captures.push(await viewer.screenshot());
      const bars = ['ffffff', 'ffff00', '00ffff', '00ff00', 'ff00ff', 'ff0000', '0000ff', '000000'];
      for (const capture of captures) {
        expect([capture.width, capture.height]).toEqual([1024, 768]);
        // Bar i of the Colours window (x 48..492, y 376..504) at its centre.
        expect(bars.map((_, i) => pixel(capture, 48 + Math.floor(((i + 0.5) * 444) / 8), 440))).toEqual(bars);
      }
      // The static Colours window is the same in both viewers (TigerVNC overlays a hint near
      // the top of its window for a few seconds, so the upper windows are not compared).
      const [a, b] = captures as [ClientCapture, ClientCapture];
      expect(compareImages(cropImage(a, 40, 340, 460, 300), cropImage(b, 40, 340, 460, 300)).summary).toBe(identical({ width: 460, height: 300 }));
      expect(vncd.stderr().match(/auth ok/g)).toHaveLength(2);
    } finally {
      await viewer.close();
    }
  });
});
