import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually, post } from './fixtures/client.js';
import { startGateway, type TestGateway } from './fixtures/gateway.js';
import { startRawUpstream, type RawUpstream } from './fixtures/raw-upstream.js';

const call = (name: string, id: number | string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });
const NOT_FORWARDED = 'not forwarded: another message in this batch was refused';

// limit-search (fixtures/gateway.ts): 3 tools/call search per minute per client.
describe('refused batches use no rate-limit quota (SPEC §3)', () => {
  let upstream: RawUpstream;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startRawUpstream((_req, res, body) => {
      const parsed = JSON.parse(body) as { id?: unknown } | Array<{ id?: unknown }>;
      const answer = (message: { id?: unknown }) => ({ jsonrpc: '2.0', id: message.id ?? null, result: { content: [] } });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Array.isArray(parsed) ? parsed.map(answer) : answer(parsed)));
    });
  });
  beforeEach(async () => {
    gateway = await startGateway(upstream.url);
  });
  afterEach(async () => {
    await gateway?.close();
  });
  afterAll(async () => {
    await upstream?.close();
  });

  /** How many single search calls are still let through (up to 5). */
  async function searchesLeft(): Promise<number> {
    let forwarded = 0;
    for (let i = 0; i < 5; i++) {
      const response = await post(gateway.url, JSON.stringify(call('search', 100 + i)));
      if ((response.json as { error?: unknown }).error === undefined) forwarded++;
    }
    return forwarded;
  }

  it('a batch refused for a denied element leaves the quota of its allowed elements unused', async () => {
    const before = upstream.received.length;
    const response = await post(gateway.url, JSON.stringify([call('search', 1), call('search', 2), call('exec', 3)]));
    expect(response.status).toBe(200);
    expect((response.json as Array<{ error: { message: string } }>).map((reply) => reply.error.message)).toEqual([NOT_FORWARDED, NOT_FORWARDED, 'denied by policy: exec is disabled']);
    expect(upstream.received.length).toBe(before);
    expect(await searchesLeft()).toBe(3);
  });

  it('a batch over the limit as a whole is refused and uses none of it', async () => {
    const response = await post(gateway.url, JSON.stringify([1, 2, 3, 4].map((id) => call('search', id))));
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('retry-after'))).toBe(60);
    expect((response.json as Array<{ error: { code: number } }>).map((reply) => reply.error.code)).toEqual([-32003, -32003, -32003, -32029]);
    expect(await searchesLeft()).toBe(3);
  });

  it('a batch that uses an id twice is answered per element with HTTP 200, and uses no quota', async () => {
    const before = upstream.received.length;
    const response = await post(gateway.url, JSON.stringify([call('search', 1), call('search', 2), call('echo', 1)]));
    expect(response.status).toBe(200);
    const twice = { code: -32600, message: 'Invalid Request: the id 1 is used twice in one batch' };
    expect(response.json).toEqual([
      { jsonrpc: '2.0', id: 1, error: twice },
      { jsonrpc: '2.0', id: 2, error: { code: -32003, message: NOT_FORWARDED, data: { generation: 1 } } },
      { jsonrpc: '2.0', id: 1, error: twice },
    ]);
    expect(upstream.received.length).toBe(before);
    await eventually(() => gateway.audits.length === 3);
    expect(gateway.decisions().map((event) => [event.id, event.action, event.error_code])).toEqual([
      [1, 'deny', -32600],
      [2, 'deny', -32003],
      [1, 'deny', -32600],
    ]);
    expect(await searchesLeft()).toBe(3);
  });
});
