/** One request to count against a limit. */
export interface RateLimitHit {
  /** Counter key: rule identity plus the key value (client, session, header…). */
  readonly key: string;
  /** Requests allowed in any window of `windowMs`. */
  readonly limit: number;
  readonly windowMs: number;
  /** Current time in milliseconds (epoch or any clock shared by all callers of the store). */
  readonly now: number;
}

/** The store's answer: whether the hit was counted, and when to retry if not. */
export interface RateLimitVerdict {
  readonly allowed: boolean;
  /** Milliseconds until a request under this key would be allowed (0 when allowed). */
  readonly retryAfterMs: number;
}

/**
 * Where rate-limit counters live. Counters live outside policy generations:
 * one store serves every generation of a {@link PolicyHandle}, so a reload
 * that keeps a rule's name, limit, window and key keeps its counts.
 *
 * A store counts a hit only when it is allowed (refused requests use no
 * quota) and must never let more than `limit` allowed hits into any
 * interval `(t - windowMs, t]` (a sliding window: no fixed-window boundary
 * burst); it may refuse a little early, never late. Async stores (Redis)
 * return a Promise.
 */
export interface RateLimitStore {
  hit(hit: RateLimitHit): RateLimitVerdict | Promise<RateLimitVerdict>;
}
