import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, post } from './fixtures/client.js';
import { startGateway, type TestGateway } from './fixtures/gateway.js';
import { startRawUpstream, type RawUpstream } from './fixtures/raw-upstream.js';

// A session-keyed limit with a small key budget, and a global limit a flood of fresh sessions must not reset.
const RULES = `
    - name: per-session
      action: rate_limit
      match: { method: ping }
      limit: 100
      window: 1h
      key: session
      max_keys: 5
    - name: global-calls
      action: rate_limit
      match: { method: tools/call }
      limit: 2
      window: 1h
      key: global
`;

describe('rate-limit keys a client can mint, through the gateway', () => {
  let upstream: RawUpstream;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startRawUpstream((_req, res, body) => {
      const { id } = JSON.parse(body) as { id: unknown };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: {} }));
    });
    gateway = await startGateway(upstream.url, { rules: RULES });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const ping = (id: number, session: string) => post(gateway.url, JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }), { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' });
  const toolCall = (id: number) => post(gateway.url, JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: {} } }));

  it('a flood of fresh sessions fills only its own rule\'s budget: new sessions are refused, audited with the reason, and the global limit still holds', async () => {
    expect((await toolCall(1)).json).toMatchObject({ result: {} });
    expect((await toolCall(2)).json).toMatchObject({ result: {} });
    expect((await toolCall(3)).json).toMatchObject({ error: { code: -32029, data: { rule: 'global-calls' } } });

    const answers = [];
    for (let i = 0; i < 40; i++) answers.push(await ping(100 + i, `flood-${i}`));
    expect(answers.slice(0, 5).every((answer) => (answer.json as { result?: unknown }).result !== undefined)).toBe(true);
    for (const answer of answers.slice(5)) {
      expect(answer.json).toMatchObject({ error: { code: -32029, data: { rule: 'per-session', reason: 'key_budget_full', retry_after_ms: expect.any(Number) } } });
    }
    // A session already counted goes on being counted.
    expect((await ping(200, 'flood-0')).json).toMatchObject({ result: {} });
    // The flood reset nothing: the global limit still refuses.
    expect((await toolCall(4)).json).toMatchObject({ error: { code: -32029, data: { rule: 'global-calls' } } });

    await eventually(() => gateway.decisions().some((event) => event.id === 139));
    expect(gateway.decisions().find((event) => event.id === 139)).toMatchObject({ action: 'rate_limit', rules: ['per-session'], error_code: -32029, reason: 'key_budget_full' });
    expect(gateway.decisions().find((event) => event.id === 3)).not.toHaveProperty('reason');
  });
});
