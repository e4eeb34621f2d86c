import { describe, expect, it } from 'vitest';
import { AttemptLimiter } from '@vigie/api/auth';

describe('AttemptLimiter', () => {
  it('allows maxFailures failures in the window, then asks to wait until the oldest one expires', () => {
    const limiter = new AttemptLimiter(3, 60_000);
    for (const at of [0, 10_000, 20_000]) {
      expect(limiter.retryAfterMs('ip:1', at)).toBe(0);
      limiter.recordFailure('ip:1', at);
    }
    expect(limiter.retryAfterMs('ip:1', 30_000)).toBe(30_000);
    expect(limiter.retryAfterMs('ip:2', 30_000)).toBe(0);
    expect(limiter.retryAfterMs('ip:1', 60_001)).toBe(0);
  });

  it('forgets a key on reset (a successful login clears the account count)', () => {
    const limiter = new AttemptLimiter(1, 60_000);
    limiter.recordFailure('account:a', 0);
    expect(limiter.retryAfterMs('account:a', 1)).toBeGreaterThan(0);
    limiter.reset('account:a');
    expect(limiter.retryAfterMs('account:a', 1)).toBe(0);
  });

  it('keeps a bounded number of keys under a flood of distinct addresses', () => {
    const limiter = new AttemptLimiter(2, 60_000, 100);
    for (let i = 0; i < 10_000; i++) limiter.recordFailure(`ip:${i}`, 0);
    expect(limiter.retryAfterMs('ip:9999', 1)).toBe(0);
    limiter.recordFailure('ip:9999', 1);
    expect(limiter.retryAfterMs('ip:9999', 2)).toBeGreaterThan(0);
    expect(limiter.retryAfterMs('ip:0', 2)).toBe(0); // evicted
  });
});
