import { createCanvas, type Canvas, type CanvasRenderingContext2D } from 'canvas';

/**
 * A small desktop drawn with canvas: wallpaper, two windows, a task bar with a
 * clock. Its pixels are what the demo serves; canvas's raw buffer is 32 bpp
 * B,G,R,A on little-endian machines, i.e. RFB depth 24 with red shift 16.
 */
export class DemoDesktop {
  readonly canvas: Canvas;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(
    readonly width = 1024,
    readonly height = 768,
  ) {
    this.canvas = createCanvas(width, height);
    this.ctx = this.canvas.getContext('2d');
  }

  draw(now: Date = new Date()): void {
    this.drawWallpaper();
    this.drawWindow(60, 60, 460, 260, 'Terminal', (x, y) => this.drawTerminal(x, y));
    this.drawWindow(560, 120, 400, 300, 'Colours', (x, y, w, h) => this.drawColours(x, y, w, h));
    this.drawTaskBar(now);
  }

  /** The framebuffer as canvas keeps it: B,G,R,A per pixel, rows top to bottom. */
  pixels(): Buffer {
    return this.canvas.toBuffer('raw');
  }

  png(): Buffer {
    return this.canvas.toBuffer('image/png');
  }

  private drawWallpaper(): void {
    const { ctx, width, height } = this;
    const sky = ctx.createLinearGradient(0, 0, width, height);
    sky.addColorStop(0, '#1d3557');
    sky.addColorStop(1, '#457b9d');
    ctx.fillStyle = sky;
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
    ctx.font = 'bold 48px sans-serif';
    ctx.fillText('vncd', 40, height - 90);
  }

  private drawWindow(
    x: number,
    y: number,
    w: number,
    h: number,
    title: string,
    body: (x: number, y: number, w: number, h: number) => void,
  ): void {
    const { ctx } = this;
    ctx.fillStyle = 'rgba(0, 0, 0, 0.35)';
    ctx.fillRect(x + 6, y + 6, w, h);
    ctx.fillStyle = '#f1faee';
    ctx.fillRect(x, y, w, h);
    ctx.fillStyle = '#e63946';
    ctx.fillRect(x, y, w, 28);
    ctx.fillStyle = '#ffffff';
    ctx.font = 'bold 15px sans-serif';
    ctx.fillText(title, x + 10, y + 19);
    body(x + 8, y + 36, w - 16, h - 44);
  }

  private drawTerminal(x: number, y: number): void {
    const { ctx } = this;
    const lines = ['$ vncd --version', 'vncd 0.1.0', '$ vncd --vnc :0', 'listening on 127.0.0.1:5900', '$ _'];
    ctx.font = '16px monospace';
    ctx.fillStyle = '#1d3557';
    lines.forEach((line, i) => ctx.fillText(line, x, y + 18 + i * 22));
  }

  /** Flat bars and a smooth gradient: the kinds of content different encodings are good at. */
  private drawColours(x: number, y: number, w: number, h: number): void {
    const { ctx } = this;
    const bars = ['#ffffff', '#ffff00', '#00ffff', '#00ff00', '#ff00ff', '#ff0000', '#0000ff', '#000000'];
    const barWidth = w / bars.length;
    bars.forEach((colour, i) => {
      ctx.fillStyle = colour;
      ctx.fillRect(x + i * barWidth, y, Math.ceil(barWidth), h / 2);
    });
    const ramp = ctx.createLinearGradient(x, 0, x + w, 0);
    ramp.addColorStop(0, '#000000');
    ramp.addColorStop(0.5, '#e9c46a');
    ramp.addColorStop(1, '#ffffff');
    ctx.fillStyle = ramp;
    ctx.fillRect(x, y + h / 2, w, h / 2);
  }

  private drawTaskBar(now: Date): void {
    const { ctx, width, height } = this;
    ctx.fillStyle = '#0b132b';
    ctx.fillRect(0, height - 36, width, 36);
    ctx.fillStyle = '#ffffff';
    ctx.font = '16px sans-serif';
    const clock = now.toTimeString().slice(0, 8);
    ctx.fillText(clock, width - 90, height - 12);
  }
}
