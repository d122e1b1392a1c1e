import { describe, expect, it } from 'vitest';
import { MemoryRateLimitStore } from '../../src/index.js';

const hit = (store: MemoryRateLimitStore, now: number, key = 'k', limit = 3, windowMs = 1_000) =>
  store.hit({ key, group: 'g', maxKeys: 100_000, limit, windowMs, now });

describe('MemoryRateLimitStore (sliding window log)', () => {
  it('allows limit hits, refuses the next with the time until the oldest leaves the window', () => {
    const store = new MemoryRateLimitStore();
    expect(hit(store, 0).allowed).toBe(true);
    expect(hit(store, 100).allowed).toBe(true);
    expect(hit(store, 200).allowed).toBe(true);
    expect(hit(store, 300)).toEqual({ allowed: false, retryAfterMs: 700 });
  });

  it('counts hits in (now - window, now]: a hit exactly one window old no longer counts', () => {
    const store = new MemoryRateLimitStore();
    for (const t of [0, 0, 0]) hit(store, t);
    expect(hit(store, 999)).toEqual({ allowed: false, retryAfterMs: 1 });
    expect(hit(store, 1_000).allowed).toBe(true);
    expect(hit(store, 1_000).allowed).toBe(true);
    expect(hit(store, 1_000).allowed).toBe(true);
    expect(hit(store, 1_000).allowed).toBe(false);
  });

  it('does not let 2x through around a fixed-window boundary', () => {
    // A fixed window would allow 3 at t=999 and 3 more at t=1000.
    const store = new MemoryRateLimitStore();
    const allowed = [999, 999, 999, 1_000, 1_000, 1_000, 1_500, 1_998].filter((t) => hit(store, t).allowed);
    expect(allowed).toEqual([999, 999, 999]);
    expect(hit(store, 1_999).allowed).toBe(true);
  });

  it('never allows more than limit in any window under random traffic (checked against a brute-force log)', () => {
    const store = new MemoryRateLimitStore();
    const limit = 5;
    const windowMs = 1_000;
    const allowed: number[] = [];
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let t = 0;
    for (let i = 0; i < 5_000; i++) {
      t += Math.floor(random() * 150);
      const inWindow = allowed.filter((a) => a > t - windowMs).length;
      const verdict = hit(store, t, 'k', limit, windowMs);
      // Exact: allowed if and only if fewer than limit allowed hits are in the window.
      expect(verdict.allowed).toBe(inWindow < limit);
      if (verdict.allowed) allowed.push(t);
      else expect(t + verdict.retryAfterMs).toBe((allowed.filter((a) => a > t - windowMs)[0] as number) + windowMs);
    }
    expect(allowed.length).toBeGreaterThan(100);
  });

  it('keeps keys apart', () => {
    const store = new MemoryRateLimitStore();
    hit(store, 0, 'a', 1);
    expect(hit(store, 0, 'a', 1).allowed).toBe(false);
    expect(hit(store, 0, 'b', 1).allowed).toBe(true);
  });

  it('does not reopen a full window when the clock steps back', () => {
    const store = new MemoryRateLimitStore();
    hit(store, 10_000, 'k', 1);
    expect(hit(store, 5_000, 'k', 1).allowed).toBe(false);
  });

  it('expires idle keys as time passes', () => {
    const store = new MemoryRateLimitStore({ sweepIntervalMs: 1_000 });
    for (let i = 0; i < 100; i++) hit(store, 0, `client-${i}`, 10, 500);
    expect(store.size).toBe(100);
    hit(store, 400, 'fresh', 10, 500);
    expect(store.size).toBe(101);
    // 1000 ms later the sweep runs; only keys with a hit inside their window remain.
    hit(store, 1_000, 'late', 10, 5_000);
    expect(store.size).toBe(1);
  });
});

/** How many of the ascending `times` are after `since` (from the end: the window is at the end). */
function countAfter(times: readonly number[], since: number): number {
  let first = times.length;
  while (first > 0 && (times[first - 1] as number) > since) first--;
  return times.length - first;
}

describe('MemoryRateLimitStore above 1,000 per window (1,000 buckets per window)', () => {
  it('never allows more than limit in any window, and refuses at most one bucket early (checked against a brute-force log)', () => {
    const store = new MemoryRateLimitStore();
    const limit = 1_500;
    const windowMs = 2_000;
    const bucketMs = windowMs / 1_000;
    const allowed: number[] = [];
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let t = 5;
    let refused = 0;
    for (let i = 0; i < 30_000; i++) {
      // Bursts (many hits at one instant) and gaps, fractional times included.
      t += random() < 0.7 ? 0 : random() * 3;
      const verdict = hit(store, t, 'k', limit, windowMs);
      const inWindow = countAfter(allowed, t - windowMs);
      const inWindowOrOneBucketMore = countAfter(allowed, t - windowMs - bucketMs);
      if (verdict.allowed) {
        expect(inWindow).toBeLessThan(limit);
        allowed.push(t);
      } else {
        refused++;
        // Refused: the window holds the limit, or would within one bucket more.
        expect(inWindowOrOneBucketMore).toBeGreaterThanOrEqual(limit);
        expect(verdict.retryAfterMs).toBeGreaterThanOrEqual(1);
        expect(verdict.retryAfterMs).toBeLessThanOrEqual(windowMs + bucketMs + 1);
      }
    }
    expect(refused).toBeGreaterThan(1_000);
    expect(allowed.length).toBeGreaterThan(5_000);
  });

  it('says when to retry: when the bucket of the hit that must leave has left', () => {
    const store = new MemoryRateLimitStore();
    for (let i = 0; i < 2_000; i++) expect(hit(store, 0, 'k', 2_000, 1_000).allowed).toBe(true);
    // The hits of bucket [0, 1) count until 1 + 1000.
    expect(hit(store, 500, 'k', 2_000, 1_000)).toEqual({ allowed: false, retryAfterMs: 501 });
    expect(hit(store, 1_000, 'k', 2_000, 1_000).allowed).toBe(false);
    expect(hit(store, 1_001, 'k', 2_000, 1_000).allowed).toBe(true);
  });

  it('carries the counts over when the same key changes limit or window', () => {
    const store = new MemoryRateLimitStore();
    for (let i = 0; i < 500; i++) hit(store, i, 'k', 500, 10_000);
    expect(hit(store, 600, 'k', 500, 10_000).allowed).toBe(false);
    // Above 1,000: the 500 hits still count.
    let allowed = 0;
    for (let i = 0; i < 6_000; i++) if (hit(store, 700, 'k', 5_000, 10_000).allowed) allowed++;
    expect(allowed).toBe(4_500);
    // Another window: still 5,000 counted.
    expect(hit(store, 800, 'k', 5_000, 20_000).allowed).toBe(false);
    // Back to a low limit: far over it.
    expect(hit(store, 900, 'k', 500, 10_000).allowed).toBe(false);
    // Once the window has passed, all of them have left.
    expect(hit(store, 20_701, 'k', 500, 10_000).allowed).toBe(true);
  });
});
