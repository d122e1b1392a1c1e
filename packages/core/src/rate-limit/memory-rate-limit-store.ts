import { KeyGroup } from './key-group.js';
import type { RateLimitHit, RateLimitStore, RateLimitVerdict } from './rate-limit-store.js';
import { addHit, createCounter, fitCounter, isLive, retryAfter, type Counter } from './sliding-counter.js';

export interface MemoryRateLimitStoreOptions {
  /** How often groups are swept of keys whose windows have passed, in the store's clock (default 60 s). */
  readonly sweepIntervalMs?: number;
  /**
   * An upper bound on every group's budget, whatever the hits ask for
   * (default: none; each hit's `maxKeys`, a rule's `max_keys`, applies).
   */
  readonly maxKeys?: number;
}

const ALLOWED: RateLimitVerdict = Object.freeze({ allowed: true, retryAfterMs: 0 });

/** One hit of a call that will be counted if every hit of the call is allowed. */
interface Granted {
  readonly group: string;
  readonly key: string;
  /** The counter as judged. */
  readonly counter: Counter;
  readonly limit: number;
  readonly windowMs: number;
  readonly at: number;
}

/** What a `hitAll` call would count: the granted hits, and per key and group what they add. */
class CallPlan {
  readonly granted: Granted[] = [];
  /** Hits granted per key so far in this call (made once there is more than one). */
  #perKey: Map<string, number> | null = null;
  /** Keys granted a place in their group's budget so far in this call, per group. */
  #newKeys: Map<string, number> | null = null;
  /** Counters made in this call for keys the store does not hold yet. */
  #fresh: Map<string, Counter> | null = null;

  pendingFor(key: string): number {
    if (this.#perKey !== null) return this.#perKey.get(key) ?? 0;
    const only = this.granted[0];
    return only !== undefined && only.key === key ? 1 : 0;
  }

  newKeysIn(group: string): number {
    return this.#newKeys?.get(group) ?? 0;
  }

  addNewKey(group: string): void {
    (this.#newKeys ??= new Map()).set(group, this.newKeysIn(group) + 1);
  }

  freshCounter(key: string): Counter | undefined {
    return this.#fresh?.get(key);
  }

  setFreshCounter(key: string, counter: Counter): void {
    (this.#fresh ??= new Map()).set(key, counter);
  }

  grant(granted: Granted): void {
    const only = this.granted[0];
    if (only !== undefined && this.#perKey === null) this.#perKey = new Map([[only.key, 1]]);
    this.#perKey?.set(granted.key, (this.#perKey.get(granted.key) ?? 0) + 1);
    this.granted.push(granted);
  }
}

/**
 * In-process sliding window: never more than `limit` counted hits in any
 * window `(t - windowMs, t]`, no fixed-window boundary burst, amortized O(1)
 * per hit. Limits up to 1,000 are exact (a log of the counted hits' times,
 * at most `limit` per key); higher limits count hits in 1,000 buckets per
 * window (about 8 KiB per key whatever the limit or the traffic), which may
 * refuse a hit up to windowMs / 1000 early and never lets one too many
 * through.
 *
 * Keys live in groups (one per rule), each with its own budget of keys
 * (`maxKeys` of its hits): keys of one group never push out keys of
 * another, so a flood of fresh session ids cannot reset a global or
 * per-client counter. A full group sweeps its keys whose windows have
 * passed (O(1) per key dropped) and then refuses new keys
 * (`reason: 'key_budget_full'`) until a place frees; its old keys count on.
 * Memory is bounded by groups × their budgets.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #groups = new Map<string, KeyGroup>();
  readonly #sweepIntervalMs: number;
  readonly #maxKeys: number;
  #lastSweep = -Infinity;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.#maxKeys = options.maxKeys ?? Infinity;
  }

  /** Number of keys currently held, in all groups. */
  get size(): number {
    let size = 0;
    for (const group of this.#groups.values()) size += group.size;
    return size;
  }

  /** {@link hitAll} for a single hit: counted if allowed. */
  hit(hit: RateLimitHit): RateLimitVerdict {
    return this.hitAll([hit])[0] as RateLimitVerdict;
  }

  /** Judges the hits in order as if the allowed ones before each were counted; counts all if all are allowed, else none. */
  hitAll(hits: readonly RateLimitHit[]): RateLimitVerdict[] {
    const first = hits[0];
    if (first === undefined) return [];
    if (first.now - this.#lastSweep >= this.#sweepIntervalMs) this.sweep(first.now);
    const plan = new CallPlan();
    const verdicts: RateLimitVerdict[] = [];
    let allowed = true;
    for (const hit of hits) {
      const verdict = this.#judge(hit, plan);
      allowed &&= verdict.allowed;
      verdicts.push(verdict);
    }
    if (allowed) this.#count(plan);
    return verdicts;
  }

  /** Drops keys with no hit inside their window, and groups left empty. Runs on its own as time passes. */
  sweep(now: number): void {
    this.#lastSweep = now;
    for (const [name, group] of this.#groups) {
      group.sweep(now);
      if (group.size === 0) this.#groups.delete(name);
    }
  }

  #judge(hit: RateLimitHit, plan: CallPlan): RateLimitVerdict {
    const { key, limit, windowMs, now } = hit;
    const group = this.#groups.get(hit.group);
    let counter = group?.get(key) ?? plan.freshCounter(key);
    const pending = plan.pendingFor(key);
    if (pending === 0 && (counter === undefined || !isLive(counter, now))) {
      // The key takes a place in its group's budget; a key whose window has passed is as good as new.
      const budget = Math.min(hit.maxKeys, this.#maxKeys);
      const used = () => (group?.size ?? 0) - (group?.get(key) === undefined ? 0 : 1) + plan.newKeysIn(hit.group);
      if (used() >= budget && group !== undefined) {
        group.sweep(now);
        counter = group.get(key);
      }
      if (used() >= budget) {
        // Keys this call counts again, and the new keys it brings, stay a whole window.
        const retryAfterMs = group?.nextPlaceIn(now, (other) => plan.pendingFor(other) > 0) ?? Math.max(1, Math.ceil(windowMs));
        return { allowed: false, retryAfterMs, reason: 'key_budget_full' };
      }
      plan.addNewKey(hit.group);
    }
    if (counter === undefined) {
      counter = createCounter(limit, windowMs, now);
      plan.setFreshCounter(key, counter);
    }
    const fitted = fitCounter(counter, limit, windowMs);
    if (fitted !== counter) {
      if (group?.get(key) === counter) group.replace(key, fitted);
      else plan.setFreshCounter(key, fitted);
    }
    const at = Math.max(now, fitted.newest);
    const retry = retryAfter(fitted, limit, windowMs, at, pending);
    if (retry > 0) return { allowed: false, retryAfterMs: retry };
    plan.grant({ group: hit.group, key, counter: fitted, limit, windowMs, at });
    return ALLOWED;
  }

  #count(plan: CallPlan): void {
    const { granted } = plan;
    for (const { group: name, key, counter: judged, limit, windowMs, at } of granted) {
      let group = this.#groups.get(name);
      if (group === undefined) this.#groups.set(name, (group = new KeyGroup()));
      // With several hits, a key may come twice (under another limit, even) or have been swept by a later
      // hit's sweep (then it had no hit left): count on the key's counter as it is now.
      const counter = granted.length === 1 ? judged : fitCounter(group.get(key) ?? plan.freshCounter(key) ?? createCounter(limit, windowMs, at), limit, windowMs);
      addHit(counter, at);
      group.touch(key, counter);
    }
  }
}
