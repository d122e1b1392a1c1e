import { describe, expect, it } from 'vitest';
import { compilePolicy, MemoryRateLimitStore, type EvaluationContext } from '../../src/index.js';
import { AWS_KEY, call, GITHUB_TOKEN, policyOf, request } from '../helpers.js';

const ctx: EvaluationContext = { upstream: 'docs', rateLimits: new MemoryRateLimitStore() };

const policy = policyOf(`
- name: redact-secrets
  action: redact
  patterns: ["AKIA[0-9A-Z]{16}", "ghp_[A-Za-z0-9]{36}"]
- name: hide-internal-hosts
  action: redact
  direction: response
  match: { tool: "^get_config$" }
  patterns: ["[a-z]+\\\\.internal\\\\.example"]
  replacement: "<host>"
- name: inbound-only
  action: redact
  direction: request
  patterns: ["inbound-[0-9]+"]
`);

describe('response redaction', () => {
  it('rewrites every string of a tool result: content[], structuredContent, nested, with the scope of its request', async () => {
    const decision = await policy.evaluate(call('get_config'), ctx);
    expect(decision.responseScope.rules).toEqual(['redact-secrets', 'hide-internal-hosts']);
    const response = {
      jsonrpc: '2.0',
      id: 1,
      result: {
        content: [
          { type: 'text', text: `aws=${AWS_KEY} host=db.internal.example inbound-7` },
          { type: 'resource', resource: { uri: 'file:///x', text: GITHUB_TOKEN } },
        ],
        structuredContent: { aws: AWS_KEY, nested: { list: [GITHUB_TOKEN, { host: 'db.internal.example' }] } },
        isError: false,
      },
    };
    const { message, redactions } = policy.redactResponse(response, decision.responseScope);
    expect(redactions).toBe(6);
    expect(message).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: {
        content: [
          { type: 'text', text: 'aws=[REDACTED] host=<host> inbound-7' },
          { type: 'resource', resource: { uri: 'file:///x', text: '[REDACTED]' } },
        ],
        structuredContent: { aws: '[REDACTED]', nested: { list: ['[REDACTED]', { host: '<host>' }] } },
        isError: false,
      },
    });
  });

  it('applies only the response rules whose match fitted the request', async () => {
    const decision = await policy.evaluate(call('other_tool'), ctx);
    expect(decision.responseScope.rules).toEqual(['redact-secrets']);
    const { message } = policy.redactResponse({ jsonrpc: '2.0', id: 1, result: { text: 'db.internal.example' } }, decision.responseScope);
    expect(message).toEqual({ jsonrpc: '2.0', id: 1, result: { text: 'db.internal.example' } });
  });

  it('rewrites error messages and error data', async () => {
    const decision = await policy.evaluate(call('x'), ctx);
    const { message, redactions } = policy.redactResponse(
      { jsonrpc: '2.0', id: 1, error: { code: -32000, message: `bad key ${AWS_KEY}`, data: { token: GITHUB_TOKEN } } },
      decision.responseScope,
    );
    expect(redactions).toBe(2);
    expect(message).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'bad key [REDACTED]', data: { token: '[REDACTED]' } } });
  });

  it('rewrites resources/read contents', async () => {
    const decision = await policy.evaluate(request('resources/read', { uri: 'file:///etc/app.env' }), ctx);
    const { message } = policy.redactResponse(
      { jsonrpc: '2.0', id: 1, result: { contents: [{ uri: 'file:///etc/app.env', mimeType: 'text/plain', text: `AWS_ACCESS_KEY_ID=${AWS_KEY}` }] } },
      decision.responseScope,
    );
    expect(JSON.stringify(message)).not.toContain(AWS_KEY);
  });

  it('rewrites notifications and server requests in a stream (params), keeping the envelope', async () => {
    const decision = await policy.evaluate(call('x'), ctx);
    const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1, message: `using ${AWS_KEY}` } };
    expect(policy.redactResponse(progress, decision.responseScope).message).toEqual({
      ...progress,
      params: { ...progress.params, message: 'using [REDACTED]' },
    });
    const sampling = { jsonrpc: '2.0', id: 'srv-1', method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: GITHUB_TOKEN } }] } };
    expect(JSON.stringify(policy.redactResponse(sampling, decision.responseScope).message)).not.toContain(GITHUB_TOKEN);
  });

  it('rewrites a batch of responses element by element', async () => {
    const decision = await policy.evaluate(call('x'), ctx);
    const batch = [
      { jsonrpc: '2.0', id: 1, result: { a: AWS_KEY } },
      { jsonrpc: '2.0', id: 2, result: { a: 'clean' } },
    ];
    const { message, redactions } = policy.redactResponse(batch, decision.responseScope);
    expect(redactions).toBe(1);
    expect(message).toEqual([{ jsonrpc: '2.0', id: 1, result: { a: '[REDACTED]' } }, batch[1]]);
    expect((message as unknown[])[1]).toBe(batch[1]);
  });

  it('returns the message itself when nothing matched', async () => {
    const decision = await policy.evaluate(call('x'), ctx);
    const clean = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'all good' }] } };
    expect(policy.redactResponse(clean, decision.responseScope)).toEqual({ message: clean, redactions: 0 });
    expect(policy.redactResponse(clean, decision.responseScope).message).toBe(clean);
  });

  it('scopes server-initiated messages by matching the message itself', () => {
    const scope = policy.responseScope({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `k=${AWS_KEY}` } }, ctx);
    expect(scope.rules).toEqual(['redact-secrets']);
    const { message } = policy.redactResponse({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `k=${AWS_KEY}` } }, scope);
    expect(JSON.stringify(message)).not.toContain(AWS_KEY);
  });

  it('refuses a scope from another compiled policy', async () => {
    const decision = await policy.evaluate(call('x'), ctx);
    const other = compilePolicy({ policy: { rules: [] } });
    expect(() => other.redactResponse({ jsonrpc: '2.0', id: 1, result: {} }, decision.responseScope)).toThrow(/another compiled policy/);
  });
});

describe('tools/list filtering', () => {
  const filtering = policyOf(`
- name: deny-shell
  action: deny
  match: { method: tools/call, tool: "^(exec|shell)" }
- name: deny-files-writes
  action: deny
  match: { tool: "^write_", upstream: files }
- name: deny-etc-reads
  action: deny
  match: { tool: "^read_file$", args: { path: "^/etc" } }
- name: deny-for-bots
  action: deny
  match: { tool: "^deploy$", headers: { user-agent: "bot" } }
- name: deny-prompt
  action: deny
  match: { method: prompts/get, tool: "^search$" }
`);
  const tools = ['exec', 'shell_v2', 'write_file', 'read_file', 'deploy', 'search', 'echo'].map((name) => ({ name, inputSchema: { type: 'object' } }));

  it('drops tools a deny rule without args/headers conditions would refuse', () => {
    const { result, removed } = filtering.filterToolsList({ tools, nextCursor: 'c2' }, { upstream: 'files' });
    expect(removed).toEqual(['exec', 'shell_v2', 'write_file']);
    expect(result).toEqual({ tools: tools.filter((t) => ['read_file', 'deploy', 'search', 'echo'].includes(t.name)), nextCursor: 'c2' });
  });

  it('considers the upstream', () => {
    expect(filtering.filterToolsList({ tools }, { upstream: 'docs' }).removed).toEqual(['exec', 'shell_v2']);
  });

  it('returns the result itself when nothing is removed or the shape is unexpected', () => {
    const clean = { tools: [{ name: 'echo' }] };
    expect(filtering.filterToolsList(clean, {}).result).toBe(clean);
    for (const odd of [null, 'x', [], { tools: 'no' }, { other: 1 }]) expect(filtering.filterToolsList(odd, {})).toEqual({ result: odd, removed: [] });
    // Tools without a string name are left alone.
    expect(filtering.filterToolsList({ tools: [{ name: 3 }, {}] }, {}).removed).toEqual([]);
  });
});

describe('compiled policy', () => {
  it('is deep-frozen', () => {
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.rules)).toBe(true);
    for (const rule of policy.rules) {
      expect(Object.isFrozen(rule)).toBe(true);
      expect(Object.isFrozen(rule.match)).toBe(true);
      if (rule.patterns) expect(Object.isFrozen(rule.patterns)).toBe(true);
    }
    expect(() => {
      (policy.rules as unknown[]).push({});
    }).toThrow(TypeError);
  });

  it('summarizes its rules with defaults filled in', () => {
    const summary = policyOf(`
- { name: r, action: redact, patterns: ["x"] }
- { name: l, action: rate_limit, limit: 5, window: 10s, key: "header:X-Key", match: { method: tools/call } }
- { name: g, action: rate_limit, limit: 1, window: 1h }
- { name: s, action: rate_limit, limit: 1, window: 1h, key: session, max_keys: 500 }
`).rules;
    expect(summary).toEqual([
      { index: 0, name: 'r', action: 'redact', match: {}, direction: 'both', patterns: ['x'], replacement: '[REDACTED]' },
      { index: 1, name: 'l', action: 'rate_limit', match: { method: ['tools/call'] }, limit: 5, windowMs: 10_000, key: 'header:x-key', maxKeys: 100_000 },
      { index: 2, name: 'g', action: 'rate_limit', match: {}, limit: 1, windowMs: 3_600_000, key: 'global', maxKeys: 1 },
      { index: 3, name: 's', action: 'rate_limit', match: {}, limit: 1, windowMs: 3_600_000, key: 'session', maxKeys: 500 },
    ]);
  });
});

describe('joining scopes and redacting loose text', () => {
  const joined = policyOf(`
- { name: tools-a, action: redact, direction: response, match: { tool: "^a$" }, patterns: ["alpha"] }
- { name: tools-b, action: redact, direction: response, match: { tool: "^b$" }, patterns: ["beta"] }
- { name: on-logs, action: redact, direction: response, match: { method: notifications/message }, patterns: ["gamma"] }
- { name: inbound, action: redact, direction: request, patterns: ["delta"] }
`);

  it('responseScope joins the scopes it is given with the rules the message matches', async () => {
    const a = await joined.evaluate(call('a'), ctx);
    const b = await joined.evaluate(call('b'), ctx);
    const log = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'alpha beta gamma delta' } };
    const scope = joined.responseScope(log, ctx, a.responseScope, b.responseScope);
    expect(scope.rules).toEqual(['tools-a', 'tools-b', 'on-logs']);
    expect(joined.redactResponse(log, scope).message).toMatchObject({ params: { data: '[REDACTED] [REDACTED] [REDACTED] delta' } });
    expect(joined.responseScope(log, ctx).rules).toEqual(['on-logs']);
  });

  it('redactText applies every pattern of every rule, whatever its match and direction', () => {
    expect(joined.redactText('alpha beta gamma delta epsilon')).toBe('[REDACTED] [REDACTED] [REDACTED] [REDACTED] epsilon');
    expect(compilePolicy({}).redactText(AWS_KEY)).toBe(AWS_KEY);
  });
});

describe('responsePatternsMayOccur and responseMayChangeJson', () => {
  it('answer whether a response pattern of any rule may change a string of a text without escapes', () => {
    const policy = compilePolicy({
      policy: {
        rules: [
          { name: 'aws', action: 'redact', match: { tool: '^only_this$' }, patterns: ['AKIA[0-9A-Z]{16}'] },
          { name: 'outgoing-only', action: 'redact', direction: 'request', patterns: ['ghp_[A-Za-z0-9]{36}'] },
        ],
      },
    });
    const text = (value: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: value }] } });
    const anchored = compilePolicy({ policy: { rules: [{ name: 'a', action: 'redact', patterns: ['^secret$', '\\bword\\b'] }] } });
    for (const may of ['responsePatternsMayOccur', 'responseMayChangeJson'] as const) {
      // Whatever the rule's match: the text is for any scope.
      expect(policy[may](text(`key ${AWS_KEY}`))).toBe(true);
      expect(policy[may](`{"${AWS_KEY}":1}`)).toBe(true);
      // Request-only patterns never apply to responses.
      expect(policy[may](text(`token ${GITHUB_TOKEN}`))).toBe(false);
      expect(policy[may](text('nothing here'))).toBe(false);
      expect(compilePolicy({ policy: { rules: [] } })[may](text(AWS_KEY))).toBe(false);
      // A pattern that can tell where a text starts may match a string the whole text hides.
      expect(anchored[may](text('secret'))).toBe(true);
      expect(anchored[may](text('a word.'))).toBe(true);
    }
    // responsePatternsMayOccur says "may" for any anchored pattern; responseMayChangeJson looks.
    expect(anchored.responseMayChangeJson(text('no such thing'))).toBe(false);
    // The same answers on the text's UTF-8 bytes.
    expect(policy.responseMayChangeJson(Buffer.from(text(`ünï ${AWS_KEY}`)))).toBe(true);
    expect(policy.responseMayChangeJson(Buffer.from(text('ünï')))).toBe(false);
  });

  it('reads through escapes that may stand for a character of a match, and no others', () => {
    const policy = compilePolicy({ policy: { rules: [{ name: 'aws', action: 'redact', patterns: ['AKIA[0-9A-Z]{16}'] }] } });
    // \u0041 is "A": the decoded string holds the key.
    expect(policy.responseMayChangeJson(`{"t":"\\u0041KIAIOSFODNN7EXAMPLE"}`)).toBe(true);
    // Escapes for characters no atom of the pattern accepts change nothing: newlines, quotes, non-ASCII.
    expect(policy.responseMayChangeJson(`{"t":"line\\nnext \\"quoted\\" caf\\u00e9"}`)).toBe(false);
    // A pattern that takes any character: every escape may hide part of a match.
    const dots = compilePolicy({ policy: { rules: [{ name: 'pem', action: 'redact', patterns: ['(?s)BEGIN.*END'] }] } });
    expect(dots.responseMayChangeJson(`{"t":"BEGIN\\nEND"}`)).toBe(true);
    expect(dots.responseMayChangeJson(`{"t":"BEG\\nIN"}`)).toBe(true);
    expect(dots.responseMayChangeJson(`{"t":"nothing"}`)).toBe(false);
  });
});
