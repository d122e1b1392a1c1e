import { describe, expect, it } from 'vitest';
import {
  MemoryRateLimitStore,
  PolicyHandle,
  ResponseScope,
  type Decision,
  type EvaluationContext,
  type RateLimitHit,
  type RateLimitStore,
} from '../../src/index.js';
import { call, policyOf } from '../helpers.js';

const policy = policyOf(`
- { name: deny-exec, action: deny, match: { tool: "^exec$" } }
- { name: per-client, action: rate_limit, limit: 3, window: 1m, key: client }
- { name: search-global, action: rate_limit, match: { tool: "^search$" }, limit: 2, window: 1m }
`);

const contextOf = (extra: Partial<EvaluationContext> = {}): EvaluationContext => ({
  client: '10.0.0.1',
  rateLimits: new MemoryRateLimitStore(),
  generation: 5,
  now: 0,
  ...extra,
});

const notification = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } } as const;

/** How many single calls of `tool` are still allowed (up to 10); uses them up. */
async function quotaLeft(context: EvaluationContext, tool = 'x'): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < 10; i++) if ((await policy.evaluate(call(tool), context)).forward) allowed++;
  return allowed;
}

/** What an element that was fine on its own gets when its batch is refused. */
const notForwarded = (message: { id?: string | number; method: string; params?: Record<string, unknown> }, generation = 5): Decision => {
  const error = { code: -32003, message: 'not forwarded: another message in this batch was refused', data: { generation } };
  const isRequest = message.id !== undefined;
  return {
    action: 'deny',
    kind: isRequest ? 'request' : 'notification',
    method: message.method,
    tool: typeof message.params?.['name'] === 'string' ? message.params['name'] : null,
    id: message.id,
    rules: [],
    forward: false,
    message: null,
    error,
    reply: isRequest ? { jsonrpc: '2.0', id: message.id ?? null, error } : null,
    redactions: 0,
    retryAfterMs: null,
    responseScope: expect.any(ResponseScope) as ResponseScope,
    refusedWithBatch: true,
  };
};

describe('evaluateBatch: a batch is forwarded whole or not at all', () => {
  it('decides an allowed batch element by element and counts it all at once', async () => {
    const context = contextOf();
    const batch = [call('x', {}, 1), call('search', {}, 2), notification];
    const decisions = await policy.evaluateBatch(batch, context);
    expect(decisions.map((decision) => [decision.action, decision.forward, decision.rules])).toEqual([
      ['allow', true, ['per-client']],
      ['allow', true, ['per-client', 'search-global']],
      ['allow', true, []],
    ]);
    expect(decisions.map((decision) => decision.refusedWithBatch)).toEqual([false, false, false]);
    expect(await quotaLeft(context)).toBe(1);
  });

  it('refuses a batch with a denied element whole, answering the others "not forwarded", and uses no quota', async () => {
    const context = contextOf();
    const batch = [call('x', {}, 1), call('exec', {}, 2), notification, call('search', {}, 3)];
    const [first, denied, note, last] = await policy.evaluateBatch(batch, context);
    expect(denied).toMatchObject({ action: 'deny', rules: ['deny-exec'], refusedWithBatch: false, error: { code: -32003, message: 'denied by policy: deny-exec' } });
    expect(first).toEqual(notForwarded(call('x', {}, 1)));
    expect(note).toEqual(notForwarded(notification));
    expect(last).toEqual(notForwarded(call('search', {}, 3)));
    expect(await quotaLeft(context)).toBe(3);
  });

  it('refuses a batch with an invalid element whole and uses no quota', async () => {
    const context = contextOf();
    const decisions = await policy.evaluateBatch([call('x', {}, 1), { jsonrpc: '1.0', id: 2, method: 'ping' }, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: {} }], context);
    expect(decisions.map((decision) => [decision.action, decision.error?.code])).toEqual([
      ['deny', -32003],
      ['invalid', -32600],
      ['invalid', -32602],
    ]);
    expect(await quotaLeft(context)).toBe(3);
  });

  it('refuses the elements that use a request id twice as invalid, the others as not forwarded, and uses no quota', async () => {
    const context = contextOf();
    const batch = [call('x', {}, 1), call('y', {}, 'a'), call('z', {}, 1), notification, call('w', {}, 'a'), call('v', {}, '1')];
    const decisions = await policy.evaluateBatch(batch, context);
    const twice = (id: number | string) => ({ code: -32600, message: `Invalid Request: the id ${JSON.stringify(id)} is used twice in one batch` });
    expect(decisions[0]).toMatchObject({ action: 'invalid', kind: 'request', id: 1, rules: [], forward: false, reply: { jsonrpc: '2.0', id: 1, error: twice(1) } });
    expect(decisions[1]?.reply).toEqual({ jsonrpc: '2.0', id: 'a', error: twice('a') });
    expect(decisions[2]?.reply).toEqual({ jsonrpc: '2.0', id: 1, error: twice(1) });
    expect(decisions[3]).toEqual(notForwarded(notification));
    expect(decisions[4]?.reply?.error).toEqual(twice('a'));
    // "1" is not 1.
    expect(decisions[5]).toEqual(notForwarded(call('v', {}, '1')));
    expect(await quotaLeft(context)).toBe(3);
  });

  it('does not count notifications, responses or invalid messages as holders of an id', async () => {
    const decisions = await policy.evaluateBatch(
      [call('x', {}, 1), { jsonrpc: '2.0', id: 1, result: {} }, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }, { jsonrpc: '2.0', id: 1 }],
      contextOf(),
    );
    expect(decisions.map((decision) => decision.action)).toEqual(['deny', 'deny', 'deny', 'invalid']);
    expect(decisions[0]?.error?.message).toBe('not forwarded: another message in this batch was refused');
    // A response cannot be answered, any more than a notification.
    expect(decisions[1]).toMatchObject({ kind: 'response', id: 1, reply: null, refusedWithBatch: true });
    expect(decisions[3]?.error?.message).toBe('Invalid Request: a message needs "method", or exactly one of "result" and "error"');
  });

  it('refuses a batch with one element over a rate limit whole and uses no quota', async () => {
    const context = contextOf();
    const decisions = await policy.evaluateBatch([call('search', {}, 1), call('search', {}, 2), call('search', {}, 3)], context);
    expect(decisions[2]).toMatchObject({ action: 'rate_limit', rules: ['per-client', 'search-global'], retryAfterMs: 60_000, refusedWithBatch: false });
    expect(decisions[2]?.error).toEqual({
      code: -32029,
      message: 'rate limited by policy: search-global',
      data: { rule: 'search-global', generation: 5, retry_after_ms: 60_000 },
    });
    expect(decisions.slice(0, 2)).toEqual([notForwarded(call('search', {}, 1)), notForwarded(call('search', {}, 2))]);
    expect(await quotaLeft(context, 'search')).toBe(2);
  });

  it('refuses a batch that only as a whole goes over a limit, and each element may still go alone', async () => {
    const context = contextOf();
    const decisions = await policy.evaluateBatch([call('x', {}, 1), call('x', {}, 2), call('x', {}, 3), call('x', {}, 4)], context);
    expect(decisions.map((decision) => decision.action)).toEqual(['deny', 'deny', 'deny', 'rate_limit']);
    expect(await quotaLeft(context)).toBe(3);
  });

  it('decides a one-element batch exactly as evaluate decides the message', async () => {
    for (const message of [call('x', { a: 1 }, 1), call('exec', {}, 2), notification, { jsonrpc: '2.0', id: 3, result: {} }, 'not json-rpc']) {
      const [alone] = await policy.evaluateBatch([message], contextOf());
      expect(alone).toEqual(await policy.evaluate(message, contextOf()));
    }
    const full = contextOf();
    await quotaLeft(full);
    const [limited] = await policy.evaluateBatch([call('x', {}, 9)], full);
    expect(limited).toMatchObject({ action: 'rate_limit', refusedWithBatch: false });
  });

  it('gives no decisions for no messages', async () => {
    expect(await policy.evaluateBatch([], contextOf())).toEqual([]);
  });

  it('asks the store once per batch, with every hit of every element, and not at all for a batch refused before counting', async () => {
    const inner = new MemoryRateLimitStore();
    const calls: RateLimitHit[][] = [];
    const store: RateLimitStore = {
      hitAll: async (hits) => {
        calls.push([...hits]);
        return inner.hitAll(hits);
      },
    };
    const context = contextOf({ rateLimits: store });
    await policy.evaluateBatch([call('x', {}, 1), call('search', {}, 2), notification], context);
    expect(calls.map((hits) => hits.map((hit) => [hit.group.split('\u0000')[0], hit.maxKeys]))).toEqual([
      [
        ['per-client', 100_000],
        ['per-client', 100_000],
        ['search-global', 1],
      ],
    ]);
    await policy.evaluateBatch([call('x', {}, 1), call('exec', {}, 2)], context);
    await policy.evaluate(call('exec'), context);
    expect(calls).toHaveLength(1);
  });

  it('fails the whole batch when the store fails, naming every rule it was asked about', async () => {
    const broken: RateLimitStore = { hitAll: () => Promise.reject(new Error('connection refused')) };
    await expect(policy.evaluateBatch([call('search', {}, 1), call('x', {}, 2)], contextOf({ rateLimits: broken }))).rejects.toMatchObject({
      code: 'MCPGW_ERR_RATE_LIMIT_STORE_FAILED',
      message: 'rate-limit store failed for rules "per-client", "search-global"',
    });
    const throwing: RateLimitStore = {
      hitAll: () => {
        throw new Error('boom');
      },
    };
    await expect(policy.evaluateBatch([call('x', {}, 1)], contextOf({ rateLimits: throwing }))).rejects.toMatchObject({
      code: 'MCPGW_ERR_RATE_LIMIT_STORE_FAILED',
      message: 'rate-limit store failed for rule "per-client"',
    });
  });

  it('lease.evaluateBatch fills in the generation and the handle\'s store', async () => {
    const handle = new PolicyHandle(policy);
    handle.swap(policy);
    const lease = handle.acquire();
    const decisions = await lease.evaluateBatch([call('x', {}, 1), call('exec', {}, 2)], { client: 'c', now: 0 });
    expect(decisions[0]?.error?.data).toEqual({ generation: 2 });
    expect(decisions[1]?.error?.data).toEqual({ rule: 'deny-exec', generation: 2 });
    const allowed = await lease.evaluateBatch([call('x', {}, 1), call('x', {}, 2), call('x', {}, 3)], { client: 'c', now: 0 });
    expect(allowed.every((decision) => decision.forward)).toBe(true);
    expect((await lease.evaluate(call('x'), { client: 'c', now: 0 })).action).toBe('rate_limit');
    lease.release();
  });
});
