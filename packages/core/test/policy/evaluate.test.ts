import { describe, expect, it } from 'vitest';
import { compilePolicy, MemoryRateLimitStore, type EvaluationContext, type RateLimitStore } from '../../src/index.js';
import { AWS_KEY, call, policyOf, request } from '../helpers.js';

const ctx = (extra: Partial<EvaluationContext> = {}): EvaluationContext => ({
  upstream: 'docs',
  client: '10.0.0.1',
  rateLimits: new MemoryRateLimitStore(),
  generation: 7,
  ...extra,
});

describe('deny rules', () => {
  const policy = policyOf(`
- name: deny-shell
  action: deny
  match:
    method: tools/call
    tool: "^(exec|shell)"
  message: shell tools are disabled
- name: deny-delete
  action: deny
  match: { method: [tools/call, prompts/get], tool: "^delete_" }
`);

  it('refuses a matching call with -32003, the rule message and data { rule, generation }', async () => {
    const decision = await policy.evaluate(call('exec', {}, 41), ctx());
    expect(decision.action).toBe('deny');
    expect(decision.forward).toBe(false);
    expect(decision.message).toBeNull();
    expect(decision.rules).toEqual(['deny-shell']);
    expect(decision.error).toEqual({ code: -32003, message: 'denied by policy: shell tools are disabled', data: { rule: 'deny-shell', generation: 7 } });
    expect(decision.reply).toEqual({ jsonrpc: '2.0', id: 41, error: decision.error });
  });

  it('uses the rule name when the rule has no message', async () => {
    const decision = await policy.evaluate(call('delete_repo'), ctx());
    expect(decision.error?.message).toBe('denied by policy: deny-delete');
  });

  it('matches a list of methods exactly', async () => {
    expect((await policy.evaluate(request('prompts/get', { name: 'delete_all' }), ctx())).action).toBe('deny');
    expect((await policy.evaluate(request('resources/read', { name: 'delete_all' }), ctx())).action).toBe('allow');
    // Methods are exact: no case folding, no prefix match.
    expect((await policy.evaluate(request('tools/callx', { name: 'exec' }), ctx())).action).toBe('allow');
  });

  it('tests the tool pattern unanchored unless the pattern anchors it', async () => {
    expect((await policy.evaluate(call('shell_v2'), ctx())).action).toBe('deny');
    expect((await policy.evaluate(call('my_exec'), ctx())).action).toBe('allow');
    expect((await policy.evaluate(call('search'), ctx())).action).toBe('allow');
  });

  it('lets allowed calls through unchanged (same object, nothing copied)', async () => {
    const message = call('search', { q: 'x' });
    const decision = await policy.evaluate(message, ctx());
    expect(decision).toMatchObject({ action: 'allow', forward: true, error: null, reply: null, redactions: 0 });
    expect(decision.message).toBe(message);
  });

  it('denies notifications too, with no reply (they cannot be answered)', async () => {
    const deny = policyOf(`
- name: no-roots-change
  action: deny
  match: { method: notifications/roots/list_changed }
`);
    const decision = await deny.evaluate({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' }, ctx());
    expect(decision).toMatchObject({ action: 'deny', kind: 'notification', forward: false, reply: null });
  });

  it('names every matching deny rule but reports the first in config order', async () => {
    const both = policyOf(`
- name: first
  action: deny
  match: { tool: "^exec$" }
- name: second
  action: deny
  match: { method: tools/call }
`);
    const decision = await both.evaluate(call('exec'), ctx());
    expect(decision.rules).toEqual(['first', 'second']);
    expect(decision.error?.data).toEqual({ rule: 'first', generation: 7 });
  });

  it('with no match at all applies to every request', async () => {
    const all = policyOf(`
- name: lockdown
  action: deny
`);
    expect((await all.evaluate(request('ping'), ctx())).action).toBe('deny');
    expect((await all.evaluate(request('initialize', {}), ctx())).action).toBe('deny');
  });
});

describe('match fields', () => {
  it('upstream: a name or a list, compared with the context upstream', async () => {
    const policy = policyOf(`
- name: files-only
  action: deny
  match: { upstream: files }
- name: either
  action: deny
  match: { upstream: [docs, files], tool: "^drop$" }
`);
    expect((await policy.evaluate(call('x'), ctx({ upstream: 'files' }))).rules).toEqual(['files-only']);
    expect((await policy.evaluate(call('x'), ctx({ upstream: 'docs' }))).action).toBe('allow');
    expect((await policy.evaluate(call('drop'), ctx({ upstream: 'docs' }))).rules).toEqual(['either']);
    // No upstream in the context: an upstream condition cannot hold.
    expect((await policy.evaluate(call('x'), ctx({ upstream: undefined }))).action).toBe('allow');
  });

  it('args: a string argument as-is, anything else as its JSON', async () => {
    const policy = policyOf(`
- name: no-etc
  action: deny
  match: { tool: "^read_file$", args: { path: "^/etc/" } }
- name: no-big-limits
  action: deny
  match: { args: { limit: "^[0-9]{4,}$" } }
- name: no-recursive
  action: deny
  match: { args: { options: '"recursive":true' } }
`);
    expect((await policy.evaluate(call('read_file', { path: '/etc/passwd' }), ctx())).rules).toEqual(['no-etc']);
    expect((await policy.evaluate(call('read_file', { path: '/home/x/etc/' }), ctx())).action).toBe('allow');
    expect((await policy.evaluate(call('list', { limit: 10000 }), ctx())).rules).toEqual(['no-big-limits']);
    expect((await policy.evaluate(call('list', { limit: 100 }), ctx())).action).toBe('allow');
    expect((await policy.evaluate(call('list', { options: { recursive: true } }), ctx())).rules).toEqual(['no-recursive']);
    // Missing argument, or no arguments object: the condition does not hold.
    expect((await policy.evaluate(call('read_file', {}), ctx())).action).toBe('allow');
    expect((await policy.evaluate(request('tools/call', { name: 'read_file' }), ctx())).action).toBe('allow');
  });

  it('args: an inherited property is not an argument', async () => {
    const policy = policyOf(`
- name: no-proto
  action: deny
  match: { args: { toString: "." } }
`);
    expect((await policy.evaluate(call('x', {}), ctx())).action).toBe('allow');
    expect((await policy.evaluate(call('x', { toString: 'y' }), ctx())).action).toBe('deny');
  });

  it('headers: case-insensitive names, from a Node headers object or a Fetch Headers', async () => {
    const policy = policyOf(`
- name: untrusted-agent
  action: deny
  match: { headers: { X-Agent: "^untrusted" } }
`);
    expect((await policy.evaluate(call('x'), ctx({ headers: { 'x-agent': 'untrusted-bot' } }))).action).toBe('deny');
    expect((await policy.evaluate(call('x'), ctx({ headers: { 'X-Agent': 'untrusted-bot' } }))).action).toBe('deny');
    expect((await policy.evaluate(call('x'), ctx({ headers: new Headers({ 'x-agent': 'untrusted-2' }) }))).action).toBe('deny');
    expect((await policy.evaluate(call('x'), ctx({ headers: { 'x-agent': ['trusted', 'untrusted'] } }))).action).toBe('allow');
    expect((await policy.evaluate(call('x'), ctx({ headers: { 'x-agent': 'trusted' } }))).action).toBe('allow');
    expect((await policy.evaluate(call('x'), ctx({ headers: {} }))).action).toBe('allow');
  });

  it('requires every given field to match', async () => {
    const policy = policyOf(`
- name: all-of-them
  action: deny
  match:
    method: tools/call
    tool: "^write$"
    upstream: files
    args: { path: "secret" }
    headers: { x-team: "^ops$" }
`);
    const full = ctx({ upstream: 'files', headers: { 'x-team': 'ops' } });
    expect((await policy.evaluate(call('write', { path: '/secret' }), full)).action).toBe('deny');
    expect((await policy.evaluate(call('write', { path: '/public' }), full)).action).toBe('allow');
    expect((await policy.evaluate(call('write', { path: '/secret' }), { ...full, upstream: 'docs' })).action).toBe('allow');
    expect((await policy.evaluate(call('write', { path: '/secret' }), { ...full, headers: { 'x-team': 'dev' } })).action).toBe('allow');
    expect((await policy.evaluate(call('read', { path: '/secret' }), full)).action).toBe('allow');
  });

  it('tool tests params.name of any method that has one', async () => {
    const policy = policyOf(`
- name: no-exec-name
  action: deny
  match: { tool: "^exec$" }
`);
    expect((await policy.evaluate(request('prompts/get', { name: 'exec' }), ctx())).action).toBe('deny');
    expect((await policy.evaluate(request('resources/list'), ctx())).action).toBe('allow');
  });

  it('finds the right rules among many exact and pattern tool rules (indexed lookup)', async () => {
    const rules = Array.from({ length: 300 }, (_, i) =>
      i % 3 === 0
        ? `- { name: exact-${i}, action: deny, match: { method: tools/call, tool: "^tool_${i}$" } }`
        : i % 3 === 1
          ? `- { name: pattern-${i}, action: deny, match: { method: tools/call, tool: "^fam${i}_v[0-9]+" } }`
          : `- { name: alt-${i}, action: deny, match: { tool: "^(a${i}|b${i})$" } }`,
    ).join('\n');
    const policy = policyOf(rules);
    expect((await policy.evaluate(call('tool_99'), ctx())).rules).toEqual(['exact-99']);
    expect((await policy.evaluate(call('tool_99x'), ctx())).action).toBe('allow');
    expect((await policy.evaluate(call('fam100_v3'), ctx())).rules).toEqual(['pattern-100']);
    expect((await policy.evaluate(call('fam100_vx'), ctx())).action).toBe('allow');
    expect((await policy.evaluate(call('b101'), ctx())).rules).toEqual(['alt-101']);
    expect((await policy.evaluate(request('prompts/get', { name: 'a101' }), ctx())).rules).toEqual(['alt-101']);
    expect((await policy.evaluate(request('prompts/get', { name: 'tool_99' }), ctx())).action).toBe('allow');
  });

  it('keeps config order when exact, pattern and unconditioned rules all match', async () => {
    const rules = [
      ...Array.from({ length: 10 }, (_, i) => `- { name: p${i}, action: redact, match: { tool: "^sea.ch${i}?" }, patterns: ["zzz${i}"] }`),
      '- { name: any, action: redact, patterns: ["qqq"] }',
      '- { name: exact, action: redact, match: { tool: "^search$" }, patterns: ["www"] }',
    ].join('\n');
    const decision = await policyOf(rules).evaluate(call('search'), ctx());
    expect(decision.rules).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'any', 'exact']);
  });
});

describe('redact rules on the request side', () => {
  const policy = policyOf(`
- name: redact-secrets
  action: redact
  patterns: ["AKIA[0-9A-Z]{16}", "ghp_[A-Za-z0-9]{36}"]
- name: mask-cards
  action: redact
  direction: request
  match: { tool: "^pay$" }
  patterns: ["[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}"]
  replacement: "****"
- name: response-only
  action: redact
  direction: response
  patterns: ["internal-[a-z]+"]
`);

  it('rewrites every string inside params and counts replacements', async () => {
    const message = call('upload', { note: `key=${AWS_KEY} and ${AWS_KEY}`, nested: [{ deep: { deeper: [AWS_KEY] } }], keep: 42 });
    const decision = await policy.evaluate(message, ctx());
    expect(decision.action).toBe('redact');
    expect(decision.redactions).toBe(3);
    expect(decision.rules).toEqual(['redact-secrets', 'response-only']);
    expect(decision.message).toEqual(call('upload', { note: 'key=[REDACTED] and [REDACTED]', nested: [{ deep: { deeper: ['[REDACTED]'] } }], keep: 42 }, message.id));
    expect(JSON.stringify(decision.message)).not.toContain(AWS_KEY);
    // The input is not modified.
    expect(message.params.arguments['note']).toContain(AWS_KEY);
  });

  it('uses the rule replacement and applies only rules whose match fits', async () => {
    const paid = await policy.evaluate(call('pay', { card: '4111-1111-1111-1111' }), ctx());
    expect(paid.message).toMatchObject({ params: { arguments: { card: '****' } } });
    const other = await policy.evaluate(call('store', { card: '4111-1111-1111-1111' }), ctx());
    expect(other.message).toMatchObject({ params: { arguments: { card: '4111-1111-1111-1111' } } });
    expect(other.action).toBe('allow');
  });

  it('leaves response-only patterns alone on the way in', async () => {
    const decision = await policy.evaluate(call('x', { a: 'internal-host' }), ctx());
    expect(decision.action).toBe('allow');
    expect(decision.responseScope.rules).toEqual(['redact-secrets', 'response-only']);
  });

  it('never rewrites the envelope (jsonrpc, id, method)', async () => {
    const envelopePolicy = policyOf(`
- { name: r, action: redact, patterns: ["2\\\\.0", "c[a-z]+r"] }
`);
    const decision = await envelopePolicy.evaluate({ jsonrpc: '2.0', id: 'cid-1', method: 'tools/list', params: { cursor: 'cursor' } }, ctx());
    expect(decision.message).toEqual({ jsonrpc: '2.0', id: 'cid-1', method: 'tools/list', params: { '[REDACTED]': '[REDACTED]' } });
  });

  it('refuses (-32600) a message whose id or method holds what a redact pattern matches, whatever the rule matches, rather than forward it', async () => {
    const envelopePolicy = policyOf(`
- { name: r, action: redact, match: { tool: "^never$" }, patterns: ["AKIA[0-9A-Z]{16}"] }
`);
    for (const message of [
      { jsonrpc: '2.0', id: AWS_KEY, method: 'tools/list' },
      { jsonrpc: '2.0', id: 1, method: `x/${AWS_KEY}` },
      { jsonrpc: '2.0', method: `notifications/${AWS_KEY}` },
      { jsonrpc: '2.0', id: AWS_KEY, result: {} },
    ]) {
      const decision = await envelopePolicy.evaluate(message, ctx());
      expect(decision).toMatchObject({ action: 'invalid', forward: false, message: null, error: { code: -32600 } });
    }
    expect((await envelopePolicy.evaluate({ jsonrpc: '2.0', id: 'AKIA', method: 'tools/list' }, ctx())).forward).toBe(true);
    // A pattern that can match empty text occurs everywhere and removes nothing there: no refusal for it.
    const emptyMatching = compilePolicy({ policy: { rules: [{ name: 'lazy', action: 'redact', patterns: ['\\b[a-z]??'] }] } });
    expect((await emptyMatching.evaluate({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, ctx())).forward).toBe(true);
  });

  it('redacts client responses to server requests (sampling answers)', async () => {
    const answer = { jsonrpc: '2.0', id: 5, result: { role: 'assistant', content: { type: 'text', text: `use ${AWS_KEY}` } } };
    const decision = await policy.evaluate(answer, ctx());
    expect(decision).toMatchObject({ kind: 'response', action: 'redact', redactions: 1, forward: true });
    expect(JSON.stringify(decision.message)).not.toContain(AWS_KEY);
  });
});

describe('invalid messages', () => {
  const policy = policyOf(`
- { name: d, action: deny, match: { tool: "^exec$" } }
`);

  it.each([
    ['not an object', 'hello', null, '-32600'],
    ['an array (batches are evaluated element by element)', [], null, '-32600'],
    ['no jsonrpc', { id: 1, method: 'ping' }, 1, '-32600'],
    ['wrong jsonrpc', { jsonrpc: '1.0', id: 1, method: 'ping' }, 1, '-32600'],
    ['method not a string', { jsonrpc: '2.0', id: 1, method: 7 }, 1, '-32600'],
    ['params a string', { jsonrpc: '2.0', id: 1, method: 'x', params: 'p' }, 1, '-32600'],
    ['id an object', { jsonrpc: '2.0', id: {}, method: 'x' }, null, '-32600'],
    ['result and error', { jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: 'x' } }, 1, '-32600'],
    ['tools/call without a string name', { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: ['exec'] } }, 3, '-32602'],
  ])('refuses %s with an Invalid Request / Invalid params error', async (_, message, id, code) => {
    const decision = await policy.evaluate(message, ctx());
    expect(decision.action).toBe('invalid');
    expect(decision.forward).toBe(false);
    expect(decision.reply).toMatchObject({ jsonrpc: '2.0', id, error: { code: Number(code) } });
    expect(decision.error?.message).toMatch(/^Invalid (Request|params): /);
  });
});

describe('rate_limit rules in decisions', () => {
  const policy = policyOf(`
- name: deny-exec
  action: deny
  match: { tool: "^exec$" }
- name: limit-search
  action: rate_limit
  match: { tool: "^search$" }
  limit: 2
  window: 10s
  key: client
`);

  it('refuses the request over the limit with -32029, retry_after_ms and the generation', async () => {
    const context = ctx({ now: 1_000 });
    expect((await policy.evaluate(call('search'), context)).action).toBe('allow');
    expect((await policy.evaluate(call('search'), { ...context, now: 2_000 })).rules).toEqual(['limit-search']);
    const refused = await policy.evaluate(call('search', {}, 'r3'), { ...context, now: 3_000 });
    expect(refused.action).toBe('rate_limit');
    expect(refused.retryAfterMs).toBe(8_000);
    expect(refused.reply).toEqual({
      jsonrpc: '2.0',
      id: 'r3',
      error: { code: -32029, message: 'rate limited by policy: limit-search', data: { rule: 'limit-search', generation: 7, retry_after_ms: 8_000 } },
    });
  });

  it('keys by client address', async () => {
    const context = ctx({ now: 0 });
    await policy.evaluate(call('search'), context);
    await policy.evaluate(call('search'), context);
    expect((await policy.evaluate(call('search'), context)).action).toBe('rate_limit');
    expect((await policy.evaluate(call('search'), { ...context, client: '10.0.0.2' })).action).toBe('allow');
  });

  it('does not count denied messages, notifications or responses', async () => {
    const limitAll = policyOf(`
- { name: deny-exec, action: deny, match: { tool: "^exec$" } }
- { name: two, action: rate_limit, limit: 2, window: 1m }
`);
    const context = ctx({ now: 0 });
    for (let i = 0; i < 5; i++) expect((await limitAll.evaluate(call('exec'), context)).action).toBe('deny');
    for (let i = 0; i < 5; i++) await limitAll.evaluate({ jsonrpc: '2.0', method: 'notifications/progress', params: {} }, context);
    for (let i = 0; i < 5; i++) await limitAll.evaluate({ jsonrpc: '2.0', id: i, result: {} }, context);
    expect((await limitAll.evaluate(call('a'), context)).action).toBe('allow');
    expect((await limitAll.evaluate(call('a'), context)).action).toBe('allow');
    expect((await limitAll.evaluate(call('a'), context)).action).toBe('rate_limit');
  });

  it('counts under every matching rule; the first to refuse is reported', async () => {
    const two = policyOf(`
- { name: per-client, action: rate_limit, limit: 3, window: 1m, key: client }
- { name: global, action: rate_limit, limit: 2, window: 1m }
`);
    const context = ctx({ now: 0 });
    expect((await two.evaluate(call('a'), context)).rules).toEqual(['per-client', 'global']);
    await two.evaluate(call('a'), context);
    const third = await two.evaluate(call('a'), context);
    expect(third.error?.data).toMatchObject({ rule: 'global' });
    expect(third.rules).toEqual(['per-client', 'global']);
    // The third used no per-client quota: the fourth is refused by global again, not by per-client.
    const fourth = await two.evaluate(call('a'), context);
    expect(fourth.error?.data).toMatchObject({ rule: 'global' });
  });

  it('a message refused by its second rate_limit rule leaves the first rule\'s quota unused', async () => {
    const two = policyOf(`
- { name: per-client, action: rate_limit, limit: 2, window: 1m, key: client }
- { name: search-global, action: rate_limit, match: { tool: "^search$" }, limit: 1, window: 1m }
`);
    const context = ctx({ now: 0 });
    expect((await two.evaluate(call('search'), context)).action).toBe('allow');
    for (let i = 0; i < 5; i++) expect((await two.evaluate(call('search'), context)).error?.data).toMatchObject({ rule: 'search-global' });
    expect((await two.evaluate(call('other'), context)).action).toBe('allow');
    expect((await two.evaluate(call('other'), context)).error?.data).toMatchObject({ rule: 'per-client' });
  });

  it('keys by session and by header, sharing one counter when the value is absent', async () => {
    const keyed = policyOf(`
- { name: per-session, action: rate_limit, limit: 1, window: 1m, key: session, match: { tool: "^s$" } }
- { name: per-key, action: rate_limit, limit: 1, window: 1m, key: "header:X-Api-Key", match: { tool: "^h$" } }
`);
    const base = ctx({ now: 0 });
    expect((await keyed.evaluate(call('s'), { ...base, session: 'a' })).action).toBe('allow');
    expect((await keyed.evaluate(call('s'), { ...base, session: 'a' })).action).toBe('rate_limit');
    expect((await keyed.evaluate(call('s'), { ...base, session: 'b' })).action).toBe('allow');
    expect((await keyed.evaluate(call('s'), base)).action).toBe('allow');
    expect((await keyed.evaluate(call('s'), base)).action).toBe('rate_limit');
    expect((await keyed.evaluate(call('h'), { ...base, headers: { 'x-api-key': 'k1' } })).action).toBe('allow');
    expect((await keyed.evaluate(call('h'), { ...base, headers: { 'x-api-key': 'k1' } })).action).toBe('rate_limit');
    expect((await keyed.evaluate(call('h'), { ...base, headers: { 'x-api-key': 'k2' } })).action).toBe('allow');
  });

  it('works with an async store (a Promise-returning hitAll)', async () => {
    const inner = new MemoryRateLimitStore();
    const asyncStore = { hitAll: async (hits: Parameters<MemoryRateLimitStore['hitAll']>[0]) => inner.hitAll(hits) };
    const context = ctx({ now: 0, rateLimits: asyncStore });
    await policy.evaluate(call('search'), context);
    await policy.evaluate(call('search'), context);
    expect((await policy.evaluate(call('search'), context)).action).toBe('rate_limit');
  });

  it('says which rule needs a store when none is given, and wraps store failures', async () => {
    await expect(policy.evaluate(call('search'), { upstream: 'docs' })).rejects.toMatchObject({ code: 'MCPGW_ERR_RATE_LIMIT_STORE_MISSING' });
    const broken = { hitAll: async () => Promise.reject(new Error('connection refused')) };
    await expect(policy.evaluate(call('search'), ctx({ rateLimits: broken }))).rejects.toMatchObject({
      code: 'MCPGW_ERR_RATE_LIMIT_STORE_FAILED',
      message: 'rate-limit store failed for rule "limit-search"',
    });
    // A store written for the one-hit interface cannot count a message's hits all at once: it is refused, not half used.
    const oneHitOnly = { hit: () => ({ allowed: true, retryAfterMs: 0 }) } as unknown as RateLimitStore;
    await expect(policy.evaluate(call('search'), ctx({ rateLimits: oneHitOnly }))).rejects.toMatchObject({
      code: 'MCPGW_ERR_RATE_LIMIT_STORE_FAILED',
      cause: { message: 'the rate-limit store has no hitAll(hits) method: a RateLimitStore counts all the hits of a message or batch in one call' },
    });
    // A request no rate limit matches needs no store.
    expect((await policy.evaluate(call('other'), { upstream: 'docs' })).action).toBe('allow');
  });
});
