import { DirtyMap } from './framebuffer/dirty-map';
import { clipRect, type Rect } from './framebuffer/rect';
import type { DesktopSizeReason, DesktopSizeStatus } from './protocol/constants';

/** A CopyRect the client has not been sent yet. */
export interface PendingCopy {
  readonly source: Rect;
  readonly target: Rect;
}


/** Pseudo-rectangles: news for the client that is not pixels. */
export type PseudoUpdate =
  | { readonly kind: 'cursor' | 'leds' | 'name' | 'pointer-mode' | 'qemu-key-ack' }
  /** ExtendedDesktopSize: the screen layout, why it is sent, and the answer to a SetDesktopSize. */
  | { readonly kind: 'layout'; readonly reason: DesktopSizeReason; readonly status: DesktopSizeStatus };

/** What one FramebufferUpdate will carry. */
export type UpdatePlan =
  | { readonly kind: 'resize'; readonly width: number; readonly height: number; readonly reason: DesktopSizeReason }
  | {
      readonly kind: 'pixels';
      readonly pseudo: readonly PseudoUpdate[];
      readonly copies: readonly PendingCopy[];
      readonly rects: readonly Rect[];
    };

/** Past this many queued copies they stop being worth it: the area is sent as pixels instead. */
const MAX_PENDING_COPIES = 16;

/**
 * What a client has not been sent yet, and whether it may be sent now.
 * RFB is pull-based: nothing is sent until the client requests (or enables
 * continuous updates), and between requests changes only accumulate here, in
 * bounded form (a tile map, a few copies, a few kinds of news), however long
 * the client takes.
 */
export class ClientUpdates {
  private readonly dirty: DirtyMap;
  private copies: PendingCopy[] = [];
  private pseudo: PseudoUpdate[] = [];
  private requested: Rect | undefined;
  private continuous: Rect | undefined;
  private resizeReason: DesktopSizeReason | undefined;

  constructor(
    private width: number,
    private height: number,
    /** Whether the client asked for CopyRect; without it copies become dirty pixels. */
    public copyRect = false,
  ) {
    this.dirty = new DirtyMap(width, height);
  }

  /** A FramebufferUpdateRequest: non-incremental means "send all of this area", incremental "send what changes". */
  request(incremental: boolean, area: Rect): void {
    // With continuous updates on, changes flow anyway; only "send it all again" means something.
    if (incremental && this.continuous) return;
    const clipped = clipRect(area, this.width, this.height);
    if (!incremental && clipped) this.dirty.mark(clipped.x, clipped.y, clipped.w, clipped.h);
    // Zero-size requests are harmless: they ask for nothing but still keep updates flowing.
    this.requested = clipped ?? { x: 0, y: 0, w: 0, h: 0 };
  }

  /** Continuous updates: send changes in `area` as they happen, without requests; `undefined` stops. */
  setContinuous(area: Rect | undefined): void {
    this.continuous = area;
  }

  get isContinuous(): boolean {
    return this.continuous !== undefined;
  }

  markDirty(rects: readonly Rect[]): void {
    for (const r of rects) this.dirty.mark(r.x, r.y, r.w, r.h);
  }

  markAllDirty(): void {
    this.dirty.markAll();
  }

  /** News that is not pixels; the same kind queued twice is sent once (layout replies are each kept). */
  addPseudo(update: PseudoUpdate): void {
    if (update.kind !== 'layout' && this.pseudo.some((queued) => queued.kind === update.kind)) return;
    this.pseudo.push(update);
  }

  /**
   * The display moved pixels. A client that can copy gets a CopyRect; the parts
   * of the source it had not been sent yet are stale at the target after the
   * copy, so they are sent there as pixels too (as the tiles move, so do they).
   */
  copy(source: Rect, target: Rect): void {
    if (!this.copyRect || this.copies.length >= MAX_PENDING_COPIES) {
      this.dirty.mark(target.x, target.y, target.w, target.h);
      return;
    }
    this.copies.push({ source, target });
    this.dirty.markShifted(source, target.x - source.x, target.y - source.y);
  }

  /**
   * The framebuffer changed size: pending copies are void and the client is told
   * the new size first. Its outstanding request stays: it answers with the resize.
   */
  resize(width: number, height: number, reason: DesktopSizeReason): void {
    this.width = width;
    this.height = height;
    this.dirty.resize(width, height);
    this.copies = [];
    this.pseudo = this.pseudo.filter((update) => update.kind !== 'layout');
    if (this.continuous) this.continuous = { x: 0, y: 0, w: width, h: height };
    this.resizeReason = reason;
  }

  /** The next update to send, if the client may be sent one and there is something to send; it is taken. */
  take(): UpdatePlan | undefined {
    const area = this.requested ?? this.continuous;
    if (area === undefined) return undefined;
    if (this.resizeReason !== undefined) {
      const reason = this.resizeReason;
      this.resizeReason = undefined;
      this.requested = undefined;
      this.dirty.markAll();
      return { kind: 'resize', width: this.width, height: this.height, reason };
    }
    const within = clipRect(area, this.width, this.height);
    const rects = within ? this.dirty.takeWithin(within) : [];
    if (rects.length === 0 && this.copies.length === 0 && this.pseudo.length === 0) return undefined;
    const plan: UpdatePlan = { kind: 'pixels', pseudo: this.pseudo, copies: this.copies, rects };
    this.pseudo = [];
    this.copies = [];
    this.requested = undefined;
    return plan;
  }
}
