import { EventEmitter } from 'node:events';
import { VncError, VncErrorCode } from './errors';
import { checkMove, moveRect } from './framebuffer/move-rect';
import { checkFramebufferSize, clipRect, type Rect } from './framebuffer/rect';
import { BGRX32, bytesPerPixel, describePixelFormat, type PixelFormat } from './protocol/pixel-format';
import { checkCursor, HIDDEN_CURSOR, type CursorImage } from './encoders/cursor';

export type { CursorImage } from './encoders/cursor';

export interface KeyInput {
  /** An X11 keysym, as RFB sends it. */
  readonly keysym: number;
  readonly down: boolean;
  /**
   * The physical key, when the viewer sends QEMU extended key events: an XT
   * scancode as QEMU numbers them (extended keys as 0x80 | code after 0xe0,
   * e.g. right Ctrl 0x9d). Emulators should prefer it to the keysym.
   */
  readonly scancode?: number;
}

export type PointerInput =
  | {
      readonly relative?: false;
      readonly x: number;
      readonly y: number;
      /** Bit 0 left, 1 middle, 2 right, 3/4 wheel up/down. */
      readonly buttons: number;
    }
  /** In relative mode (see `setRelativePointer`), from viewers that support it: a movement. */
  | { readonly relative: true; readonly dx: number; readonly dy: number; readonly buttons: number };

/** A viewer asked for a new framebuffer size (ExtendedDesktopSize). */
export interface ResizeRequest {
  readonly width: number;
  readonly height: number;
}

/** What an xvp power request asks for: a clean shutdown, a clean reboot, or an abrupt reset. */
export type PowerAction = 'shutdown' | 'reboot' | 'reset';

/** A viewer's power button (xvp, with the server's `powerControl`). */
export interface PowerRequest {
  readonly action: PowerAction;
}

/** Input from viewers, for the embedder. */
export interface DisplayEvents {
  key: [input: KeyInput];
  pointer: [input: PointerInput];
  /** Text a viewer put on its clipboard. */
  clipboard: [text: string];
  /**
   * A viewer asked for another size. To accept, call `display.resize()` from the
   * listener; without a listener, or without a resize, the viewer is told no.
   */
  'resize-request': [request: ResizeRequest];
  /**
   * A viewer pressed a power button (noVNC's Shutdown/Reboot/Reset), with the
   * server's `powerControl` on. Without a listener, or if it throws, the viewer
   * is told the request failed (XVP_FAIL).
   */
  power: [request: PowerRequest];
}

export interface LedState {
  readonly scrollLock: boolean;
  readonly numLock: boolean;
  readonly capsLock: boolean;
}

/** What a server hears from a display (the embedder never needs this); `copy` comes before the pixels move. */
export type DisplayChange =
  | { readonly kind: 'damage'; readonly rect: Rect }
  | { readonly kind: 'resize' }
  | { readonly kind: 'copy'; readonly source: Rect; readonly target: Rect }
  | { readonly kind: 'bell' }
  | { readonly kind: 'clipboard'; readonly text: string }
  | { readonly kind: 'cursor' }
  | { readonly kind: 'leds' }
  | { readonly kind: 'name' }
  | { readonly kind: 'pointer-mode' };

export type DisplayObserver = (change: DisplayChange) => void;

export interface DisplayOptions {
  readonly width: number;
  readonly height: number;
  /** The pixel layout of `buffer`; 32 bpp BGRX (canvas's raw format) by default, or RGB565, or any true-colour 16/32 bpp. */
  readonly format?: PixelFormat;
  /** The desktop name viewers show. */
  readonly name?: string;
}

/**
 * A framebuffer that an embedder owns and vncd serves. Draw into `buffer` (or
 * hand a whole frame to `put`), then say what changed with `damage`; listen to
 * 'key', 'pointer' and 'clipboard' for what viewers do.
 */
export class Display extends EventEmitter<DisplayEvents> {
  readonly format: PixelFormat;
  private desktopName: string;
  private cursorImage: CursorImage | undefined;
  private ledState: LedState | undefined;
  private relative = false;
  private pixels: Buffer;
  private size: { width: number; height: number };
  private readonly observers = new Set<DisplayObserver>();

  constructor(options: DisplayOptions) {
    super();
    this.format = options.format ?? BGRX32;
    if (!this.format.trueColour || this.format.bitsPerPixel === 8) {
      throw new VncError(
        VncErrorCode.INVALID_PIXEL_FORMAT,
        `a display needs a true-colour 16 or 32 bpp format, not ${describePixelFormat(this.format)}`,
      );
    }
    this.desktopName = options.name ?? 'vncd';
    checkFramebufferSize(options.width, options.height);
    this.size = { width: options.width, height: options.height };
    this.pixels = Buffer.alloc(options.width * options.height * bytesPerPixel(this.format));
  }

  get width(): number {
    return this.size.width;
  }

  get height(): number {
    return this.size.height;
  }

  /** Bytes per row of `buffer`. */
  get stride(): number {
    return this.size.width * bytesPerPixel(this.format);
  }

  /** The pixels, row after row in `format`. Write into it, then call `damage`. */
  get buffer(): Buffer {
    return this.pixels;
  }

  /** Tells viewers that this area changed (clipped to the framebuffer; empty areas are ignored). */
  damage(x = 0, y = 0, width: number = this.width, height: number = this.height): void {
    const rect = clipRect({ x, y, w: width, h: height }, this.width, this.height);
    if (rect) this.notify({ kind: 'damage', rect });
  }

  /** Copies a whole frame (rows of `stride` bytes, default packed) into the buffer and damages it all. */
  put(frame: Uint8Array, stride: number = this.stride): void {
    if (stride < this.stride || frame.length < stride * (this.height - 1) + this.stride) {
      throw new VncError(
        VncErrorCode.OUT_OF_BOUNDS,
        `a ${this.width}x${this.height} frame needs ${this.stride * this.height} bytes with rows of at least ${this.stride}; got ${frame.length} bytes, rows of ${stride}`,
      );
    }
    if (stride === this.stride) this.pixels.set(frame.subarray(0, this.pixels.length));
    else for (let row = 0; row < this.height; row++) this.pixels.set(frame.subarray(row * stride, row * stride + this.stride), row * this.stride);
    this.damage();
  }

  /** A new framebuffer size; the buffer is replaced by a zeroed one, so draw again and damage it. */
  resize(width: number, height: number): void {
    checkFramebufferSize(width, height);
    if (width === this.width && height === this.height) return;
    this.size = { width, height };
    this.pixels = Buffer.alloc(width * height * bytesPerPixel(this.format));
    this.notify({ kind: 'resize' });
  }

  /**
   * Moves a block of pixels inside the buffer (e.g. scrolling) and lets viewers
   * that support CopyRect do the same instead of receiving the pixels again.
   */
  copy(srcX: number, srcY: number, dstX: number, dstY: number, width: number, height: number): void {
    const source = { x: srcX, y: srcY, w: width, h: height };
    const target = { x: dstX, y: dstY, w: width, h: height };
    checkMove(source, target, this.width, this.height, 'framebuffer');
    this.notify({ kind: 'copy', source, target });
    moveRect(this.pixels, this.stride, bytesPerPixel(this.format), source, target);
  }


  bell(): void {
    this.notify({ kind: 'bell' });
  }

  /** Puts text on every viewer's clipboard. */
  setClipboard(text: string): void {
    this.notify({ kind: 'clipboard', text });
  }

  get name(): string {
    return this.desktopName;
  }

  /** Renames the desktop; viewers that support DesktopName show the new name. */
  setName(name: string): void {
    this.desktopName = name;
    this.notify({ kind: 'name' });
  }

  get cursor(): CursorImage | undefined {
    return this.cursorImage;
  }

  /**
   * The pointer's shape, drawn by viewers locally (no round trip) when they
   * support it. Until this is called, each viewer shows its own pointer;
   * `'hidden'` hides it (for machines that draw their own pointer).
   */
  setCursor(cursor: CursorImage | 'hidden'): void {
    if (cursor !== 'hidden') checkCursor(cursor);
    this.cursorImage = cursor === 'hidden' ? HIDDEN_CURSOR : cursor;
    this.notify({ kind: 'cursor' });
  }

  get leds(): LedState | undefined {
    return this.ledState;
  }

  /** The keyboard LEDs of the emulated machine, shown by viewers that support QEMU's LED state. */
  setLeds(leds: LedState): void {
    this.ledState = leds;
    this.notify({ kind: 'leds' });
  }

  get relativePointer(): boolean {
    return this.relative;
  }

  /**
   * Asks viewers for relative pointer motion (an emulated mouse without absolute
   * coordinates) or absolute positions (the default). Viewers that support QEMU's
   * pointer-motion change then send movements, delivered as relative PointerInput.
   */
  setRelativePointer(relative: boolean): void {
    this.relative = relative;
    this.notify({ kind: 'pointer-mode' });
  }

  /** For servers: follow this display. Returns the function that stops following. */
  observe(observer: DisplayObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  private notify(change: DisplayChange): void {
    for (const observer of this.observers) observer(change);
  }
}
