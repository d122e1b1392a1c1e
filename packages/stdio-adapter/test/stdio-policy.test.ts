/**
 * The policy seam of the stdio gateway (src/stdio-policy.ts), through its
 * interface only — fromClient, fromServer, refuseClientLine, dropServerLine,
 * close — so that these tests hold for any implementation of it (the one
 * built on @mcpgw/core's exchange included).
 */
import { describe, expect, it } from 'vitest';
import { compilePolicy, parseConfig, PolicyHandle, type GatewayAuditEvent as StdioAuditEvent } from '@mcpgw/core';
import { StdioPolicy } from '../src/stdio-policy.js';

const RULES = `policy:
  rules:
    - name: deny-exec
      action: deny
      match: { method: tools/call, tool: "^exec$" }
    - name: redact-keys
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}"]
    - name: redact-call-words
      action: redact
      direction: response
      match: { method: tools/call }
      patterns: ["call-secret-[0-9]+"]
`;
const KEY = 'AKIAABCDEFGHIJKLMNOP';

function setup(yaml = RULES) {
  const handle = new PolicyHandle(compilePolicy(parseConfig(yaml, { requireUpstreams: false })));
  const events: StdioAuditEvent[] = [];
  const policy = new StdioPolicy({ handle, server: 'fs', onAudit: (event) => events.push(event) });
  return { handle, policy, events, decisions: () => events.filter((event) => event.event === 'decision') };
}

const request = (id: number | string, method: string, params: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method, params });
const call = (id: number | string, name: string, args: Record<string, unknown> = {}) => request(id, 'tools/call', { name, arguments: args });
const result = (id: number | string, value: unknown) => ({ jsonrpc: '2.0', id, result: value });
const text = (value: string) => ({ content: [{ type: 'text', text: value }] });
const parse = (line: string | null) => (line === null ? null : (JSON.parse(line) as unknown));

describe('StdioPolicy: client lines', () => {
  it('forwards an allowed request redacted, and answers a denied one itself', async () => {
    const { policy, decisions } = setup();
    expect(parse((await policy.fromClient(call(1, 'echo', { text: KEY }))).toServer)).toEqual(call(1, 'echo', { text: '[REDACTED]' }));
    const denied = await policy.fromClient(call(2, 'exec'));
    expect(denied.toServer).toBeNull();
    expect(parse(denied.toClient)).toEqual({ jsonrpc: '2.0', id: 2, error: { code: -32003, message: 'denied by policy: deny-exec', data: { rule: 'deny-exec', generation: 1 } } });
    expect(decisions()).toEqual([expect.objectContaining({ method: 'tools/call', tool: 'exec', id: 2, action: 'deny', error_code: -32003, upstream: 'fs', status: null })]);
  });

  it('refuses a batch whole when one element is refused, one reply per request; nothing reaches the server', async () => {
    const { policy, decisions } = setup();
    const verdict = await policy.fromClient([call(1, 'echo'), call(2, 'exec'), { jsonrpc: '2.0', method: 'notifications/cancelled', params: {} }]);
    expect(verdict.toServer).toBeNull();
    expect(parse(verdict.toClient)).toEqual([
      expect.objectContaining({ id: 1, error: expect.objectContaining({ code: -32003, message: 'not forwarded: another message in this batch was refused' }) }),
      expect.objectContaining({ id: 2, error: expect.objectContaining({ code: -32003, message: 'denied by policy: deny-exec' }) }),
    ]);
    expect(decisions().map((event) => [event.id, event.action])).toEqual([
      [1, 'deny'],
      [2, 'deny'],
      [null, 'deny'],
    ]);
  });

  it('answers lines that are no message with an error and audits them, thinned', () => {
    const { policy, events } = setup();
    expect(parse(policy.refuseClientLine('parse_error', { message: 'Parse error: the line is not valid JSON' }))).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: the line is not valid JSON' } });
    expect(parse(policy.refuseClientLine('line_too_long', { message: 'too long', id: 9, bytes: 5_000_000 }))).toEqual({ jsonrpc: '2.0', id: 9, error: { code: -32600, message: 'too long' } });
    for (let i = 0; i < 50; i++) policy.refuseClientLine('parse_error', { message: `bad ${KEY}` });
    policy.close('no_response');
    const refused = events.filter((event) => event.event === 'request_refused');
    expect(refused.length).toBeLessThan(15);
    expect(refused.reduce((sum, event) => sum + 1 + ((event as { suppressed?: number }).suppressed ?? 0), 0)).toBe(52);
    expect(JSON.stringify(events)).not.toContain(KEY);
  });
});

describe('StdioPolicy: server lines', () => {
  it("redacts an answer with its request's scope, filters a tools list, and audits the request on its answer", async () => {
    const { policy, decisions } = setup();
    await policy.fromClient(call(1, 'read'));
    expect(parse(policy.fromServer(result(1, text(`call-secret-1 and ${KEY}`))))).toEqual(result(1, text('[REDACTED] and [REDACTED]')));
    await policy.fromClient(request(2, 'tools/list'));
    expect(parse(policy.fromServer(result(2, { tools: [{ name: 'read' }, { name: 'exec' }] })))).toEqual(result(2, { tools: [{ name: 'read' }] }));
    expect(decisions()).toEqual([
      expect.objectContaining({ id: 1, action: 'redact', redactions: { request: 0, response: 2 }, error_code: null }),
      expect.objectContaining({ id: 2, method: 'tools/list', action: 'allow' }),
    ]);
    expect(policy.pending).toBe(0);
  });

  it('passes the text as it came when nothing in it can change', async () => {
    const { policy } = setup();
    await policy.fromClient(call(1, 'read'));
    const line = '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"plain"}]},"extra":  1}';
    expect(policy.fromServer(JSON.parse(line), line)).toBe(line);
  });

  it('fails closed on an answer to no pending request, or to an id two pending requests share', async () => {
    const { policy } = setup();
    // A word only tools/call answers lose, in an answer to nothing: every response rule applies, and deny filters the tools.
    expect(parse(policy.fromServer(result(99, { text: 'call-secret-2', tools: [{ name: 'exec' }] })))).toEqual(result(99, { text: '[REDACTED]', tools: [] }));
    await policy.fromClient(request(5, 'ping'));
    await policy.fromClient(request(5, 'ping'));
    expect(parse(policy.fromServer(result(5, { text: 'call-secret-3' })))).toEqual(result(5, { text: '[REDACTED]' }));
  });

  it('redacts a notification with the scopes of the requests in flight, and the rules that match it', async () => {
    const { policy } = setup();
    const note = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1, message: 'call-secret-4' } };
    expect(parse(policy.fromServer(note))).toEqual(note);
    await policy.fromClient(call(1, 'slow'));
    expect(parse(policy.fromServer(note))).toEqual({ ...note, params: { ...note.params, message: '[REDACTED]' } });
  });

  it('a reload mid-call: the answer is redacted under the generation its request was admitted with', async () => {
    const { handle, policy, decisions } = setup('policy:\n  rules: []\n');
    await policy.fromClient(call(1, 'slow'));
    handle.swap(compilePolicy(parseConfig(RULES, { requireUpstreams: false })));
    await policy.fromClient(call(2, 'slow'));
    expect(parse(policy.fromServer(result(2, text(KEY))))).toEqual(result(2, text('[REDACTED]')));
    expect(parse(policy.fromServer(result(1, text(KEY))))).toEqual(result(1, text(KEY)));
    expect(decisions().map((event) => [event.id, event.generation])).toEqual([
      [2, 2],
      [1, 1],
    ]);
    // Generation 1 is released with its last answer.
    expect(handle.inFlight(1)).toBe(0);
  });

  it("evaluates the client's answer to a server request: forwarded, redacted with the request-side rules", async () => {
    const { policy } = setup();
    expect(parse(policy.fromServer(request('s1', 'sampling/createMessage', { messages: [] })))).toEqual(request('s1', 'sampling/createMessage', { messages: [] }));
    const verdict = await policy.fromClient(result('s1', { role: 'assistant', content: { type: 'text', text: KEY } }));
    expect(parse(verdict.toServer)).toEqual(result('s1', { role: 'assistant', content: { type: 'text', text: '[REDACTED]' } }));
  });

  it('drops a line that is no message (audited); an unreadable answer to a pending request fails it with -32010', async () => {
    const { policy, events, decisions } = setup();
    expect(policy.fromServer({ hello: 'world' })).toBeNull();
    await policy.fromClient(call(3, 'read'));
    expect(parse(policy.dropServerLine('line_too_long', { message: 'a line of 20000000 bytes', id: 3, bytes: 20_000_000 }))).toEqual({
      jsonrpc: '2.0',
      id: 3,
      error: { code: -32010, message: 'upstream "fs" sent an answer the gateway cannot read', data: { upstream: 'fs' } },
    });
    expect(policy.dropServerLine('parse_error', { message: 'not JSON', id: 77, bytes: 10 })).toBeNull();
    expect(events.filter((event) => event.event === 'server_message_dropped').map((event) => (event as { reason: string }).reason)).toEqual(['invalid_message', 'line_too_long', 'parse_error']);
    expect(decisions()).toEqual([expect.objectContaining({ id: 3, error_code: -32010, outcome: 'upstream_failed' })]);
  });

  it('close audits what is still pending with the outcome, and releases every lease', async () => {
    const { handle, policy, decisions } = setup();
    await policy.fromClient([call(1, 'a'), call(2, 'b')]);
    expect(handle.inFlight()).toBe(1);
    policy.close('client_closed');
    expect(decisions().map((event) => [event.id, event.outcome])).toEqual([
      [1, 'client_closed'],
      [2, 'client_closed'],
    ]);
    expect(handle.inFlight()).toBe(0);
  });
});

describe('StdioPolicy: bounds', () => {
  it('a request past the pending limit is answered -32603 and uses no quota; once answers come, requests go on', async () => {
    const handle = new PolicyHandle(compilePolicy(parseConfig(RULES, { requireUpstreams: false })));
    const policy = new StdioPolicy({ handle, server: 'fs', limits: { pendingRequests: 2 } });
    await policy.fromClient(call(1, 'a'));
    await policy.fromClient(call(2, 'b'));
    const refused = await policy.fromClient(call(3, 'c'));
    expect(refused.toServer).toBeNull();
    expect(parse(refused.toClient)).toEqual({ jsonrpc: '2.0', id: 3, error: { code: -32603, message: "2 requests are waiting for the server's answer; the gateway holds at most 2" } });
    policy.fromServer(result(1, {}));
    expect((await policy.fromClient(call(4, 'd'))).toServer).not.toBeNull();
  });
});
