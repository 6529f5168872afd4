/**
 * The benchmark workloads of the shared RFB bench harness (`tools/bench/peer/workload.h`),
 * rewritten for TypeScript: for the same name, size and tick they produce the very
 * same pixels as the libvncserver peer (`vncpeer`), so `rfbbench --expect-md5`
 * can check vncd's frames against `vncpeer --dump-rgb`, and both servers can be
 * measured on identical content.
 *
 *   scroll  - a code-editor page scrolling up `speed` px per tick (the whole screen changes)
 *   video   - a static desktop with a region of fresh 24-bit noise every tick
 *   desktop - a static desktop, a window moving 5/3 px per tick, a cursor blinking
 *             every 30 ticks and a taskbar clock changing every 60 ticks
 *
 * Pixels are 0x00RRGGBB in a Uint32Array; on a little-endian host its bytes are
 * B,G,R,0, which is vncd's native BGRX32, so a Display's buffer can be drawn into directly.
 * Not library code: it serves `--source bench:…` and the encoder benchmark.
 */

export const WORKLOAD_NAMES = ['scroll', 'video', 'desktop'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

export interface WorkloadRect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface WorkloadOptions {
  /** Default 1920×1080, the peer's default; at least 320×240. */
  readonly width?: number;
  readonly height?: number;
  /** scroll: pixel rows per tick (default 4). */
  readonly speed?: number;
  /** video: size of the noise region (default half the screen each way). */
  readonly videoWidth?: number;
  readonly videoHeight?: number;
  /** Draw into this buffer (width × height pixels) instead of a new one. */
  readonly pixels?: Uint32Array;
}

/** What one `step` changed. */
export interface WorkloadStep {
  /** Areas whose pixels changed (possibly overlapping), as the peer marks them. */
  readonly dirty: readonly WorkloadRect[];
  /** scroll: the content moved up by this many rows before new rows were drawn (0: no move). */
  readonly scrolledBy: number;
}

/** Moves the rows of the frame up by `dy` (e.g. with Display.copy, so viewers get a CopyRect). */
export type ScrollMover = (dy: number) => void;

export const MIN_WORKLOAD_WIDTH = 320;
export const MIN_WORKLOAD_HEIGHT = 240;
/** The peer's tick rate. */
export const WORKLOAD_TICKS_PER_SECOND = 60;

const LINE_H = 18;
const CELL_W = 9;
const NGLYPH = 94;
const GLYPH_SIZE = LINE_H * CELL_W;
const TASKBAR_H = 40;

interface Style {
  readonly bg: number;
  readonly fg: readonly number[];
}
const DARK: Style = { bg: 0x1e1e1e, fg: [0xd4d4d4, 0x569cd6, 0xce9178, 0x6a9955, 0xc586c0, 0xdcdcaa] };
const LIGHT: Style = { bg: 0xffffff, fg: [0x202020, 0x0000ff, 0xa31515, 0x008000, 0x202020, 0x795e26] };

// The C code works in uint32_t; Math.imul and `>>> 0` give the same wrap-around.
function hash(v: number): number {
  let x = v >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function mix(a: number, b: number): number {
  return hash(Math.imul(a, 0x9e3779b9) ^ hash((b + 0x632be5ab) >>> 0));
}

function blend(a: number, b: number): number {
  return ((a & 0xfefefe) >>> 1) + ((b & 0xfefefe) >>> 1);
}

/** Integer division as C does it for the non-negative operands used here. */
function div(a: number, b: number): number {
  return Math.floor(a / b);
}

/** 94 glyphs of 18 rows × 9 columns: 0 background, 1 half (anti-aliased edge), 2 foreground. */
function makeGlyphs(): Uint8Array {
  const glyphs = new Uint8Array(NGLYPH * GLYPH_SIZE);
  for (let g = 0; g < NGLYPH; g++) {
    for (let r = 3; r < 15; r++) {
      for (let c = 1; c < 8; c++) {
        const v = mix(g, r * 16 + c) % 100;
        glyphs[g * GLYPH_SIZE + r * CELL_W + c] = v < 30 ? 2 : v < 38 ? 1 : 0;
      }
    }
  }
  return glyphs;
}

const GLYPHS = makeGlyphs();

/** One pixel row (`docrow` of document `seed`) of text, `width` pixels from `dst[at]`. */
function textRow(dst: Uint32Array, at: number, width: number, docrow: number, seed: number, st: Style): void {
  const line = div(docrow, LINE_H);
  const ry = docrow % LINE_H;
  const lh = mix(seed, line);
  const len = (lh & 7) === 0 ? 0 : (lh >>> 3) % 150;
  const indent = ((lh >>> 12) % 6) * 2;
  const ncols = div(width + CELL_W - 1, CELL_W);
  for (let c = 0; c < ncols; c++) {
    const x0 = c * CELL_W;
    const n = Math.min(width - x0, CELL_W);
    const d = at + x0;
    const ch = c < indent || c >= indent + len ? 0 : mix(lh, c);
    if (ch % 7 === 0) {
      dst.fill(st.bg, d, d + n);
      continue;
    }
    const fg = st.fg[mix(lh ^ 0x55, div(c, 6)) % 6] ?? 0;
    const half = blend(fg, st.bg);
    const g = ((ch >>> 8) % NGLYPH) * GLYPH_SIZE + ry * CELL_W;
    for (let i = 0; i < n; i++) {
      const v = GLYPHS[g + i];
      dst[d + i] = v === 2 ? fg : v === 1 ? half : st.bg;
    }
  }
}

function fill(buf: Uint32Array, stride: number, r: WorkloadRect, colour: number): void {
  for (let y = r.y; y < r.y + r.h; y++) buf.fill(colour, y * stride + r.x, y * stride + r.x + r.w);
}

/** A window: 1 px border, title bar with a close button and a title, a text body (document `seed`). */
function drawWindow(buf: Uint32Array, stride: number, r: WorkloadRect, seed: number, st: Style): void {
  fill(buf, stride, r, 0x505050);
  const tb = { x: r.x + 1, y: r.y + 1, w: r.w - 2, h: 28 };
  fill(buf, stride, tb, 0x3c3f41);
  fill(buf, stride, { x: r.x + r.w - 26, y: r.y + 7, w: 16, h: 16 }, 0xe81123);
  const titleWidth = div(r.w, 3);
  for (let y = 0; y < 18 && y < tb.h; y++) {
    textRow(buf, (tb.y + 5 + y) * stride + tb.x + 10, titleWidth, y + LINE_H * 3, (seed ^ 0x777) >>> 0, DARK);
  }
  for (let y = 0; y < r.h - 31; y++) textRow(buf, (r.y + 30 + y) * stride + r.x + 1, r.w - 2, y + 4, seed, st);
}

/** The taskbar clock: six digits (hh mm ss) drawn with glyphs 0–9. */
function drawDigits(buf: Uint32Array, stride: number, r: WorkloadRect, value: number): void {
  fill(buf, stride, r, 0x202020);
  const divisors = [36000, 3600, 600, 60, 10, 1];
  for (let i = 0; i < 6; i++) {
    const digit = div(value, divisors[i] ?? 1) % (i === 4 || i === 2 ? 6 : 10);
    for (let y = 0; y < LINE_H && y < r.h; y++) {
      for (let x = 0; x < CELL_W; x++) {
        const px = r.x + 4 + i * (CELL_W + 1) + x;
        if (px >= r.x + r.w) continue;
        const v = GLYPHS[digit * GLYPH_SIZE + y * CELL_W + x];
        buf[(r.y + y) * stride + px] = v === 2 ? 0xe0e0e0 : v === 1 ? 0x808080 : 0x202020;
      }
    }
  }
}

/** Position that bounces between 0 and `range` as `v` grows. */
function triangle(v: number, range: number): number {
  if (range <= 0) return 0;
  const p = v % (2 * range);
  return p < range ? p : 2 * range - p;
}

const U64 = (1n << 64n) - 1n;

export class Workload {
  readonly name: WorkloadName;
  readonly width: number;
  readonly height: number;
  /** The frame, 0x00RRGGBB, row after row. */
  readonly pixels: Uint32Array;
  private currentTick = 0;
  private readonly speed: number;
  private readonly background: Uint32Array | undefined;
  private readonly video: WorkloadRect;
  private readonly windowImage: Uint32Array | undefined;
  /** desktop: the moving window where it is drawn now. */
  private win: WorkloadRect;
  private cursor: WorkloadRect = { x: 0, y: 0, w: 0, h: 0 };
  private clock: WorkloadRect = { x: 0, y: 0, w: 0, h: 0 };

  constructor(name: WorkloadName, options: WorkloadOptions = {}) {
    const width = options.width ?? 1920;
    const height = options.height ?? 1080;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < MIN_WORKLOAD_WIDTH || height < MIN_WORKLOAD_HEIGHT) {
      throw new RangeError(`a ${name} workload needs a whole size of at least ${MIN_WORKLOAD_WIDTH}x${MIN_WORKLOAD_HEIGHT}, not ${width}x${height}`);
    }
    if (options.pixels !== undefined && options.pixels.length < width * height) {
      throw new RangeError(`a ${width}x${height} workload needs ${width * height} pixels, got ${options.pixels.length}`);
    }
    this.name = name;
    this.width = width;
    this.height = height;
    this.pixels = options.pixels ?? new Uint32Array(width * height);
    this.speed = options.speed !== undefined && options.speed > 0 ? Math.floor(options.speed) : 4;
    let vw = options.videoWidth ?? 0;
    let vh = options.videoHeight ?? 0;
    if (vw <= 0 || vw > width) vw = div(width, 2);
    if (vh <= 0 || vh > height) vh = div(height, 2);
    this.video = { x: div(width - vw, 2), y: div(height - vh, 2), w: vw, h: vh };
    this.win = { x: 0, y: 0, w: Math.max(40, div(width, 5)), h: Math.max(40, div(height * 5, 18)) };
    this.background = name === 'scroll' ? undefined : this.drawDesktop();
    this.windowImage = name === 'desktop' ? this.drawMovingWindow() : undefined;
    this.render(0);
  }

  /** The tick whose frame `pixels` holds. */
  get tick(): number {
    return this.currentTick;
  }

  /** Draws tick `t` from scratch (the same pixels as `t` steps from tick 0). */
  render(t: number): void {
    if (!Number.isSafeInteger(t) || t < 0) throw new RangeError(`a tick is a whole number from 0, not ${t}`);
    this.currentTick = t;
    const { width: W, height: H, pixels } = this;
    if (this.name === 'scroll') {
      for (let y = 0; y < H; y++) textRow(pixels, y * W, W, (t * this.speed + y) >>> 0, 303, DARK);
      return;
    }
    pixels.set(this.background!.subarray(0, W * H));
    if (this.name === 'video') {
      this.noise(t);
      return;
    }
    this.drawDynamic(t);
    this.win = this.windowAt(t);
    this.blitWindow(this.win);
  }

  /**
   * Advances one tick, drawing only what changes. For scroll, `move` may do the
   * move of the rows (the default moves them inside `pixels`).
   */
  step(move?: ScrollMover): WorkloadStep {
    const t = this.currentTick + 1;
    const { width: W, height: H, pixels } = this;
    const dirty: WorkloadRect[] = [];
    let scrolledBy = 0;
    if (this.name === 'scroll') {
      const dy = Math.min(this.speed, H);
      if (move) move(dy);
      else pixels.copyWithin(0, dy * W, H * W);
      for (let y = H - dy; y < H; y++) textRow(pixels, y * W, W, (t * this.speed + y) >>> 0, 303, DARK);
      scrolledBy = dy;
      dirty.push({ x: 0, y: 0, w: W, h: H });
    } else if (this.name === 'video') {
      this.noise(t);
      dirty.push(this.video);
    } else {
      const old = this.win;
      const next = this.windowAt(t);
      const bg = this.background!;
      for (let y = old.y; y < old.y + old.h; y++) pixels.set(bg.subarray(y * W + old.x, y * W + old.x + old.w), y * W + old.x);
      if (div(t, 30) !== div(t - 1, 30)) dirty.push(this.cursor);
      if (div(t, 60) !== div(t - 1, 60)) dirty.push(this.clock);
      this.drawDynamic(t);
      this.blitWindow(next);
      this.win = next;
      dirty.push(old, next);
    }
    this.currentTick = t;
    return { dirty, scrolledBy };
  }

  /** The frame as R,G,B bytes per pixel (what `vncpeer --dump-rgb` writes and rfbbench hashes). */
  toRgb(): Buffer {
    const n = this.width * this.height;
    const out = Buffer.allocUnsafe(n * 3);
    for (let i = 0, o = 0; i < n; i++, o += 3) {
      const p = this.pixels[i] ?? 0;
      out[o] = p >>> 16;
      out[o + 1] = (p >>> 8) & 0xff;
      out[o + 2] = p & 0xff;
    }
    return out;
  }

  /** The static desktop behind video and desktop: wallpaper, taskbar, icons, two windows. */
  private drawDesktop(): Uint32Array {
    const { width: W, height: H } = this;
    const b = new Uint32Array(W * H);
    for (let y = 0; y < H; y++) {
      const r = 30 + div(60 * y, H);
      const g = 60 + div(80 * y, H);
      const bl = 110 + div(80 * y, H);
      b.fill((r << 16) | (g << 8) | bl, y * W, (y + 1) * W);
    }
    fill(b, W, { x: 0, y: H - TASKBAR_H, w: W, h: TASKBAR_H }, 0x202020);
    for (let i = 0; i < 5 && 60 + i * 170 + 160 < W; i++) fill(b, W, { x: 60 + i * 170, y: H - 35, w: 160, h: 30 }, 0x3a3a3a);
    for (let i = 0; i < 6 && 30 + i * 90 + 48 < H - TASKBAR_H; i++) {
      for (let y = 0; y < 48; y++) {
        for (let x = 0; x < 48; x++) {
          b[(30 + i * 90 + y) * W + 20 + x] = div(x + y, 8) % 2 ? 0xf0c040 : 0x3060c0 + i * 0x201000;
        }
      }
    }
    const wa = { x: div(W, 6), y: div(H, 9), w: div(W * 15, 32), h: div(H * 5, 9) };
    const wb = { x: div(W, 2) + 40, y: div(H, 4), w: div(W * 13, 32), h: div(H * 6, 11) };
    if (wa.w > 64 && wa.h > 64) drawWindow(b, W, wa, 101, LIGHT);
    if (wb.x + wb.w <= W && wb.y + wb.h <= H - TASKBAR_H && wb.w > 64) drawWindow(b, W, wb, 202, DARK);
    this.cursor = { x: wa.x + 200, y: wa.y + 30 + 4 * LINE_H + 1, w: 2, h: 16 };
    this.clock = { x: W - 90, y: H - 30, w: 70, h: 20 };
    return b;
  }

  /** The moving window's image: a light text window with a small colour gradient picture. */
  private drawMovingWindow(): Uint32Array {
    const { w, h } = this.win;
    const img = new Uint32Array(w * h);
    drawWindow(img, w, { x: 0, y: 0, w, h }, 404, LIGHT);
    const pw = div(w, 3);
    const ph = div(h, 3);
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < pw; x++) {
        img[(div(h, 2) + y) * w + div(w, 2) + x] = ((div(x * 255, pw) << 16) | (div(y * 255, ph) << 8) | 0x80) >>> 0;
      }
    }
    return img;
  }

  private windowAt(t: number): WorkloadRect {
    const { w, h } = this.win;
    return { x: triangle(t * 5, this.width - w), y: triangle(t * 3, this.height - TASKBAR_H - h), w, h };
  }

  private blitWindow(r: WorkloadRect): void {
    const img = this.windowImage!;
    for (let y = 0; y < r.h; y++) this.pixels.set(img.subarray(y * r.w, (y + 1) * r.w), (r.y + y) * this.width + r.x);
  }

  /** The blinking text cursor and the taskbar clock for tick t. */
  private drawDynamic(t: number): void {
    fill(this.pixels, this.width, this.cursor, div(t, 30) % 2 === 0 ? 0x000000 : 0xffffff);
    drawDigits(this.pixels, this.width, this.clock, div(t, 60) + 9 * 3600 + 41 * 60);
  }

  /**
   * Fresh noise for tick t: xorshift64 seeded from the tick, 24 bits per pixel.
   * The 64-bit state is kept as two 32-bit halves (BigInt per pixel would be far too slow).
   */
  private noise(t: number): void {
    const seed = ((0x9e3779b97f4a7c15n * BigInt(t + 1)) & U64) ^ 0xd1b54a32d192ed03n;
    let hi = Number(seed >> 32n) | 0;
    let lo = Number(seed & 0xffffffffn) | 0;
    const { x, y, w, h } = this.video;
    const px = this.pixels;
    for (let row = 0; row < h; row++) {
      let d = (y + row) * this.width + x;
      for (let end = d + w; d < end; d++) {
        // s ^= s << 13
        hi ^= (hi << 13) | (lo >>> 19);
        lo ^= lo << 13;
        // s ^= s >> 7
        lo ^= (lo >>> 7) | (hi << 25);
        hi ^= hi >>> 7;
        // s ^= s << 17
        hi ^= (hi << 17) | (lo >>> 15);
        lo ^= lo << 17;
        px[d] = ((lo >>> 20) | ((hi & 0xfff) << 12)) >>> 0;
      }
    }
  }
}

export function isWorkloadName(name: string): name is WorkloadName {
  return (WORKLOAD_NAMES as readonly string[]).includes(name);
}
