/** Exact: the time of every counted hit still in the window (limits up to {@link EXACT_MAX_LIMIT}). */
interface Log {
  readonly kind: 'log';
  /** Times of counted hits, oldest first; those before `start` have left the window. */
  times: number[];
  /** Index of the oldest hit still inside the window. */
  start: number;
  /** Time of the newest counted hit. */
  newest: number;
  windowMs: number;
}

/**
 * Higher limits: counted hits in {@link BUCKETS} buckets per window, a
 * bucket counting until its last instant leaves the window. Never more
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

/** The counted hits of one key, in a sliding window. */
export type Counter = Log | Buckets;

/** Limits up to this keep one timestamp per hit (at most this many per key). */
const EXACT_MAX_LIMIT = 1000;
/** Buckets per window above {@link EXACT_MAX_LIMIT}: ~8 KiB per key whatever the limit. */
const BUCKETS = 1000;

const kindFor = (limit: number): Counter['kind'] => (limit <= EXACT_MAX_LIMIT ? 'log' : 'buckets');

/** An empty counter for a key under this limit and window. */
export function createCounter(limit: number, windowMs: number, now: number): Counter {
  return kindFor(limit) === 'log' ? newLog(windowMs, now) : newBuckets(windowMs, now);
}

/**
 * The counter in the representation this limit and window need: `counter`
 * itself, or its hits carried over (never fewer) when the same key comes
 * under another limit or window (an API caller's choice; a policy's counter
 * keys include both).
 */
export function fitCounter(counter: Counter, limit: number, windowMs: number): Counter {
  const kind = kindFor(limit);
  if (counter.kind !== kind || (counter.kind === 'buckets' && counter.windowMs !== windowMs)) return convert(counter, kind, windowMs);
  return counter;
}

/** Whether the counter has a counted hit inside its window ending at `at`. */
export const isLive = (counter: Counter, at: number): boolean => counter.newest > at - counter.windowMs;

/**
 * 0 when one more hit at `at` fits under `limit`, `pending` hits at `at`
 * already granted to it; else the milliseconds until one would. Hits that
 * left the window are dropped on the way.
 */
export function retryAfter(counter: Counter, limit: number, windowMs: number, at: number, pending: number): number {
  return counter.kind === 'log' ? retryLog(counter, limit, windowMs, at, pending) : retryBuckets(counter, limit, at, pending);
}

/** Counts one hit at `at` (or at the newest hit, if later: a clock that steps back must not reopen a full window). */
export function addHit(counter: Counter, at: number): void {
  const time = Math.max(at, counter.newest);
  if (counter.kind === 'log') {
    counter.times.push(time);
  } else {
    advance(counter, time);
    const slot = slotOf(Math.floor(time / counter.bucketMs), counter.counts.length);
    counter.counts[slot] = (counter.counts[slot] as number) + 1;
    counter.total++;
  }
  counter.newest = time;
}

const newLog = (windowMs: number, now: number): Log => ({ kind: 'log', times: [], start: 0, newest: now, windowMs });

const newBuckets = (windowMs: number, now: number): Buckets => {
  const bucketMs = windowMs / BUCKETS;
  return { kind: 'buckets', counts: new Float64Array(BUCKETS + 1), bucketMs, head: Math.floor(now / bucketMs), total: 0, newest: now, windowMs };
};

function retryLog(log: Log, limit: number, windowMs: number, at: number, pending: number): number {
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
  const held = log.times.length - log.start;
  if (held + pending < limit) return 0;
  // The hit that must leave first; the pending ones are at `at` and leave last.
  const leaving = held + pending - limit;
  const leaves = leaving < held ? (log.times[log.start + leaving] as number) + windowMs : at + windowMs;
  return Math.max(1, Math.ceil(leaves - at));
}

function retryBuckets(b: Buckets, limit: number, at: number, pending: number): number {
  advance(b, at);
  if (b.total + pending < limit) return 0;
  // The oldest buckets leave the window one by one (bucket n when (n+1)·bucketMs + windowMs is reached).
  const ring = b.counts.length;
  const bucket = Math.floor(at / b.bucketMs);
  let remaining = b.total + pending;
  for (let n = bucket - ring + 1; n <= bucket; n++) {
    remaining -= (b.counts[slotOf(n, ring)] as number) + (n === bucket ? pending : 0);
    if (remaining < limit) return Math.max(1, Math.ceil((n + 1) * b.bucketMs + b.windowMs - at));
  }
  return Math.max(1, Math.ceil(b.windowMs));
}

/** Moves the ring to the bucket of `at`: buckets from head + 1 on start empty (their slots held buckets that left). */
function advance(b: Buckets, at: number): void {
  const ring = b.counts.length;
  const bucket = Math.floor(at / b.bucketMs);
  if (bucket <= b.head) return;
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
  b.head = bucket;
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
