import type { RateLimitHit, RateLimitStore, RateLimitVerdict } from './rate-limit-store.js';

interface Log {
  /** Ring of the most recent allowed hit times, at most `limit` long. */
  readonly times: number[];
  /** Index of the oldest entry once the ring is full. */
  head: number;
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
 * window, no fixed-window boundary burst), O(1) per hit, memory proportional
 * to the hits actually in the window (at most `limit` timestamps per key).
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
      log = { times: [], head: 0, newest: now, windowMs };
      this.#logs.set(key, log);
    }
    // A clock that steps back must not reopen a full window.
    const at = Math.max(now, log.newest);
    log.windowMs = windowMs;

    if (log.times.length < limit) {
      if (log.head !== 0) this.#unroll(log);
      log.times.push(at);
    } else {
      if (log.times.length > limit) this.#shrink(log, limit);
      const oldest = log.times[log.head] as number;
      if (oldest > at - windowMs) return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(oldest + windowMs - at)) };
      log.times[log.head] = at;
      log.head = (log.head + 1) % limit;
    }
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

  /** Puts the ring in time order (oldest first) so it can grow. */
  #unroll(log: Log): void {
    const ordered = [...log.times.slice(log.head), ...log.times.slice(0, log.head)];
    log.times.length = 0;
    log.times.push(...ordered);
    log.head = 0;
  }

  /** A rule's limit went down under the same key: keep only the newest entries. */
  #shrink(log: Log, limit: number): void {
    this.#unroll(log);
    log.times.splice(0, log.times.length - limit);
  }
}
