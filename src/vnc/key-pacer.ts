import type { KeyInput } from './display';

/** Key events one client may have waiting (QEMU's key-delay-ms queue is bounded too). */
export const MAX_PENDING_KEYS = 1024;

/**
 * QEMU's key-delay-ms: one client's key events reach the display in order and
 * no closer together than `delayMs`, for guests that lose keys typed too fast.
 * With a delay of 0 each event is delivered at once. Beyond MAX_PENDING_KEYS
 * waiting events, new ones are dropped; `overflow` hears of the first drop of
 * each burst.
 */
export class KeyPacer {
  private readonly pending: KeyInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** When the last event was delivered, on the `now` clock. */
  private last = -Infinity;
  private dropping = false;

  constructor(
    private readonly delayMs: number,
    private readonly deliver: (key: KeyInput) => void,
    private readonly overflow: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(key: KeyInput): void {
    if (this.delayMs <= 0) return this.deliver(key);
    if (this.pending.length >= MAX_PENDING_KEYS) {
      if (!this.dropping) this.overflow();
      this.dropping = true;
      return;
    }
    this.pending.push(key);
    this.pump();
  }

  /** Delivers what is still waiting at once (a closing client must not leave a key held down). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (let key = this.pending.shift(); key !== undefined; key = this.pending.shift()) this.deliver(key);
  }

  private pump(): void {
    if (this.timer !== undefined) return;
    for (let key = this.pending[0]; key !== undefined; key = this.pending[0]) {
      // Timers may fire a little early: the clock decides, not the timer.
      const wait = this.last + this.delayMs - this.now();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.ceil(wait));
        return;
      }
      this.pending.shift();
      this.deliver(key);
      // Measured after the delivery, so a slow listener cannot bring the next event closer.
      this.last = this.now();
    }
    this.dropping = false;
  }
}
