import { describe, expect, it } from 'vitest';
import { PolicyHandle } from '../../src/index.js';
import { call, policyOf } from '../helpers.js';

const limitRule = (name: string, limit: number, window: string, extra = '') => `
- { name: ${name}, action: rate_limit, limit: ${limit}, window: ${window}, key: client${extra} }
- { name: unrelated, action: deny, match: { tool: "^nothing$" } }
`;

async function use(handle: PolicyHandle, now: number, times: number): Promise<string[]> {
  const actions: string[] = [];
  for (let i = 0; i < times; i++) {
    const lease = handle.acquire();
    actions.push((await lease.evaluate(call('search'), { client: 'c1', now })).action);
    lease.release();
  }
  return actions;
}

describe('rate-limit counters across reloads', () => {
  it('a reload that keeps name, limit and window keeps the counts', async () => {
    const handle = new PolicyHandle(policyOf(limitRule('per-client', 3, '1m')));
    expect(await use(handle, 0, 2)).toEqual(['allow', 'allow']);
    handle.swap(policyOf(limitRule('per-client', 3, '1m')));
    expect(await use(handle, 1_000, 2)).toEqual(['allow', 'rate_limit']);
    // And the window still slides from the first hits: at 60 s the t=0 hits leave it.
    expect(await use(handle, 60_000, 3)).toEqual(['allow', 'allow', 'rate_limit']);
  });

  it('a reload that changes the limit, the window, the key or the name starts fresh counters', async () => {
    for (const next of [
      limitRule('per-client', 4, '1m'),
      limitRule('per-client', 3, '2m'),
      limitRule('renamed', 3, '1m'),
      `- { name: per-client, action: rate_limit, limit: 3, window: 1m, key: global }`,
    ]) {
      const handle = new PolicyHandle(policyOf(limitRule('per-client', 3, '1m')));
      expect(await use(handle, 0, 4)).toEqual(['allow', 'allow', 'allow', 'rate_limit']);
      handle.swap(policyOf(next));
      expect((await use(handle, 1, 1))[0]).toBe('allow');
    }
  });

  it('window edges are exact with a fake clock, through a swap', async () => {
    const handle = new PolicyHandle(policyOf(limitRule('edge', 2, '500ms')));
    expect(await use(handle, 0, 1)).toEqual(['allow']);
    expect(await use(handle, 499, 2)).toEqual(['allow', 'rate_limit']);
    handle.swap(policyOf(limitRule('edge', 2, '500ms')));
    expect(await use(handle, 500, 2)).toEqual(['allow', 'rate_limit']); // the t=0 hit left the window
    expect(await use(handle, 998, 1)).toEqual(['rate_limit']); // t=499 still inside
    expect(await use(handle, 999, 1)).toEqual(['allow']);
  });
});
