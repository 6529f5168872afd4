import { DirtyMap } from './framebuffer/dirty-map';
import { clipRect, type Rect } from './framebuffer/rect';

/** A CopyRect the client has not been sent yet. */
export interface PendingCopy {
  readonly source: Rect;
  readonly target: Rect;
}

/** What one FramebufferUpdate will carry. */
export type UpdatePlan =
  | { readonly kind: 'resize'; readonly width: number; readonly height: number }
  | { readonly kind: 'pixels'; readonly copies: readonly PendingCopy[]; readonly rects: readonly Rect[] };

/** Past this many queued copies they stop being worth it: the area is sent as pixels instead. */
const MAX_PENDING_COPIES = 16;

/**
 * What a client has not been sent yet, and whether it has asked for an update.
 * RFB is pull-based: nothing is sent until the client requests, and between
 * requests changes only accumulate here, in bounded form (a tile map and a
 * few copies), however long the client takes.
 */
export class ClientUpdates {
  private readonly dirty: DirtyMap;
  private copies: PendingCopy[] = [];
  private requested: Rect | undefined;
  private resizePending = false;

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
    const clipped = clipRect(area, this.width, this.height);
    if (!incremental && clipped) this.dirty.mark(clipped.x, clipped.y, clipped.w, clipped.h);
    // Zero-size requests are harmless: they ask for nothing but still keep updates flowing.
    this.requested = clipped ?? { x: 0, y: 0, w: 0, h: 0 };
  }

  markDirty(rects: readonly Rect[]): void {
    for (const r of rects) this.dirty.mark(r.x, r.y, r.w, r.h);
  }

  markAllDirty(): void {
    this.dirty.markAll();
  }

  /**
   * The display moved pixels. A client that can copy, and whose pixels at the
   * source are up to date, gets a CopyRect; otherwise the target is just dirty.
   */
  copy(source: Rect, target: Rect): void {
    if (!this.copyRect || this.copies.length >= MAX_PENDING_COPIES || this.dirty.intersects(source)) {
      this.dirty.mark(target.x, target.y, target.w, target.h);
      return;
    }
    this.copies.push({ source, target });
  }

  /**
   * The framebuffer changed size: pending copies are void and the client is told
   * the new size first. Its outstanding request stays: it answers with the resize.
   */
  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.dirty.resize(width, height);
    this.copies = [];
    this.resizePending = true;
  }

  /** The next update to send, if the client is waiting for one and there is something to send; it is taken. */
  take(): UpdatePlan | undefined {
    const area = this.requested;
    if (area === undefined) return undefined;
    if (this.resizePending) {
      this.resizePending = false;
      this.requested = undefined;
      this.dirty.markAll();
      return { kind: 'resize', width: this.width, height: this.height };
    }
    const within = clipRect(area, this.width, this.height);
    const rects = within ? this.dirty.takeWithin(within) : [];
    if (rects.length === 0 && this.copies.length === 0) return undefined;
    const copies = this.copies;
    this.copies = [];
    this.requested = undefined;
    return { kind: 'pixels', copies, rects };
  }
}
