import { describe, expect, it } from 'vitest';
import { MemoryRateLimitStore, type EvaluationContext, type RateLimitHit } from '../../src/index.js';
import { call, policyOf, request } from '../helpers.js';

const HOUR = 3_600_000;

/** A hit in `group` (budget `maxKeys`) under `key`, as a policy sends it. */
const hitOf = (group: string, key: string, now: number, extra: Partial<RateLimitHit> = {}): RateLimitHit => ({
  key: `${group}\u0000${key}`,
  group,
  maxKeys: 100_000,
  limit: 2,
  windowMs: HOUR,
  now,
  ...extra,
});

const one = (store: MemoryRateLimitStore, hit: RateLimitHit) => store.hitAll([hit])[0];

describe('key budgets in the memory store: each group has its own', () => {
  it('100,000 new keys in one group never push out the key of another', () => {
    const store = new MemoryRateLimitStore();
    const global = hitOf('global', '', 0, { key: 'global', maxKeys: 1 });
    expect(one(store, global)?.allowed).toBe(true);
    expect(one(store, global)?.allowed).toBe(true);
    for (let i = 0; i < 100_001; i++) one(store, hitOf('sessions', `s${i}`, 1 + i / 1000, { limit: 1_000 }));
    expect(one(store, { ...global, now: 200 })).toMatchObject({ allowed: false });
  });

  it('a full group refuses a new key with reason key_budget_full, until its oldest key has left its window', () => {
    const store = new MemoryRateLimitStore();
    const inGroup = (key: string, now: number) => hitOf('g', key, now, { maxKeys: 2, windowMs: 60_000 });
    expect(one(store, inGroup('a', 0))?.allowed).toBe(true);
    expect(one(store, inGroup('b', 10_000))?.allowed).toBe(true);
    expect(one(store, inGroup('c', 20_000))).toEqual({ allowed: false, retryAfterMs: 40_000, reason: 'key_budget_full' });
    expect(one(store, inGroup('c', 59_999))).toEqual({ allowed: false, retryAfterMs: 1, reason: 'key_budget_full' });
    // a's only hit left its window at 60,000: its place is free.
    expect(one(store, inGroup('c', 60_000))?.allowed).toBe(true);
    expect(one(store, inGroup('d', 60_000))).toEqual({ allowed: false, retryAfterMs: 10_000, reason: 'key_budget_full' });
  });

  it('old keys keep counting normally while the group is full', () => {
    const store = new MemoryRateLimitStore();
    const inGroup = (key: string, now: number) => hitOf('g', key, now, { maxKeys: 2, limit: 3, windowMs: 60_000 });
    one(store, inGroup('a', 0));
    one(store, inGroup('b', 0));
    expect(one(store, inGroup('new', 1))?.reason).toBe('key_budget_full');
    expect(one(store, inGroup('a', 2))?.allowed).toBe(true);
    expect(one(store, inGroup('a', 3))?.allowed).toBe(true);
    // An ordinary refusal: no reason.
    expect(one(store, inGroup('a', 4))).toEqual({ allowed: false, retryAfterMs: 59_996 });
  });

  it('a key that is only ever refused takes no place in the budget', () => {
    const store = new MemoryRateLimitStore();
    const inGroup = (key: string, now: number) => hitOf('g', key, now, { maxKeys: 1, windowMs: 60_000 });
    const blocked = hitOf('block', '', 0, { key: 'block', maxKeys: 1, limit: 1, windowMs: 60_000 });
    expect(one(store, blocked)?.allowed).toBe(true);
    // The new key of group g comes with a hit that is refused: neither is counted, g stays empty.
    expect(store.hitAll([inGroup('x', 1), { ...blocked, now: 1 }]).map((verdict) => verdict.allowed)).toEqual([true, false]);
    expect(store.size).toBe(1);
    expect(one(store, inGroup('y', 2))?.allowed).toBe(true);
  });

  it('a hit the budget refuses counts nowhere, even when the other hits of its call are allowed', () => {
    const store = new MemoryRateLimitStore();
    const other = hitOf('other', '', 0, { key: 'other', maxKeys: 1, limit: 1 });
    one(store, hitOf('g', 'a', 0, { maxKeys: 1 }));
    expect(store.hitAll([other, hitOf('g', 'b', 0, { maxKeys: 1 })]).map((verdict) => verdict.allowed)).toEqual([true, false]);
    expect(one(store, other)?.allowed).toBe(true);
  });

  it('a lower budget after a reload refuses new keys until enough old ones have left', () => {
    const store = new MemoryRateLimitStore();
    for (const key of ['a', 'b', 'c']) one(store, hitOf('g', key, 0, { maxKeys: 3, windowMs: 1_000 }));
    expect(one(store, hitOf('g', 'd', 1, { maxKeys: 2, windowMs: 1_000 }))?.reason).toBe('key_budget_full');
    expect(one(store, hitOf('g', 'a', 1, { maxKeys: 2, windowMs: 1_000 }))?.allowed).toBe(true);
    expect(one(store, hitOf('g', 'd', 1_000, { maxKeys: 2, windowMs: 1_000 }))?.allowed).toBe(true);
  });

  it('the store-wide maxKeys option caps every group, and a full group refuses rather than evicts', () => {
    const store = new MemoryRateLimitStore({ maxKeys: 50 });
    for (let i = 0; i < 500; i++) one(store, hitOf('g', `k${i}`, i, { limit: 10, windowMs: 1_000_000 }));
    expect(store.size).toBe(50);
    // k0 was never pushed out: its hit still counts.
    expect(one(store, hitOf('g', 'k0', 1_000, { limit: 1, windowMs: 1_000_000 }))).toMatchObject({ allowed: false });
    expect(one(store, hitOf('g', 'k499', 1_000, { limit: 10, windowMs: 1_000_000 }))).toMatchObject({ allowed: false, reason: 'key_budget_full' });
  });

  it('groups and keys whose windows have passed are dropped as time passes', () => {
    const store = new MemoryRateLimitStore({ sweepIntervalMs: 1_000 });
    for (let i = 0; i < 100; i++) one(store, hitOf(`rule-${i % 10}`, `client-${i}`, 0, { windowMs: 500 }));
    expect(store.size).toBe(100);
    one(store, hitOf('late', 'x', 1_000, { windowMs: 5_000 }));
    expect(store.size).toBe(1);
  });
});

describe('key budgets in decisions', () => {
  const limits = policyOf(`
- { name: per-session, action: rate_limit, limit: 1000, window: 1h, key: session }
- { name: search-global, action: rate_limit, match: { tool: "^search$" }, limit: 2, window: 1h }
- { name: search-client, action: rate_limit, match: { tool: "^lookup$" }, limit: 2, window: 1h, key: client }
`);

  it('a flood of 100,000 pings with fresh session ids never resets a global or a per-client limit', async () => {
    const context: EvaluationContext = { client: '10.0.0.1', rateLimits: new MemoryRateLimitStore(), now: 0 };
    for (const tool of ['search', 'search', 'lookup', 'lookup']) expect((await limits.evaluate(call(tool), context)).action).toBe('allow');
    for (let i = 0; i < 100_001; i++) await limits.evaluate(request('ping'), { ...context, session: `flood-${i}`, now: 1 + i / 100 });
    const after = { ...context, now: 2_000 };
    expect((await limits.evaluate(call('search'), after)).error?.data).toMatchObject({ rule: 'search-global' });
    expect((await limits.evaluate(call('lookup'), after)).error?.data).toMatchObject({ rule: 'search-client' });
  });

  it('refuses a new key of a full rule as rate_limit with reason key_budget_full, and old keys keep counting', async () => {
    const policy = policyOf(`
- { name: per-session, action: rate_limit, limit: 2, window: 1m, key: session, max_keys: 2 }
`);
    const context: EvaluationContext = { rateLimits: new MemoryRateLimitStore(), generation: 4 };
    expect((await policy.evaluate(call('x'), { ...context, session: 'a', now: 0 })).action).toBe('allow');
    expect((await policy.evaluate(call('x'), { ...context, session: 'b', now: 15_000 })).action).toBe('allow');
    const refused = await policy.evaluate(call('x', {}, 'c1'), { ...context, session: 'c', now: 20_000 });
    expect(refused).toMatchObject({ action: 'rate_limit', forward: false, rules: ['per-session'], retryAfterMs: 40_000 });
    expect(refused.reply).toEqual({
      jsonrpc: '2.0',
      id: 'c1',
      error: {
        code: -32029,
        message: 'rate limited by policy: per-session',
        data: { rule: 'per-session', generation: 4, retry_after_ms: 40_000, reason: 'key_budget_full' },
      },
    });
    expect((await policy.evaluate(call('x'), { ...context, session: 'a', now: 21_000 })).action).toBe('allow');
    const limited = await policy.evaluate(call('x', {}, 'a3'), { ...context, session: 'a', now: 22_000 });
    expect(limited.reply?.error).toEqual({
      code: -32029,
      message: 'rate limited by policy: per-session',
      data: { rule: 'per-session', generation: 4, retry_after_ms: 38_000 },
    });
    // Once session b has left its window (its only hit at 15,000), c finds a place.
    expect((await policy.evaluate(call('x'), { ...context, session: 'c', now: 74_999 })).retryAfterMs).toBe(1);
    expect((await policy.evaluate(call('x'), { ...context, session: 'c', now: 75_000 })).action).toBe('allow');
  });

  it('a full budget of one rule does not touch another rule with the same key', async () => {
    const policy = policyOf(`
- { name: small, action: rate_limit, match: { tool: "^a$" }, limit: 5, window: 1m, key: client, max_keys: 1 }
- { name: large, action: rate_limit, match: { tool: "^b$" }, limit: 5, window: 1m, key: client }
`);
    const context: EvaluationContext = { rateLimits: new MemoryRateLimitStore(), now: 0 };
    expect((await policy.evaluate(call('a'), { ...context, client: '10.0.0.1' })).action).toBe('allow');
    expect((await policy.evaluate(call('a'), { ...context, client: '10.0.0.2' })).error?.data).toMatchObject({ reason: 'key_budget_full' });
    for (let i = 0; i < 50; i++) expect((await policy.evaluate(call('b'), { ...context, client: `10.0.1.${i}` })).action).toBe('allow');
  });
});
