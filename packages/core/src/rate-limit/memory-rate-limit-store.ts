import type { RateLimitHit, RateLimitStore, RateLimitVerdict } from './rate-limit-store.js';

/** Exact: the time of every allowed hit still in the window (limits up to {@link EXACT_MAX_LIMIT}). */
interface Log {
  readonly kind: 'log';
  /** Times of allowed hits, oldest first; those before `start` have left the window. */
  times: number[];
  /** Index of the oldest hit still inside the window. */
  start: number;
  newest: number;
  windowMs: number;
}

/**
 * Higher limits: allowed hits counted in {@link BUCKETS} buckets per window,
 * a bucket counting until its last instant leaves the window. Never more
 * than `limit` hits in any window; a hit may be refused up to one bucket
 * (windowMs / 1000) before the exact log would allow it.
 */
interface Buckets {
  readonly kind: 'buckets';
  /** Ring of BUCKETS + 1 counts: bucket n (times in [n·bucketMs, (n+1)·bucketMs)) at n mod (BUCKETS + 1). */
  readonly counts: Float64Array;
  readonly bucketMs: number;
  /** Bucket number of the newest hit. */
  head: number;
  /** Sum of `counts`. */
  total: number;
  newest: number;
  windowMs: number;
}

type Counter = Log | Buckets;

/** Limits up to this keep one timestamp per hit (at most this many per key). */
const EXACT_MAX_LIMIT = 1000;
/** Buckets per window above {@link EXACT_MAX_LIMIT}: ~8 KiB per key whatever the limit. */
const BUCKETS = 1000;

export interface MemoryRateLimitStoreOptions {
  /** How often idle keys are swept, in the store's clock (default 60 s). */
  readonly sweepIntervalMs?: number;
  /** Most keys kept; past it the oldest keys are dropped (default 100,000). */
  readonly maxKeys?: number;
}

const ALLOWED: RateLimitVerdict = Object.freeze({ allowed: true, retryAfterMs: 0 });

/**
 * In-process sliding window: never more than `limit` allowed hits in any
 * window `(t - windowMs, t]`, no fixed-window boundary burst, amortized O(1)
 * per hit. Limits up to 1,000 are exact (a log of the allowed hits' times,
 * at most `limit` per key, expired ones dropped as hits arrive); higher limits
 * count hits in 1,000 buckets per window (about 8 KiB per key whatever the
 * limit or the traffic), which may refuse a hit up to windowMs / 1000 early
 * and never lets one too many through. Keys idle for longer than their
 * window are swept lazily as time passes.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #counters = new Map<string, Counter>();
  readonly #sweepIntervalMs: number;
  readonly #maxKeys: number;
  #lastSweep = -Infinity;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  /** Number of keys currently held. */
  get size(): number {
    return this.#counters.size;
  }

  hit({ key, limit, windowMs, now }: RateLimitHit): RateLimitVerdict {
    if (now - this.#lastSweep >= this.#sweepIntervalMs) this.sweep(now);

    const kind = limit <= EXACT_MAX_LIMIT ? 'log' : 'buckets';
    let counter = this.#counters.get(key);
    if (counter === undefined) {
      if (this.#counters.size >= this.#maxKeys) this.#evict(now);
      counter = kind === 'log' ? newLog(windowMs, now) : newBuckets(windowMs, now);
      this.#counters.set(key, counter);
    } else if (counter.kind !== kind || (counter.kind === 'buckets' && counter.windowMs !== windowMs)) {
      // The same key under another limit or window (an API caller's choice; a
      // policy's counter keys include both): carry the counts over, never fewer.
      counter = convert(counter, kind, windowMs);
      this.#counters.set(key, counter);
    }
    // A clock that steps back must not reopen a full window.
    const at = Math.max(now, counter.newest);
    return counter.kind === 'log' ? hitLog(counter, limit, windowMs, at) : hitBuckets(counter, limit, at);
  }

  /** Drops keys with no hit inside their window. Runs on its own as time passes. */
  sweep(now: number): void {
    this.#lastSweep = now;
    for (const [key, counter] of this.#counters) {
      if (counter.newest <= now - counter.windowMs) this.#counters.delete(key);
    }
  }

  #evict(now: number): void {
    this.sweep(now);
    // Still full: drop the oldest keys (Map iteration is insertion order).
    const excess = this.#counters.size - this.#maxKeys + 1;
    let dropped = 0;
    for (const key of this.#counters.keys()) {
      if (dropped++ >= excess) break;
      this.#counters.delete(key);
    }
  }
}

const newLog = (windowMs: number, now: number): Log => ({ kind: 'log', times: [], start: 0, newest: now, windowMs });

const newBuckets = (windowMs: number, now: number): Buckets => {
  const bucketMs = windowMs / BUCKETS;
  return { kind: 'buckets', counts: new Float64Array(BUCKETS + 1), bucketMs, head: Math.floor(now / bucketMs), total: 0, newest: now, windowMs };
};

function hitLog(log: Log, limit: number, windowMs: number, at: number): RateLimitVerdict {
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

function hitBuckets(b: Buckets, limit: number, at: number): RateLimitVerdict {
  const ring = b.counts.length;
  const bucket = Math.floor(at / b.bucketMs);
  // Buckets from head + 1 to `bucket` start empty; their slots held buckets that left the window.
  if (bucket - b.head >= ring) {
    b.counts.fill(0);
    b.total = 0;
  } else {
    for (let n = b.head + 1; n <= bucket; n++) {
      const slot = slotOf(n, ring);
      b.total -= b.counts[slot] as number;
      b.counts[slot] = 0;
    }
  }
  if (bucket > b.head) b.head = bucket;

  if (b.total >= limit) {
    // The oldest buckets leave the window one by one (bucket n when (n+1)·bucketMs + windowMs is reached).
    let remaining = b.total;
    for (let n = bucket - ring + 1; n <= bucket; n++) {
      remaining -= b.counts[slotOf(n, ring)] as number;
      if (remaining < limit) return { allowed: false, retryAfterMs: Math.max(1, Math.ceil((n + 1) * b.bucketMs + b.windowMs - at)) };
    }
    return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(b.windowMs)) };
  }
  const slot = slotOf(bucket, ring);
  b.counts[slot] = (b.counts[slot] as number) + 1;
  b.total++;
  b.newest = at;
  return ALLOWED;
}

/** Where bucket `n` lives in a ring of `ring` slots (bucket numbers may be negative: clocks are any numbers). */
const slotOf = (n: number, ring: number): number => ((n % ring) + ring) % ring;

/** The same hits under the other representation, each counted no earlier than it happened. */
function convert(counter: Counter, kind: Counter['kind'], windowMs: number): Counter {
  // (time, count) pairs, oldest first; a bucket's hits are placed at its end (or the newest hit, if sooner).
  const hits: Array<[number, number]> = [];
  if (counter.kind === 'log') {
    for (let i = counter.start; i < counter.times.length; i++) hits.push([counter.times[i] as number, 1]);
  } else {
    const ring = counter.counts.length;
    for (let n = counter.head - ring + 1; n <= counter.head; n++) {
      const count = counter.counts[slotOf(n, ring)] as number;
      if (count > 0) hits.push([Math.min((n + 1) * counter.bucketMs, counter.newest), count]);
    }
  }
  if (kind === 'log') {
    const log = newLog(windowMs, counter.newest);
    for (const [time, count] of hits) for (let i = 0; i < count; i++) log.times.push(time);
    return log;
  }
  const buckets = newBuckets(windowMs, counter.newest);
  for (const [time, count] of hits) {
    const n = Math.floor(time / buckets.bucketMs);
    if (n <= buckets.head - buckets.counts.length) continue; // already out of any window ending now or later
    const slot = slotOf(n, buckets.counts.length);
    buckets.counts[slot] = (buckets.counts[slot] as number) + count;
    buckets.total += count;
  }
  return buckets;
}
