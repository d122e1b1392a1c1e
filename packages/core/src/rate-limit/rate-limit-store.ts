/** One request to count against a limit. */
export interface RateLimitHit {
  /** Counter key: rule identity plus the key value (client, session, header…). Opaque. */
  readonly key: string;
  /**
   * The key's group: the rule's counter identity (name, limit, window, key
   * kind). A group has a budget of `maxKeys` keys of its own; keys of one
   * group never take the place of keys of another.
   */
  readonly group: string;
  /** Most keys the group may hold (a rule's `max_keys`; 1 for a `global` rule). */
  readonly maxKeys: number;
  /** Requests allowed in any window of `windowMs`. */
  readonly limit: number;
  readonly windowMs: number;
  /** Current time in milliseconds (epoch or any clock shared by all callers of the store). */
  readonly now: number;
}

/**
 * Why a hit was refused, when it is not the limit: `key_budget_full` — the
 * hit's key is new and its group already holds `maxKeys` keys with hits in
 * their window.
 */
export type RateLimitRefusalReason = 'key_budget_full';

/** The store's answer: whether the hit may be counted, and when to retry if not. */
export interface RateLimitVerdict {
  readonly allowed: boolean;
  /** Milliseconds until a request under this key could be allowed (0 when allowed). */
  readonly retryAfterMs: number;
  /** Set only when the hit was refused for another reason than its limit. */
  readonly reason?: RateLimitRefusalReason;
}

/**
 * Where rate-limit counters live. Counters live outside policy generations:
 * one store serves every generation of a {@link PolicyHandle}, so a reload
 * that keeps a rule's name, limit, window and key keeps its counts.
 *
 * The contract:
 * - `hitAll` is all or nothing: each hit is judged as if the allowed hits
 *   before it in the same call were counted; if every hit is allowed, every
 *   hit is counted, otherwise none is (a refused message or batch uses no
 *   quota). A policy makes one call per message or batch.
 * - Never more than `limit` counted hits in any interval `(t - windowMs, t]`
 *   (a sliding window: no fixed-window boundary burst). A store may refuse a
 *   little early, never late; so it must never drop a key that still has
 *   hits in its window.
 * - Memory is bounded by groups: a hit whose key is new to a group that
 *   already holds `maxKeys` keys is refused (`reason: 'key_budget_full'`),
 *   never made room for by dropping a key of this or any other group. A store
 *   whose memory is bounded otherwise may ignore `maxKeys`.
 *
 * Async stores (Redis) return a Promise, and make the call one atomic step
 * (one script).
 */
export interface RateLimitStore {
  /** Judges `hits` in order and counts all of them or none; one verdict per hit, in order. */
  hitAll(hits: readonly RateLimitHit[]): RateLimitVerdict[] | Promise<RateLimitVerdict[]>;
}
