import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { compilePolicy, MemoryRateLimitStore, PolicyHandle, type CompiledPolicy } from '../../src/index.js';
import { call, policyOf } from '../helpers.js';

const denyExec = () => policyOf(`
- { name: deny-exec, action: deny, match: { tool: "^exec$" } }
`);
const allowAll = () => compilePolicy({});

describe('PolicyHandle', () => {
  it('starts at generation 1 and swap returns the next generation', () => {
    const handle = new PolicyHandle(allowAll());
    expect(handle.generation).toBe(1);
    expect(handle.swap(allowAll())).toBe(2);
    expect(handle.swap(allowAll())).toBe(3);
    expect(handle.generation).toBe(3);
  });

  it('gives a lease the current generation and policy', () => {
    const first = allowAll();
    const handle = new PolicyHandle(first);
    const lease = handle.acquire();
    expect(lease.generation).toBe(1);
    expect(lease.policy).toBe(first);
    expect(lease.rateLimits).toBe(handle.rateLimits);
    lease.release();
  });

  it('an in-flight request keeps generation 1 across awaits while swaps happen', async () => {
    const handle = new PolicyHandle(denyExec());
    const lease = handle.acquire();
    const seen: Array<[number, string]> = [];
    for (let i = 0; i < 5; i++) {
      handle.swap(i % 2 === 0 ? allowAll() : denyExec());
      await sleep(1);
      const decision = await lease.evaluate(call('exec'));
      seen.push([lease.generation, decision.action]);
      expect(decision.error?.data).toEqual({ rule: 'deny-exec', generation: 1 });
    }
    expect(seen.every(([generation, action]) => generation === 1 && action === 'deny')).toBe(true);
    // A request admitted now gets the newest generation (6, allow-all after 5 swaps ending on i=4).
    const fresh = handle.acquire();
    expect(fresh.generation).toBe(6);
    expect((await fresh.evaluate(call('exec'))).action).toBe('allow');
    lease.release();
    fresh.release();
  });

  it('counts leases in flight per generation and forgets drained generations', () => {
    const handle = new PolicyHandle(allowAll());
    const a = handle.acquire();
    const b = handle.acquire();
    handle.swap(allowAll());
    const c = handle.acquire();
    expect(handle.inFlight(1)).toBe(2);
    expect(handle.inFlight(2)).toBe(1);
    expect(handle.inFlight()).toBe(3);
    expect(handle.generations()).toEqual([
      { generation: 1, inFlight: 2, current: false },
      { generation: 2, inFlight: 1, current: true },
    ]);
    a.release();
    b.release();
    expect(handle.generations()).toEqual([{ generation: 2, inFlight: 1, current: true }]);
    c.release();
    expect(handle.inFlight()).toBe(0);
  });

  it('release is idempotent', () => {
    const handle = new PolicyHandle(allowAll());
    const a = handle.acquire();
    const b = handle.acquire();
    a.release();
    a.release();
    a.release();
    expect(a.released).toBe(true);
    expect(handle.inFlight(1)).toBe(1);
    b.release();
    expect(handle.inFlight(1)).toBe(0);
  });

  it('reports a replaced generation once when its last lease is released', () => {
    const handle = new PolicyHandle(allowAll());
    const drained: number[] = [];
    handle.onDrained((generation) => drained.push(generation));
    const a = handle.acquire();
    handle.swap(allowAll());
    expect(drained).toEqual([]);
    a.release();
    a.release();
    expect(drained).toEqual([1]);
    // Generation 2 had no lease: it drains at the moment it is replaced.
    handle.swap(allowAll());
    expect(drained).toEqual([1, 2]);
    // The current generation never drains, however many leases come and go.
    handle.acquire().release();
    expect(drained).toEqual([1, 2]);
  });

  it('whenDrained resolves when the generation has no lease left', async () => {
    const handle = new PolicyHandle(allowAll());
    const lease = handle.acquire();
    handle.swap(allowAll());
    let done = false;
    const waiting = handle.whenDrained(1).then(() => (done = true));
    await sleep(5);
    expect(done).toBe(false);
    lease.release();
    await waiting;
    expect(done).toBe(true);
    await handle.whenDrained(1); // already drained: resolves at once
  });

  it('an unsubscribed drain listener is not called', () => {
    const handle = new PolicyHandle(allowAll());
    const drained: number[] = [];
    const off = handle.onDrained((generation) => drained.push(generation));
    off();
    handle.swap(allowAll());
    expect(drained).toEqual([]);
  });

  it('refuses anything that is not a compiled policy', () => {
    expect(() => new PolicyHandle({} as CompiledPolicy)).toThrow(expect.objectContaining({ code: 'MCPGW_ERR_POLICY_NOT_COMPILED' }));
    const handle = new PolicyHandle(allowAll());
    expect(() => handle.swap({ rules: [] } as unknown as CompiledPolicy)).toThrow(/compilePolicy/);
    expect(handle.generation).toBe(1);
  });

  it('many concurrent requests across many swaps each see exactly their generation', async () => {
    const policies = [denyExec(), allowAll()];
    const handle = new PolicyHandle(policies[0] as CompiledPolicy);
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const lease = handle.acquire();
        try {
          if (i % 7 === 0) handle.swap(policies[handle.generation % 2] as CompiledPolicy);
          await sleep(i % 5);
          const decision = await lease.evaluate(call('exec'));
          // Odd generations deny, even ones allow: the answer must match the pinned generation.
          return { generation: lease.generation, action: decision.action };
        } finally {
          lease.release();
        }
      }),
    );
    for (const { generation, action } of results) expect(action).toBe(generation % 2 === 1 ? 'deny' : 'allow');
    expect(new Set(results.map((r) => r.generation)).size).toBeGreaterThan(10);
    expect(handle.inFlight()).toBe(0);
    expect(handle.generations()).toHaveLength(1);
  });

  it('takes a rate-limit store, shared by every generation', () => {
    const store = new MemoryRateLimitStore();
    const handle = new PolicyHandle(allowAll(), { rateLimits: store });
    handle.swap(allowAll());
    expect(handle.acquire().rateLimits).toBe(store);
  });
});

describe('PolicyHandle swap listeners', () => {
  it('tells listeners the new and the replaced generation after each swap', () => {
    const handle = new PolicyHandle(allowAll());
    const swaps: Array<[number, number]> = [];
    const off = handle.onSwap((generation, previous) => swaps.push([generation, previous]));
    handle.swap(allowAll());
    handle.swap(allowAll());
    off();
    handle.swap(allowAll());
    expect(swaps).toEqual([
      [2, 1],
      [3, 2],
    ]);
  });

  it('drains a generation once when a swap listener releases its last lease', () => {
    const handle = new PolicyHandle(allowAll());
    const stream = handle.acquire();
    const drained: number[] = [];
    handle.onDrained((generation) => drained.push(generation));
    // A notification stream that ends when the policy changes, inside the swap.
    handle.onSwap(() => stream.release());
    handle.swap(allowAll());
    expect(drained).toEqual([1]);
    expect(handle.generations()).toEqual([{ generation: 2, inFlight: 0, current: true }]);
  });
});
