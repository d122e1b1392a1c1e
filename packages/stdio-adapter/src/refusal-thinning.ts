/** Events of one kind written per second before a flood is thinned. */
const PER_SECOND = 10;

interface Bucket<E> {
  tokens: number;
  at: number;
  /** Events left out since the last one written, and the newest of them (written when the flood ends). */
  suppressed: number;
  latest: E | null;
  timer: NodeJS.Timeout | null;
}

/**
 * Thins a flood of audit events of one family, per reason: at most
 * {@link PER_SECOND} a second each (a token bucket); the next one written
 * after a gap — or the newest one left out, a second after the flood —
 * carries `suppressed`, the count of those left out. (The same rule as
 * `@mcpgw/express`'s `request_refused` events.)
 */
export class EventThinning<E extends object> {
  readonly #write: (event: E & { suppressed?: number }) => void;
  readonly #buckets = new Map<string, Bucket<E>>();

  constructor(write: (event: E & { suppressed?: number }) => void) {
    this.#write = write;
  }

  offer(reason: string, event: E): void {
    let bucket = this.#buckets.get(reason);
    if (bucket === undefined) this.#buckets.set(reason, (bucket = { tokens: PER_SECOND, at: performance.now(), suppressed: 0, latest: null, timer: null }));
    const now = performance.now();
    bucket.tokens = Math.min(PER_SECOND, bucket.tokens + ((now - bucket.at) / 1000) * PER_SECOND);
    bucket.at = now;
    if (bucket.tokens < 1) {
      bucket.suppressed++;
      bucket.latest = event;
      bucket.timer ??= setTimeout(() => this.#flush(reason), 1000).unref();
      return;
    }
    bucket.tokens--;
    this.#emit(bucket, event);
  }

  /** Writes what a flood left out, now (at the end). */
  flush(): void {
    for (const reason of this.#buckets.keys()) this.#flush(reason);
  }

  #flush(reason: string): void {
    const bucket = this.#buckets.get(reason);
    if (bucket === undefined) return;
    if (bucket.timer !== null) clearTimeout(bucket.timer);
    bucket.timer = null;
    const latest = bucket.latest;
    if (latest === null) return;
    // The newest one left out is written itself; it counts the others.
    bucket.suppressed--;
    this.#emit(bucket, latest);
  }

  #emit(bucket: Bucket<E>, event: E): void {
    const suppressed = bucket.suppressed;
    bucket.suppressed = 0;
    bucket.latest = null;
    this.#write(suppressed > 0 ? { ...event, suppressed } : event);
  }
}
