/**
 * Counts failed attempts per key in a sliding window, in memory. One API process keeps its own counts:
 * behind several API instances each one limits on its own (the per-account lockout in the database still
 * holds across all of them).
 */
export class AttemptLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    readonly maxFailures: number,
    readonly windowMs: number,
    /** keys kept at most, so a flood of distinct keys cannot exhaust memory */
    readonly maxKeys = 100_000,
  ) {}

  /** Milliseconds until `key` may try again, or 0 when it may now. */
  retryAfterMs(key: string, now = Date.now()): number {
    const recent = this.recent(key, now);
    if (recent.length < this.maxFailures) return 0;
    return recent[recent.length - this.maxFailures]! + this.windowMs - now;
  }

  recordFailure(key: string, now = Date.now()): void {
    const recent = this.recent(key, now);
    recent.push(now);
    this.failures.delete(key);
    if (this.failures.size >= this.maxKeys) this.evictOldest();
    this.failures.set(key, recent.slice(-this.maxFailures));
  }

  reset(key?: string): void {
    if (key === undefined) this.failures.clear();
    else this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((at) => at > now - this.windowMs);
  }

  private evictOldest() {
    // Map keeps insertion order and recordFailure re-inserts: the first key is the least recently failed
    const oldest = this.failures.keys().next();
    if (!oldest.done) this.failures.delete(oldest.value);
  }
}

const FIFTEEN_MINUTES = 15 * 60 * 1000;

/** Login throttling: per client address (password spraying) and per account name (guessing one password). */
export const loginLimits = {
  byAddress: new AttemptLimiter(20, FIFTEEN_MINUTES),
  byAccount: new AttemptLimiter(5, FIFTEEN_MINUTES),
  reset() {
    this.byAddress.reset();
    this.byAccount.reset();
  },
};
