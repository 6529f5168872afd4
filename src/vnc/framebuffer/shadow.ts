/**
 * The server's copy of the pixels last taken from the display (QEMU's "server
 * surface"). One per display, shared by every client:
 * - damage is checked against it tile by tile, so areas an application redrew
 *   with the same pixels are not sent to anyone;
 * - encoders read from it, not from the display, so pixels cannot change under
 *   an encoder, and every client is sent the same snapshot.
 */
import { VncError, VncErrorCode } from '../errors';
import { bytesPerPixel, type PixelFormat } from '../protocol/pixel-format';
import { TILE_SIZE } from './dirty-map';
import { checkSourceRect, type PixelSource } from './pixel-source';
import { checkMove, moveRect } from './move-rect';
import { checkFramebufferSize, clipRect, type Rect } from './rect';

export class Shadow {
  readonly format: PixelFormat;
  private readonly bpp: number;
  private w = 0;
  private h = 0;
  private cols = 0;
  private pixels: Buffer = Buffer.alloc(0);
  /** Scratch: damaged tiles of one refresh, then changed tiles of one run. */
  private damaged = new Uint8Array(0);
  private changed = new Uint8Array(0);

  /** Starts black (zero bytes); refresh it with the whole screen as damage before use. */
  constructor(width: number, height: number, format: PixelFormat) {
    this.format = format;
    this.bpp = bytesPerPixel(format);
    this.resize(width, height);
  }

  get width(): number {
    return this.w;
  }

  get height(): number {
    return this.h;
  }

  /** The shadow as encoders read it (valid until the next resize). */
  get source(): PixelSource {
    return { data: this.pixels, stride: this.w * this.bpp, format: this.format, width: this.w, height: this.h };
  }

  /** New size, black again: refresh it with the whole screen as damage. */
  resize(width: number, height: number): void {
    checkFramebufferSize(width, height);
    this.w = width;
    this.h = height;
    this.cols = Math.ceil(width / TILE_SIZE);
    this.pixels = Buffer.alloc(width * height * this.bpp);
    this.damaged = new Uint8Array(this.cols * Math.ceil(height / TILE_SIZE));
    this.changed = new Uint8Array(this.cols);
  }

  /**
   * Copies the damaged areas of `source` (same size and pixel size as the
   * shadow) into the shadow and returns the tiles whose pixels really changed,
   * as horizontal runs of tiles clipped to the screen.
   */
  refresh(source: PixelSource, damage: readonly Rect[]): Rect[] {
    if (source.width !== this.w || source.height !== this.h || bytesPerPixel(source.format) !== this.bpp) {
      throw new VncError(
        VncErrorCode.OUT_OF_BOUNDS,
        `a ${source.width}x${source.height} ${source.format.bitsPerPixel} bpp source does not match the ${this.w}x${this.h} ${this.format.bitsPerPixel} bpp shadow`,
      );
    }
    checkSourceRect(source, { x: 0, y: 0, w: this.w, h: this.h });
    const tiles = this.damaged;
    tiles.fill(0);
    for (const d of damage) {
      const r = clipRect(d, this.w, this.h);
      if (r === undefined) continue;
      const tx0 = Math.floor(r.x / TILE_SIZE);
      const tx1 = Math.ceil((r.x + r.w) / TILE_SIZE);
      const ty1 = Math.ceil((r.y + r.h) / TILE_SIZE);
      for (let ty = Math.floor(r.y / TILE_SIZE); ty < ty1; ty++) tiles.fill(1, ty * this.cols + tx0, ty * this.cols + tx1);
    }
    // One Buffer view of the source for the whole call: Buffer#compare/copy take offsets, no per-row views.
    const src = Buffer.from(source.data.buffer, source.data.byteOffset, source.data.byteLength);
    const out: Rect[] = [];
    for (let ty = 0; ty * TILE_SIZE < this.h; ty++) {
      const row = tiles.subarray(ty * this.cols, (ty + 1) * this.cols);
      let start = row.indexOf(1);
      while (start >= 0) {
        let end = row.indexOf(0, start);
        if (end < 0) end = row.length;
        this.refreshRun(src, source.stride, start, end, ty, out);
        start = row.indexOf(1, end);
      }
    }
    return out;
  }

  /** Tiles start..end-1 of tile row ty: compare, copy, and report the changed ones. */
  private refreshRun(src: Buffer, srcStride: number, start: number, end: number, ty: number, out: Rect[]): void {
    const { bpp } = this;
    const stride = this.w * bpp;
    const x0 = start * TILE_SIZE;
    const len = (Math.min(end * TILE_SIZE, this.w) - x0) * bpp;
    const y0 = ty * TILE_SIZE;
    const y1 = Math.min(y0 + TILE_SIZE, this.h);
    const changed = this.changed;
    changed.fill(0, start, end);
    const tileDiffers = this.tileComparer(src, srcStride);
    let known = 0;
    for (let y = y0; y < y1; y++) {
      const s = y * srcStride + x0 * bpp;
      const d = y * stride + x0 * bpp;
      // Whole row segment first (one native call); tiles only when it differs.
      if (this.pixels.compare(src, s, s + len, d, d + len) === 0) continue;
      for (let t = start; t < end && known < end - start; t++) {
        if (changed[t] === 1) continue;
        const x = t * TILE_SIZE;
        if (tileDiffers(y, x, Math.min(TILE_SIZE, this.w - x))) {
          changed[t] = 1;
          known++;
        }
      }
      src.copy(this.pixels, d, s, s + len);
    }
    for (let t = start; t < end; t++) {
      if (changed[t] !== 1) continue;
      let e = t + 1;
      while (e < end && changed[e] === 1) e++;
      const x = t * TILE_SIZE;
      out.push({ x, y: y0, w: Math.min(e * TILE_SIZE, this.w) - x, h: y1 - y0 });
      t = e;
    }
  }

  /**
   * Whether `count` pixels from (x, y) differ between source and shadow. A
   * changing screen has many rows that differ somewhere, each needing a check
   * per tile: a loop over 16- or 32-bit views costs a fraction of a native
   * compare call per tile. Unaligned buffers fall back to the native compare.
   */
  private tileComparer(src: Buffer, srcStride: number): (y: number, x: number, count: number) => boolean {
    const { bpp, pixels } = this;
    const stride = this.w * bpp;
    const aligned =
      bpp > 1 && src.byteOffset % bpp === 0 && src.byteLength % bpp === 0 && srcStride % bpp === 0 && pixels.byteOffset % bpp === 0;
    if (!aligned) {
      return (y, x, count) => {
        const s = y * srcStride + x * bpp;
        const d = y * stride + x * bpp;
        return pixels.compare(src, s, s + count * bpp, d, d + count * bpp) !== 0;
      };
    }
    const view = (buffer: Buffer): Uint16Array | Uint32Array =>
      bpp === 4
        ? new Uint32Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 4)
        : new Uint16Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 2);
    const a = view(src);
    const b = view(pixels);
    const aStride = srcStride / bpp;
    const bStride = this.w;
    return (y, x, count) => {
      const i = y * aStride + x;
      const j = y * bStride + x;
      for (let k = 0; k < count; k++) if (a[i + k] !== b[j + k]) return true;
      return false;
    };
  }

  /**
   * Moves pixels inside the shadow as the display did (a CopyRect), so the
   * shadow keeps matching the display without comparing the moved area.
   */
  copy(from: Rect, to: Rect): void {
    checkMove(from, to, this.w, this.h, 'shadow');
    moveRect(this.pixels, this.w * this.bpp, this.bpp, from, to);
  }

}
