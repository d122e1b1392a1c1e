import { afterEach, describe, expect, it } from 'vitest';
import { compilePolicy, MemoryRateLimitStore, parseConfig } from '../../src/index.js';

// SPEC §1: "no user pattern ever reaches V8's RegExp". Every user pattern
// below carries the marker ZQXJ (or zqxj), which no library pattern has.
const MARKER = /zqxj/i;

const toolRules = Array.from(
  { length: 12 },
  (_, i) => `    - name: deny-tool-${i}\n      action: deny\n      match: { method: tools/call, tool: "^ZQXJ_tool_${i}(_v[0-9]+)?$" }\n`,
).join('');
const secretPatterns = Array.from({ length: 70 }, (_, i) => `        - "zqxj${i}-[a-f0-9]{8}"\n`).join('');

const CONFIG = `upstreams:
  - name: everything
    url: http://127.0.0.1:3001/mcp
policy:
  rules:
${toolRules}    - name: deny-shell
      action: deny
      match:
        method: tools/call
        tool: "^(ZQXJ_exec|ZQXJ_shell)"
        args:
          command: "rm -rf ZQXJ|ZQXJ[0-9]+"
        headers:
          x-tenant: "^ZQXJ-(evil|bad)$"
    - name: redact-secrets
      action: redact
      patterns:
        - "AKIA[0-9A-Z]{4}ZQXJ"
        - "ZQXJ_[A-Za-z0-9]{6}"
${secretPatterns}      replacement: "[REDACTED]"
    - name: redact-out
      action: redact
      direction: response
      match: { tool: "^ZQXJ_read$" }
      patterns: ["ZQXJ-out-[0-9]+"]
    - name: limit-search
      action: rate_limit
      match: { tool: "^ZQXJ_search$" }
      limit: 2
      window: 1m
      key: header:x-zqxj-key
`;

const RealRegExp = globalThis.RegExp;

afterEach(() => {
  globalThis.RegExp = RealRegExp;
});

/** Replaces the global RegExp with a recording proxy; returns the sources seen. */
function recordRegExpConstructions(): string[] {
  const sources: string[] = [];
  const record = (args: unknown[]) => {
    const [source] = args;
    sources.push(source instanceof RealRegExp ? source.source : String(source));
  };
  globalThis.RegExp = new Proxy(RealRegExp, {
    construct(target, args) {
      record(args);
      return Reflect.construct(target, args);
    },
    apply(target, thisArg, args) {
      record(args);
      return Reflect.apply(target, thisArg, args);
    },
  });
  return sources;
}

const call = (id: number, tool: string, args: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: tool, arguments: args },
});

describe('user patterns and V8 RegExp', () => {
  it('the recording proxy sees both `new RegExp(...)` and `RegExp(...)` calls', () => {
    const sources = recordRegExpConstructions();
    new RegExp('probe-new');
    // eslint-disable-next-line prefer-regex-literals -- the call form is what is tested
    RegExp('probe-call', 'g');
    expect(sources).toEqual(['probe-new', 'probe-call']);
    expect(new RegExp('a') instanceof RealRegExp).toBe(true);
  });

  it('parse, compile, evaluate and redact without a user pattern reaching RegExp', async () => {
    const sources = recordRegExpConstructions();

    const config = parseConfig(CONFIG);
    const policy = compilePolicy(config);
    const context = {
      upstream: 'everything',
      client: '10.0.0.7',
      headers: { 'x-tenant': 'ZQXJ-evil', 'x-zqxj-key': 'k1' },
      rateLimits: new MemoryRateLimitStore(),
    };

    try {
      const denied = await policy.evaluate(call(1, 'ZQXJ_exec', { command: 'rm -rf ZQXJ' }), context);
      expect(denied.action).toBe('deny');

      const deniedBySet = await policy.evaluate(call(2, 'ZQXJ_tool_7_v2', {}), context);
      expect(deniedBySet).toMatchObject({ action: 'deny', rules: ['deny-tool-7'] });

      const redacted = await policy.evaluate(
        call(3, 'ZQXJ_read', { token: 'AKIAABCDZQXJ and ZQXJ_abc123 and zqxj42-deadbeef' }),
        context,
      );
      expect(redacted.action).toBe('redact');
      expect((redacted.message as ReturnType<typeof call>).params.arguments).toEqual({
        token: '[REDACTED] and [REDACTED] and [REDACTED]',
      });

      const response = { jsonrpc: '2.0', id: 3, result: { content: [{ type: 'text', text: 'ZQXJ-out-7 and ZQXJ_secret' }] } };
      const cleaned = policy.redactResponse(response, redacted.responseScope);
      expect(cleaned).toMatchObject({
        redactions: 2,
        message: { result: { content: [{ type: 'text', text: '[REDACTED] and [REDACTED]' }] } },
      });

      const notification = { jsonrpc: '2.0', method: 'notifications/message', params: { data: 'AKIAWXYZZQXJ' } };
      policy.redactResponse(notification, policy.responseScope(notification, context));

      for (let i = 0; i < 3; i++) await policy.evaluate(call(10 + i, 'ZQXJ_search', { q: 'x' }), context);
      const limited = await policy.evaluate(call(20, 'ZQXJ_search', { q: 'x' }), context);
      expect(limited.action).toBe('rate_limit');

      const tools = policy.filterToolsList({ tools: [{ name: 'ZQXJ_tool_3' }, { name: 'ZQXJ_read' }] }, context);
      expect(tools.removed).toEqual(['ZQXJ_tool_3']);

      const allowed = await policy.evaluate(call(30, 'ZQXJ_read', { q: 'harmless' }), { upstream: 'everything' });
      expect(allowed.forward).toBe(true);
    } finally {
      globalThis.RegExp = RealRegExp;
    }

    // The proxy really was in the path: library code (the schema's own patterns) went through it.
    expect(sources.length).toBeGreaterThan(0);
    const leaked = sources.filter((source) => MARKER.test(source));
    expect(leaked).toEqual([]);
  });

  it('the same holds for a config that is refused for a bad pattern', () => {
    const sources = recordRegExpConstructions();
    expect(() => parseConfig(CONFIG.replace('"ZQXJ_[A-Za-z0-9]{6}"', '"ZQXJ_[A-Za-z0-9"'))).toThrow(
      'invalid regex on rule "redact-secrets": missing closing bracket',
    );
    expect(() => compilePolicy({ policy: { rules: [{ name: 'x', action: 'deny', match: { tool: '(?=ZQXJ)' } }] } })).toThrow(
      /lookahead/,
    );
    globalThis.RegExp = RealRegExp;
    expect(sources.filter((source) => MARKER.test(source))).toEqual([]);
  });
});
