import { createHash } from 'node:crypto';
import { openSource } from '../../../bin/sources';
import { OptionError } from '../../../bin/qemu-opts';
import { Workload, type WorkloadName, type WorkloadRect } from '../../../bin/workloads';
import type { Rect } from '../../../src/vnc';

// Expected values come from the bench harness's peer (`vncpeer --workload W --tick T
// [--size WxH] --dump-rgb - | md5sum`, libvncserver 0.9.14 build of tools/bench/peer):
// the port must keep rendering the very same frames, or side-by-side benchmarks
// and `rfbbench --expect-md5` checks stop meaning anything.

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

function rgbAt(w: Workload, x: number, y: number): number {
  return w.pixels[y * w.width + x] ?? -1;
}

describe('benchmark workloads (port of tools/bench/peer/workload.h)', () => {
  // One instance per workload at full size: construction draws the static desktop.
  const full = new Map<WorkloadName, Workload>();
  const at1080 = (name: WorkloadName): Workload => {
    let w = full.get(name);
    if (w === undefined) {
      w = new Workload(name);
      full.set(name, w);
    }
    return w;
  };

  it.each([
    ['scroll', 0, 'cd889321582de0665ad1b823200e2166'],
    ['scroll', 120, 'f0de6315e75acf3d9f003c1ef24deb8c'],
    ['video', 0, 'aede342628d4304ad88d815448323b20'],
    ['video', 120, '3cbd4ed78ac240dfc35c6122129421d4'],
    ['desktop', 0, 'e7640d0cbaef38886ea85276408c91be'],
    ['desktop', 120, 'bfffc52bf7a03d8e64d89f90e9cd210e'],
  ] as const)('%s at tick %d is the peer frame (1920x1080)', (name, tick, expected) => {
    const w = at1080(name);
    w.render(tick);
    expect(w.width).toBe(1920);
    expect(w.height).toBe(1080);
    expect(md5(w.toRgb())).toBe(expected);
  });

  it('has the peer pixels at known places', () => {
    const desktop = at1080('desktop');
    desktop.render(0);
    expect(rgbAt(desktop, 0, 0)).toBe(0x505050); // the moving window's border, at (0,0) on tick 0
    expect(rgbAt(desktop, 1919, 0)).toBe(0x1e3c6e); // wallpaper top: 30, 60, 110
    expect(rgbAt(desktop, 1919, 1079)).toBe(0x202020); // taskbar
    expect(rgbAt(desktop, 520, 230)).toBe(0x000000); // the text cursor, off…
    desktop.render(30);
    expect(rgbAt(desktop, 520, 230)).toBe(0xffffff); // …and on
    const video = at1080('video');
    video.render(1);
    expect([rgbAt(video, 480, 270), rgbAt(video, 481, 270), rgbAt(video, 1439, 809)]).toEqual([0x3294af, 0x91c175, 0xa881c7]);
    const scroll = at1080('scroll');
    scroll.render(0);
    expect([rgbAt(scroll, 0, 0), rgbAt(scroll, 19, 21), rgbAt(scroll, 20, 21)]).toEqual([0x1e1e1e, 0x6a9955, 0x1e1e1e]);
  });

  it.each([
    ['scroll', '138909111f703adf7da435f914e20190'],
    ['video', 'c85358db8ada22642f3dba164348d327'],
    ['desktop', '471cc90e22e6f34a73b4cd05fb77deaf'],
  ] as const)('%s: 61 steps give the peer frame of tick 61 (320x240), changing only what they mark dirty', (name, expected) => {
    const w = new Workload(name, { width: 320, height: 240 });
    let before = w.pixels.slice();
    let marked = 0;
    for (let t = 1; t <= 61; t++) {
      const { dirty } = w.step();
      marked += dirty.length;
      expect(w.tick).toBe(t);
      expectChangesInside(before, w.pixels, w.width, dirty);
      before = w.pixels.slice();
    }
    expect(md5(w.toRgb())).toBe(expected);
    expect(marked).toBeGreaterThanOrEqual(61);
  });

  it('honours the peer options --speed and --video', () => {
    const scroll = new Workload('scroll', { width: 640, height: 480, speed: 3 });
    scroll.render(5);
    expect(md5(scroll.toRgb())).toBe('51e00447e986dd6de914976d16091e25');
    const video = new Workload('video', { width: 640, height: 480, videoWidth: 100, videoHeight: 50 });
    for (let t = 0; t < 5; t++) expect(video.step().dirty).toEqual([{ x: 270, y: 215, w: 100, h: 50 }]);
    expect(md5(video.toRgb())).toBe('f2bc85df12d82520a9af350ad36e2f13');
  });

  it('lets a scroll step move the rows through a callback (Display.copy)', () => {
    const w = new Workload('scroll', { width: 320, height: 240 });
    const reference = new Workload('scroll', { width: 320, height: 240 });
    const moves: number[] = [];
    const result = w.step((dy) => {
      moves.push(dy);
      w.pixels.copyWithin(0, dy * w.width);
    });
    reference.step();
    expect(moves).toEqual([4]);
    expect(result.scrolledBy).toBe(4);
    expect(Buffer.from(w.pixels.buffer).equals(Buffer.from(reference.pixels.buffer))).toBe(true);
  });

  it('refuses sizes below 320x240 and a buffer that is too small', () => {
    expect(() => new Workload('desktop', { width: 200, height: 200 })).toThrow(RangeError);
    expect(() => new Workload('video', { width: 640, height: 480, pixels: new Uint32Array(10) })).toThrow(RangeError);
    expect(() => at1080('scroll').render(-1)).toThrow(RangeError);
  });
});

describe('--source bench:…', () => {
  it('animates a Display with the workload and damages what changed, then freezes at stop-after', async () => {
    const source = await openSource('bench:desktop:640x480,fps=1000,stop-after=61', 'bench');
    try {
      const damage: Rect[] = [];
      source.display.observe((change) => {
        if (change.kind === 'damage') damage.push(change.rect);
      });
      expect(source.display.width).toBe(640);
      expect(source.display.name).toBe('bench');
      await waitFor(() => damage.length >= 2 * 61, 5000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const expected = new Workload('desktop', { width: 640, height: 480 });
      expected.render(61);
      expect(source.display.buffer.equals(Buffer.from(expected.pixels.buffer))).toBe(true);
      const count = damage.length;
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(damage.length).toBe(count); // frozen
    } finally {
      const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      source.stop();
      expect(write).toHaveBeenCalledWith(expect.stringMatching(/^vncd bench:desktop: 61 ticks in .*, last tick 61\n$/));
      write.mockRestore();
    }
  });

  it('scrolls with Display.copy and damages only the new rows with copyrect', async () => {
    const source = await openSource('bench:scroll:320x240,fps=1000,copyrect,stop-after=3', undefined);
    try {
      const copies: [Rect, Rect][] = [];
      const damage: Rect[] = [];
      source.display.observe((change) => {
        if (change.kind === 'damage') damage.push(change.rect);
        if (change.kind === 'copy') copies.push([change.source, change.target]);
      });
      await waitFor(() => damage.length >= 3, 5000);
      expect(copies[0]).toEqual([{ x: 0, y: 4, w: 320, h: 236 }, { x: 0, y: 0, w: 320, h: 236 }]);
      expect(damage[0]).toEqual({ x: 0, y: 236, w: 320, h: 4 });
      const expected = new Workload('scroll', { width: 320, height: 240 });
      expected.render(3);
      expect(source.display.buffer.equals(Buffer.from(expected.pixels.buffer))).toBe(true);
    } finally {
      const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      source.stop();
      write.mockRestore();
    }
  });

  it.each([
    ['bench:nope', /workload is one of scroll, video, desktop/],
    ['bench:desktop:10x10', /at least 320x240/],
    ['bench:video,colour=red', /unknown option 'colour'/],
    ['bench:video,fps=0', /'fps' must be a whole number/],
    ['bench:video,video=big', /'video' must be WxH/],
  ])('rejects %s', async (spec, message) => {
    const opened = openSource(spec, undefined);
    await expect(opened).rejects.toThrow(OptionError);
    await expect(opened).rejects.toThrow(message);
  });
});

/** Every pixel that differs between the frames lies in one of the rects. */
function expectChangesInside(before: Uint32Array, after: Uint32Array, width: number, rects: readonly WorkloadRect[]): void {
  for (let i = 0; i < after.length; i++) {
    if (before[i] === after[i]) continue;
    const x = i % width;
    const y = Math.floor(i / width);
    const inside = rects.some((r) => x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h);
    if (!inside) throw new Error(`pixel (${x},${y}) changed outside the dirty rects ${JSON.stringify(rects)}`);
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
