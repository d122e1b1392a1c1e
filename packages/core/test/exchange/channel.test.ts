// A Channel is how a transport with one two-way connection (stdio) uses the
// exchange: each client message its own exchange and lease, all server
// messages on one stream. These tests drive it with a real policy, as the
// stdio adapter does, and read what it sends on and what it audits.

import { describe, expect, it } from 'vitest';
import { Channel, Exchange, compilePolicy, createExchangeRuntime, parseConfig, PolicyHandle, type GatewayAuditEvent } from '../../src/index.js';
import { configWithRules } from '../helpers.js';

const RULES = `
- name: deny-exec
  action: deny
  match: { method: tools/call, tool: "^exec$" }
- name: redact-keys
  action: redact
  patterns: ["AKIA[0-9A-Z]{16}"]
- name: redact-search-words
  action: redact
  match: { method: tools/call, tool: "^search$" }
  patterns: ["secret-word"]
`;

const KEY = 'AKIAABCDEFGHIJKLMNOP';

function setUp(rules = RULES) {
  const events: GatewayAuditEvent[] = [];
  const handle = new PolicyHandle(compilePolicy(parseConfig(configWithRules(rules))));
  const runtime = createExchangeRuntime(handle, { onAudit: (event) => events.push(event), outstanding: { maxRequests: 100, maxPerSession: 100 } });
  const channel = new Channel(runtime, { upstream: 'docs', connection: 'stdio-1' });
  return { channel, handle, events };
}

const decisions = (events: GatewayAuditEvent[]) => events.filter((event) => event.event === 'decision');

describe('Channel', () => {
  it('forwards an allowed call redacted, and redacts its answer with the scope of its request', async () => {
    const { channel, events } = setUp();
    const exchange = channel.exchange();
    const admission = await exchange.admit({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search', arguments: { q: KEY } } });
    expect(admission.forward).toBe(true);
    if (!admission.forward) return;
    expect(JSON.stringify(admission.body)).not.toContain(KEY);
    channel.opened(exchange);
    expect(channel.inFlight).toBe(1);

    const text = channel.rewrite({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: `found secret-word and ${KEY}` }] } });
    expect(text).not.toContain('secret-word');
    expect(text).not.toContain(KEY);
    expect(channel.inFlight).toBe(0);
    expect(decisions(events)).toMatchObject([{ method: 'tools/call', tool: 'search', action: 'redact', status: null, session: null, redactions: { request: 1, response: 2 } }]);
  });

  it('answers a denied call itself and forwards nothing', async () => {
    const { channel, events } = setUp();
    const exchange = channel.exchange();
    const admission = await exchange.admit({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'exec', arguments: {} } });
    expect(admission.forward).toBe(false);
    if (admission.forward) return;
    expect(admission.answer.body).toMatchObject({ id: 2, error: { code: -32003 } });
    exchange.close({ finished: true, status: null });
    expect(decisions(events)).toMatchObject([{ tool: 'exec', action: 'deny', rules: ['deny-exec'], error_code: -32003 }]);
  });

  it('keeps a request on the generation it was admitted under when the policy is reloaded before its answer', async () => {
    const { channel, handle, events } = setUp();
    const exchange = channel.exchange();
    await exchange.admit({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'search', arguments: {} } });
    channel.opened(exchange);
    // The new generation no longer redacts secret-word.
    handle.swap(compilePolicy(parseConfig(configWithRules(RULES.replace('secret-word', 'other-word')))));
    const text = channel.rewrite({ jsonrpc: '2.0', id: 3, result: { content: [{ type: 'text', text: 'secret-word' }] } });
    expect(text).not.toContain('secret-word');
    expect(decisions(events)).toMatchObject([{ generation: 1 }]);
    // A new call is decided by the new generation.
    const next = channel.exchange();
    await next.admit({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'search', arguments: {} } });
    channel.opened(next);
    expect(channel.rewrite({ jsonrpc: '2.0', id: 4, result: { content: [{ type: 'text', text: 'secret-word' }] } })).toContain('secret-word');
  });

  it('redacts a notification with the scopes of every request in flight', async () => {
    const { channel } = setUp();
    const exchange = channel.exchange();
    await exchange.admit({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'search', arguments: {}, _meta: { progressToken: 't' } } });
    channel.opened(exchange);
    const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: 1, message: 'secret-word' } };
    expect(channel.rewrite(progress)).not.toContain('secret-word');
    // Once the search is answered, nothing in flight asks for that rule.
    channel.rewrite({ jsonrpc: '2.0', id: 5, result: { content: [] } });
    expect(channel.rewrite(progress)).toContain('secret-word');
  });

  it('redacts an answer to no request it knows with every response rule', () => {
    const { channel } = setUp();
    const text = channel.rewrite({ jsonrpc: '2.0', id: 99, result: { content: [{ type: 'text', text: `secret-word ${KEY}` }] } });
    expect(text).not.toContain('secret-word');
    expect(text).not.toContain(KEY);
  });

  it('carries the identity slot of its context to the policy and to each request it remembers', async () => {
    const { channel } = setUp();
    const identity = { sub: 'alice', via: 'jwt' as const, groups: ['eng'] };
    const exchange = new Exchange(channel.runtime, { upstream: 'docs', identity, connection: 'c' });
    expect(exchange.context.identity).toBe(identity);
    await exchange.admit({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'search', arguments: {} } });
    expect(exchange.soleTracked()?.origin.context.identity).toBe(identity);
    exchange.close({ finished: false, status: null });
  });

  it('audits what is still waiting when the connection ends', async () => {
    const { channel, events } = setUp();
    const exchange = channel.exchange();
    await exchange.admit({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'search', arguments: {} } });
    channel.opened(exchange);
    channel.close({ clientGone: true });
    expect(decisions(events)).toMatchObject([{ id: 6, outcome: 'client_closed', status: null }]);
  });
});
