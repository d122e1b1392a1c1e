import { afterEach, describe, expect, it, vi } from 'vitest';
import { compilePolicy, parseConfig, type RequestOrigin, type TrackedRequest } from '@mcpgw/core';
import { OutstandingRequests } from '@mcpgw/core/internal';
import { configText } from '../../../express-adapter/test/fixtures/gateway.js';

const policy = compilePolicy(parseConfig(configText('http://127.0.0.1:1/mcp')));
const origin: RequestOrigin = { generation: 1, policy, upstream: 'main', context: {}, client: null, session: 's', started: 0, status: 200 };

function tracked(id: number | string): TrackedRequest {
  const decision = {
    action: 'allow', kind: 'request', method: 'tools/call', tool: 'echo', id, rules: [], forward: true, refusedWithBatch: false, message: {}, error: null, reply: null, redactions: 0, retryAfterMs: null, responseScope: policy.everyResponseRule,
  } as const;
  return { decision, origin, forwarded: true, responseRedactions: 0, errorCode: null, isError: false, answered: false, ambiguous: false, trace: null };
}

describe('OutstandingRequests', () => {
  const made: OutstandingRequests[] = [];
  const create = (limits: Partial<{ maxRequests: number; maxPerSession: number; ttlMs: number }> = {}, onForget = (_: TrackedRequest) => undefined) => {
    const outstanding = new OutstandingRequests({ maxRequests: 100, maxPerSession: 10, ttlMs: 60_000, ...limits }, onForget);
    made.push(outstanding);
    return outstanding;
  };
  afterEach(() => {
    for (const outstanding of made.splice(0)) outstanding.close();
    vi.useRealTimers();
  });

  it('finds a request by session and id once, and only in its own session and upstream', () => {
    const outstanding = create();
    const request = tracked(1);
    outstanding.add('main', 's', request);
    expect(outstanding.take('main', 'other-session', 1)).toBeUndefined();
    expect(outstanding.take('other-upstream', 's', 1)).toBeUndefined();
    expect(outstanding.take('main', 's', '1')).toBeUndefined();
    expect(outstanding.take('main', 's', 1)).toBe(request);
    expect(outstanding.take('main', 's', 1)).toBeUndefined();
    expect(outstanding.size).toBe(0);
  });

  it('requests of one session that share an id are all ambiguous, and so is a later one while any of them is outstanding', () => {
    const outstanding = create();
    const [a, b, c, d] = [tracked(7), tracked(7), tracked(7), tracked(7)];
    outstanding.add('main', 's', a);
    expect(a.ambiguous).toBe(false);
    outstanding.add('main', 's', b);
    expect([a.ambiguous, b.ambiguous]).toEqual([true, true]);
    // a is answered on its own stream; b is still outstanding, so c cannot be told from it.
    outstanding.remove(a);
    outstanding.add('main', 's', c);
    expect(c.ambiguous).toBe(true);
    expect(outstanding.take('main', 's', 7)).toBe(b);
    outstanding.remove(c);
    // None left with that id: a new one is not ambiguous.
    outstanding.add('main', 's', d);
    expect(d.ambiguous).toBe(false);
  });

  it('past maxPerSession a request is not remembered, and while it is outstanding every new request of its session is ambiguous', () => {
    const outstanding = create({ maxPerSession: 3 });
    const kept = [1, 2, 3].map(tracked);
    for (const request of kept) outstanding.add('main', 'busy', request);
    const over = tracked(4);
    outstanding.add('main', 'busy', over);
    expect(over.ambiguous).toBe(true);
    expect(outstanding.take('main', 'busy', 4)).toBeUndefined();
    outstanding.remove(kept[0] as TrackedRequest);
    const next = tracked(5);
    outstanding.add('main', 'busy', next);
    expect(next.ambiguous).toBe(true);
    // Once the unremembered one is gone (and there is room), ids are told apart again.
    outstanding.remove(over);
    outstanding.remove(next);
    const later = tracked(6);
    outstanding.add('main', 'busy', later);
    expect(later.ambiguous).toBe(false);
    // Other sessions were never affected.
    const elsewhere = tracked(4);
    outstanding.add('main', 'other', elsewhere);
    expect(elsewhere.ambiguous).toBe(false);
  });

  it('keeps at most maxRequests in all, forgetting the oldest; a forgotten awaited request is handed to onForget, one still on its stream makes its session ambiguous', () => {
    const forgotten: TrackedRequest[] = [];
    const outstanding = create({ maxRequests: 3 }, (request) => void forgotten.push(request));
    const awaited = tracked('victim');
    outstanding.add('main', 'victim', awaited);
    expect(outstanding.await(awaited)).toBe(true);
    const open = tracked('open');
    outstanding.add('main', 'open', open);
    outstanding.add('main', 'other-1', tracked(1));
    outstanding.add('main', 'other-2', tracked(2));
    expect(forgotten).toEqual([awaited]);
    outstanding.add('main', 'other-3', tracked(3));
    expect(outstanding.size).toBe(3);
    const sameSession = tracked('next');
    outstanding.add('main', 'open', sameSession);
    expect(sameSession.ambiguous).toBe(true);
  });

  it('forgets requests after ttlMs, on its own; an awaited one unanswered goes to onForget, an answered one does not', async () => {
    vi.useFakeTimers();
    const forgotten: TrackedRequest[] = [];
    const outstanding = create({ ttlMs: 1_000 }, (request) => void forgotten.push(request));
    const awaited = tracked(1);
    const answered = tracked(2);
    const plain = tracked(3);
    for (const request of [awaited, answered, plain]) outstanding.add('main', 's', request);
    outstanding.await(awaited);
    outstanding.await(answered);
    answered.answered = true;
    await vi.advanceTimersByTimeAsync(1_500);
    expect(outstanding.size).toBe(0);
    expect(forgotten).toEqual([awaited]);
  });

  it('close() hands every awaited request to onForget', () => {
    const forgotten: TrackedRequest[] = [];
    const outstanding = create({}, (request) => void forgotten.push(request));
    const awaited = tracked(1);
    outstanding.add('main', 's', awaited);
    outstanding.add('main', 's', tracked(2));
    outstanding.await(awaited);
    outstanding.close();
    expect(forgotten).toEqual([awaited]);
  });
});
