import { createCanvas, type Canvas, type CanvasRenderingContext2D } from 'canvas';
import { Display, type CursorImage, type KeyInput, type PointerInput } from '../src/vnc';

const WIDTH = 1024;
const HEIGHT = 768;
/** Sizes a viewer may ask for (remote resize): small enough to stay usable, large enough for any window. */
const MIN_SIDE = 320;
const MAX_SIDE = 2560;
const FRAME_MS = 50;
const TERMINAL = { x: 40, y: 50, w: 460, h: 250 };
const PAINT = { x: 540, y: 50, w: 440, h: 300 };
const COLOURS = { x: 40, y: 340, w: 460, h: 300 };
const BOUNCE = { x: 540, y: 390, w: 440, h: 250 };
const MAX_LINES = 8;

interface Point {
  readonly x: number;
  readonly y: number;
}

/**
 * The demo desktop: a terminal that shows what you type, a window to paint in
 * with the mouse, colour bars, a bouncing ball, the clipboard text you sent,
 * and a clock. Everything is redrawn each frame; the server's comparison with
 * its copy of the screen sends viewers only what really changed.
 */
export class DemoDesktop {
  canvas: Canvas;
  private ctx: CanvasRenderingContext2D;
  private readonly lines: string[] = ['$ '];
  private readonly strokes: Point[][] = [];
  private drawing = false;
  private clipboard = '(copy text in your viewer to see it here)';
  private ball = { x: 60, y: 60, dx: 5, dy: 3.5 };

  constructor(
    private width = WIDTH,
    private height = HEIGHT,
  ) {
    this.canvas = createCanvas(width, height);
    this.ctx = this.canvas.getContext('2d');
  }

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.canvas = createCanvas(width, height);
    this.ctx = this.canvas.getContext('2d');
  }

  /** 32 bpp B,G,R,A per pixel on little-endian machines: vncd's default BGRX format. */
  pixels(): Buffer {
    return this.canvas.toBuffer('raw');
  }

  typed({ keysym, down }: KeyInput): void {
    if (!down) return;
    const last = this.lines.length - 1;
    if (keysym === 0xff0d) {
      this.lines.push('$ ');
      if (this.lines.length > MAX_LINES) this.lines.shift();
    } else if (keysym === 0xff08) {
      const line = this.lines[last] ?? '';
      if (line.length > 2) this.lines[last] = line.slice(0, -1);
    } else if ((keysym >= 0x20 && keysym <= 0x7e) || (keysym >= 0xa0 && keysym <= 0xff)) {
      this.lines[last] = (this.lines[last] ?? '') + String.fromCharCode(keysym);
    }
  }

  pointed(input: PointerInput): void {
    if (input.relative) return; // the demo asks for absolute positions
    const { x, y, buttons } = input;
    const inside = x >= PAINT.x && x < PAINT.x + PAINT.w && y >= PAINT.y + 28 && y < PAINT.y + PAINT.h;
    if ((buttons & 1) === 0 || !inside) {
      this.drawing = false;
      return;
    }
    if (!this.drawing) this.strokes.push([]);
    this.drawing = true;
    this.strokes[this.strokes.length - 1]?.push({ x, y });
  }

  pasted(text: string): void {
    this.clipboard = text;
  }

  step(): void {
    const b = this.ball;
    b.x += b.dx;
    b.y += b.dy;
    if (b.x < 20 || b.x > BOUNCE.w - 36) b.dx = -b.dx;
    if (b.y < 20 || b.y > BOUNCE.h - 64) b.dy = -b.dy;
  }

  draw(now: Date): void {
    const { ctx } = this;
    const sky = ctx.createLinearGradient(0, 0, this.width, this.height);
    sky.addColorStop(0, '#1d3557');
    sky.addColorStop(1, '#457b9d');
    ctx.fillStyle = sky;
    ctx.fillRect(0, 0, this.width, this.height);
    this.window(TERMINAL, 'Terminal: type here', () => this.drawTerminal());
    this.window(PAINT, 'Paint: drag with the left button', () => this.drawStrokes());
    this.window(COLOURS, 'Colours', () => this.drawColours());
    this.window(BOUNCE, 'Animation', () => this.drawBall());
    this.drawTaskBar(now);
  }

  private window(area: typeof TERMINAL, title: string, body: () => void): void {
    const { ctx } = this;
    ctx.fillStyle = 'rgba(0, 0, 0, 0.35)';
    ctx.fillRect(area.x + 6, area.y + 6, area.w, area.h);
    ctx.fillStyle = '#f1faee';
    ctx.fillRect(area.x, area.y, area.w, area.h);
    ctx.fillStyle = '#e63946';
    ctx.fillRect(area.x, area.y, area.w, 28);
    ctx.fillStyle = '#ffffff';
    ctx.font = 'bold 15px sans-serif';
    ctx.fillText(title, area.x + 10, area.y + 19);
    ctx.save();
    ctx.beginPath();
    ctx.rect(area.x, area.y + 28, area.w, area.h - 28);
    ctx.clip();
    body();
    ctx.restore();
  }

  private drawTerminal(): void {
    const { ctx } = this;
    ctx.font = '16px monospace';
    ctx.fillStyle = '#1d3557';
    this.lines.forEach((line, i) => ctx.fillText(line, TERMINAL.x + 10, TERMINAL.y + 52 + i * 22));
  }

  private drawStrokes(): void {
    const { ctx } = this;
    ctx.strokeStyle = '#1d3557';
    ctx.lineWidth = 4;
    ctx.lineCap = 'round';
    for (const stroke of this.strokes) {
      ctx.beginPath();
      stroke.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x, p.y) : ctx.lineTo(p.x, p.y)));
      if (stroke.length === 1 && stroke[0]) ctx.lineTo(stroke[0].x + 0.1, stroke[0].y);
      ctx.stroke();
    }
  }

  /** Flat bars and a smooth ramp: the kinds of content different encodings are good at. */
  private drawColours(): void {
    const { ctx } = this;
    const bars = ['#ffffff', '#ffff00', '#00ffff', '#00ff00', '#ff00ff', '#ff0000', '#0000ff', '#000000'];
    const x = COLOURS.x + 8;
    const y = COLOURS.y + 36;
    const w = COLOURS.w - 16;
    const h = COLOURS.h - 44;
    bars.forEach((colour, i) => {
      ctx.fillStyle = colour;
      ctx.fillRect(x + Math.floor((i * w) / bars.length), y, Math.ceil(w / bars.length), h / 2);
    });
    const ramp = ctx.createLinearGradient(x, 0, x + w, 0);
    ramp.addColorStop(0, '#000000');
    ramp.addColorStop(0.5, '#e9c46a');
    ramp.addColorStop(1, '#ffffff');
    ctx.fillStyle = ramp;
    ctx.fillRect(x, y + h / 2, w, h / 2);
  }

  private drawBall(): void {
    const { ctx } = this;
    ctx.fillStyle = '#e76f51';
    ctx.beginPath();
    ctx.arc(BOUNCE.x + this.ball.x, BOUNCE.y + 28 + this.ball.y, 16, 0, 2 * Math.PI);
    ctx.fill();
  }

  private drawTaskBar(now: Date): void {
    const { ctx, width, height } = this;
    ctx.fillStyle = '#0b132b';
    ctx.fillRect(0, height - 36, width, 36);
    ctx.fillStyle = '#ffffff';
    ctx.font = '15px sans-serif';
    ctx.fillText(`Clipboard: ${this.clipboard.replace(/\s+/g, ' ').slice(0, 80)}`, 14, height - 13);
    ctx.fillText(now.toTimeString().slice(0, 8), width - 84, height - 13);
  }
}

/** An arrow pointer, drawn once: viewers that support the Cursor pseudo-encodings draw it locally, without lag. */
function arrowCursor(): CursorImage {
  const canvas = createCanvas(12, 19);
  const ctx = canvas.getContext('2d');
  ctx.beginPath();
  [[0, 0], [0, 16], [4, 12], [7, 18], [9, 17], [6, 11], [11, 11]].forEach(([x = 0, y = 0], i) =>
    i === 0 ? ctx.moveTo(x + 0.5, y + 0.5) : ctx.lineTo(x + 0.5, y + 0.5),
  );
  ctx.closePath();
  ctx.fillStyle = '#ffffff';
  ctx.fill();
  ctx.strokeStyle = '#000000';
  ctx.stroke();
  return { width: 12, height: 19, hotspotX: 0, hotspotY: 0, rgba: new Uint8Array(ctx.getImageData(0, 0, 12, 19).data) };
}

/**
 * A Display showing the demo desktop: animated, answering the viewers'
 * keyboard, mouse and clipboard, with its own pointer shape, and resizable by
 * viewers that ask (noVNC's "resize session", TigerVNC's window).
 */
export function startDemoDesktop(options: { name?: string } = {}): { display: Display; stop(): void } {
  const display = new Display({ width: WIDTH, height: HEIGHT, name: options.name ?? 'vncd demo' });
  const desktop = new DemoDesktop();
  display.setCursor(arrowCursor());
  display.on('key', (input) => desktop.typed(input));
  display.on('pointer', (input) => desktop.pointed(input));
  display.on('clipboard', (text) => desktop.pasted(text));
  display.on('resize-request', ({ width, height }) => {
    if (width < MIN_SIDE || height < MIN_SIDE || width > MAX_SIDE || height > MAX_SIDE) return;
    desktop.resize(width, height);
    display.resize(width, height);
    frame();
  });
  const frame = (): void => {
    desktop.step();
    desktop.draw(new Date());
    display.put(desktop.pixels());
  };
  frame();
  const timer = setInterval(frame, FRAME_MS);
  return { display, stop: () => clearInterval(timer) };
}
