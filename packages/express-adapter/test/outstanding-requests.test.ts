import { afterEach, describe, expect, it, vi } from 'vitest';
import { compilePolicy, parseConfig } from '@mcpgw/core';
import { OutstandingRequests } from '../src/outstanding-requests.js';
import type { RequestOrigin, TrackedRequest } from '../src/tracked-request.js';
import { configText } from './fixtures/gateway.js';

const policy = compilePolicy(parseConfig(configText('http://127.0.0.1:1/mcp')));
const origin: RequestOrigin = { generation: 1, policy, upstream: 'main', context: {}, client: null, session: 's', started: 0, status: 200 };

function tracked(id: number | string): TrackedRequest {
  const decision = {
    action: 'allow', kind: 'request', method: 'tools/call', tool: 'echo', id, rules: [], forward: true, message: {}, error: null, reply: null, redactions: 0, retryAfterMs: null, responseScope: policy.everyResponseRule,
  } as const;
  return { decision, origin, forwarded: true, responseRedactions: 0, errorCode: null, isError: false, answered: false, ambiguous: false };
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

  it('two outstanding requests of one session with one id are both marked ambiguous; the first stays findable', () => {
    const outstanding = create();
    const first = tracked(7);
    const second = tracked(7);
    outstanding.add('main', 's', first);
    outstanding.add('main', 's', second);
    expect(first.ambiguous).toBe(true);
    expect(second.ambiguous).toBe(true);
    expect(outstanding.take('main', 's', 7)).toBe(first);
  });

  it('keeps at most maxPerSession per session and maxRequests in all, forgetting the oldest; a forgotten awaited request is handed to onForget', () => {
    const forgotten: TrackedRequest[] = [];
    const outstanding = create({ maxRequests: 5, maxPerSession: 3 }, (request) => void forgotten.push(request));
    const own = [1, 2, 3, 4].map(tracked);
    for (const request of own) outstanding.add('main', 'flood', request);
    expect(outstanding.size).toBe(3);
    expect(outstanding.take('main', 'flood', 4)).toBeUndefined();
    const awaited = tracked('victim');
    outstanding.add('main', 'victim', awaited);
    expect(outstanding.await('main', 'victim', awaited)).toBe(true);
    for (const id of [10, 11, 12]) outstanding.add('main', `other-${id}`, tracked(id));
    expect(outstanding.size).toBe(5);
    // The flood's oldest went first; the awaited one is still there.
    expect(forgotten).toEqual([]);
    for (const id of [13, 14, 15]) outstanding.add('main', `other-${id}`, tracked(id));
    expect(forgotten).toEqual([awaited]);
  });

  it('forgets requests after ttlMs, on its own; an awaited one unanswered goes to onForget, an answered one does not', async () => {
    vi.useFakeTimers();
    const forgotten: TrackedRequest[] = [];
    const outstanding = create({ ttlMs: 1_000 }, (request) => void forgotten.push(request));
    const awaited = tracked(1);
    const answered = tracked(2);
    const plain = tracked(3);
    for (const request of [awaited, answered, plain]) outstanding.add('main', 's', request);
    outstanding.await('main', 's', awaited);
    outstanding.await('main', 's', answered);
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
    outstanding.await('main', 's', awaited);
    outstanding.close();
    expect(forgotten).toEqual([awaited]);
  });
});
