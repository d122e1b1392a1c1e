import { describe, expect, it } from 'vitest';
import { MemoryRateLimitStore, type RateLimitHit, type RateLimitVerdict } from '../../src/index.js';

/** A seeded generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

/**
 * The contract of `hitAll`, by brute force: every allowed hit's time per key;
 * each hit judged as if the allowed hits before it in the call were counted;
 * all counted when all are allowed, none otherwise. A key holds a place in
 * its group's budget while it has an allowed hit inside its window. Slow and
 * obviously right: it keeps every time and filters on each question.
 */
class ReferenceStore {
  readonly #times = new Map<string, number[]>();

  hitAll(hits: readonly RateLimitHit[]): RateLimitVerdict[] {
    // Times older than the longest window can no longer count (the clock only goes forward here).
    const horizon = Math.min(...hits.map((hit) => hit.now)) - LONGEST_WINDOW_MS;
    for (const [key, times] of this.#times) this.#times.set(key, times.filter((t) => t > horizon));
    const pending = new Map<string, number[]>();
    const timesOf = (key: string) => [...(this.#times.get(key) ?? []), ...(pending.get(key) ?? [])];
    const inWindow = (key: string, hit: RateLimitHit) => timesOf(key).filter((t) => t > hit.now - hit.windowMs);
    const verdicts = hits.map((hit): RateLimitVerdict => {
      const held = inWindow(hit.key, hit);
      if (held.length === 0) {
        const known = new Set([...this.#times.keys(), ...pending.keys()]);
        const live = [...known].filter((key) => key !== hit.key && groupOf(key) === hit.group && inWindow(key, hit).length > 0);
        if (live.length >= hit.maxKeys) {
          const soonest = Math.min(...live.map((key) => Math.max(...inWindow(key, hit)) + hit.windowMs));
          return { allowed: false, retryAfterMs: Math.max(1, soonest - hit.now), reason: 'key_budget_full' };
        }
      }
      if (held.length >= hit.limit) {
        return { allowed: false, retryAfterMs: Math.max(1, (held[held.length - hit.limit] as number) + hit.windowMs - hit.now) };
      }
      pending.set(hit.key, [...(pending.get(hit.key) ?? []), hit.now]);
      return { allowed: true, retryAfterMs: 0 };
    });
    if (verdicts.every((verdict) => verdict.allowed)) {
      for (const [key, times] of pending) this.#times.set(key, [...(this.#times.get(key) ?? []), ...times]);
    }
    return verdicts;
  }
}

/** Keys are `<group>\0<value>`, as a policy makes them. */
const groupOf = (key: string) => key.slice(0, key.indexOf('\u0000'));

const LONGEST_WINDOW_MS = 1_500;

/** Three rules, as a policy would send them: one group each, its own limit, window and budget. */
const GROUPS = [
  { group: 'per-session', maxKeys: 3, limit: 2, windowMs: 1_000, keys: 6 },
  { group: 'per-client', maxKeys: 2, limit: 3, windowMs: 700, keys: 4 },
  { group: 'global', maxKeys: 1, limit: 4, windowMs: 1_500, keys: 1 },
];

describe('MemoryRateLimitStore.hitAll', () => {
  it.each([1, 2, 3, 4, 5])('matches the brute-force reference on random calls of one to five hits (seed %i)', (seed) => {
    const next = random(seed);
    const store = new MemoryRateLimitStore();
    const reference = new ReferenceStore();
    let now = 0;
    let refusedCalls = 0;
    let budgetRefusals = 0;
    for (let call = 0; call < 4_000; call++) {
      now += Math.floor(next() * 120);
      const hits: RateLimitHit[] = Array.from({ length: 1 + Math.floor(next() * 5) }, () => {
        const { group, maxKeys, limit, windowMs, keys } = GROUPS[Math.floor(next() * GROUPS.length)] as (typeof GROUPS)[number];
        return { key: `${group}\u0000${Math.floor(next() * keys)}`, group, maxKeys, limit, windowMs, now };
      });
      const expected = reference.hitAll(hits);
      expect(store.hitAll(hits), `call ${call} at ${now}: ${JSON.stringify(hits.map((hit) => hit.key))}`).toEqual(expected);
      if (!expected.every((verdict) => verdict.allowed)) refusedCalls++;
      budgetRefusals += expected.filter((verdict) => verdict.reason === 'key_budget_full').length;
    }
    // The traffic exercised both kinds of refusal, and calls that were allowed.
    expect(refusedCalls).toBeGreaterThan(400);
    expect(refusedCalls).toBeLessThan(3_600);
    expect(budgetRefusals).toBeGreaterThan(50);
  });

  it('counts nothing of a call with a refused hit, above 1,000 per window too', () => {
    const store = new MemoryRateLimitStore();
    const hit = (now: number): RateLimitHit => ({ key: 'k', group: 'g', maxKeys: 10, limit: 1_500, windowMs: 1_000, now });
    for (let i = 0; i < 1_499; i++) expect(store.hitAll([hit(0)])[0]?.allowed).toBe(true);
    expect(store.hitAll([hit(1), hit(1)]).map((verdict) => verdict.allowed)).toEqual([true, false]);
    expect(store.hitAll([hit(2)])[0]?.allowed).toBe(true);
    expect(store.hitAll([hit(3)])[0]?.allowed).toBe(false);
  });

  it('judges a hit as if the earlier hits of its call were counted', () => {
    const store = new MemoryRateLimitStore();
    const hit: RateLimitHit = { key: 'k', group: 'g', maxKeys: 10, limit: 2, windowMs: 1_000, now: 0 };
    expect(store.hitAll([hit, hit, hit])).toEqual([
      { allowed: true, retryAfterMs: 0 },
      { allowed: true, retryAfterMs: 0 },
      { allowed: false, retryAfterMs: 1_000 },
    ]);
    expect(store.hitAll([hit, hit]).map((verdict) => verdict.allowed)).toEqual([true, true]);
    expect(store.hit(hit).allowed).toBe(false);
  });

  it('answers an empty call with no verdicts and counts nothing', () => {
    const store = new MemoryRateLimitStore();
    expect(store.hitAll([])).toEqual([]);
    expect(store.size).toBe(0);
  });
});
