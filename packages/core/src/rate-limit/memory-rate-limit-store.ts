import type { RateLimitHit, RateLimitStore, RateLimitVerdict } from './rate-limit-store.js';

interface Log {
  /** Times of allowed hits, oldest first; those before `start` have left the window. */
  times: number[];
  /** Index of the oldest hit still inside the window. */
  start: number;
  newest: number;
  windowMs: number;
}

export interface MemoryRateLimitStoreOptions {
  /** How often idle keys are swept, in the store's clock (default 60 s). */
  readonly sweepIntervalMs?: number;
  /** Most keys kept; past it the oldest keys are dropped (default 100,000). */
  readonly maxKeys?: number;
}

const ALLOWED: RateLimitVerdict = Object.freeze({ allowed: true, retryAfterMs: 0 });

/**
 * In-process sliding-window log: exact (never more than `limit` hits in any
 * window, no fixed-window boundary burst), amortized O(1) per hit, memory
 * proportional to the hits actually in the window (at most `limit`
 * timestamps per key; expired ones are dropped as hits arrive).
 * Keys idle for longer than their window are swept lazily as time passes.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #logs = new Map<string, Log>();
  readonly #sweepIntervalMs: number;
  readonly #maxKeys: number;
  #lastSweep = -Infinity;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  /** Number of keys currently held. */
  get size(): number {
    return this.#logs.size;
  }

  hit({ key, limit, windowMs, now }: RateLimitHit): RateLimitVerdict {
    if (now - this.#lastSweep >= this.#sweepIntervalMs) this.sweep(now);

    let log = this.#logs.get(key);
    if (log === undefined) {
      if (this.#logs.size >= this.#maxKeys) this.#evict(now);
      log = { times: [], start: 0, newest: now, windowMs };
      this.#logs.set(key, log);
    }
    // A clock that steps back must not reopen a full window.
    const at = Math.max(now, log.newest);
    log.windowMs = windowMs;
    // Hits that left the window (t - window, t] no longer count.
    const horizon = at - windowMs;
    while (log.start < log.times.length && (log.times[log.start] as number) <= horizon) log.start++;
    // A rule whose limit went down under the same key counts only its newest hits.
    if (log.times.length - log.start > limit) log.start = log.times.length - limit;
    // Expired entries are dropped in batches: amortized O(1), memory bounded by the hits in the window.
    if (log.start > 64 && log.start * 2 >= log.times.length) {
      log.times = log.times.slice(log.start);
      log.start = 0;
    }

    if (log.times.length - log.start >= limit) {
      return { allowed: false, retryAfterMs: Math.max(1, Math.ceil((log.times[log.start] as number) + windowMs - at)) };
    }
    log.times.push(at);
    log.newest = at;
    return ALLOWED;
  }

  /** Drops keys with no hit inside their window. Runs on its own as time passes. */
  sweep(now: number): void {
    this.#lastSweep = now;
    for (const [key, log] of this.#logs) {
      if (log.newest <= now - log.windowMs) this.#logs.delete(key);
    }
  }

  #evict(now: number): void {
    this.sweep(now);
    // Still full: drop the oldest keys (Map iteration is insertion order).
    const excess = this.#logs.size - this.#maxKeys + 1;
    let dropped = 0;
    for (const key of this.#logs.keys()) {
      if (dropped++ >= excess) break;
      this.#logs.delete(key);
    }
  }
}
