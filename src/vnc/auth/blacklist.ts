/**
 * Brute-force protection per address, with TigerVNC's figures: after five
 * failed authentications an address is blocked for 10 s, the block doubling
 * with every further failure; a success clears the record. Bounded: at most
 * `maxEntries` addresses are remembered, the oldest forgotten first.
 */
export class AuthBlacklist {
  private readonly entries = new Map<string, { failures: number; blockedUntil: number; blockMs: number }>();

  constructor(
    private readonly options: {
      readonly threshold?: number;
      readonly initialBlockMs?: number;
      readonly maxEntries?: number;
      readonly now?: () => number;
    } = {},
  ) {}

  /** Milliseconds this address must still wait, or 0. */
  blockedFor(address: string): number {
    const entry = this.entries.get(address);
    if (!entry) return 0;
    return Math.max(0, entry.blockedUntil - this.now());
  }

  failed(address: string): void {
    const threshold = this.options.threshold ?? 5;
    const initial = this.options.initialBlockMs ?? 10_000;
    const entry = this.entries.get(address) ?? { failures: 0, blockedUntil: 0, blockMs: 0 };
    entry.failures++;
    if (entry.failures >= threshold) {
      entry.blockMs = entry.blockMs === 0 ? initial : entry.blockMs * 2;
      entry.blockedUntil = this.now() + entry.blockMs;
    }
    this.entries.delete(address); // re-inserted last: Map order is the age order
    this.entries.set(address, entry);
    const max = this.options.maxEntries ?? 10_000;
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= max) break;
      this.entries.delete(oldest);
    }
  }

  succeeded(address: string): void {
    this.entries.delete(address);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
