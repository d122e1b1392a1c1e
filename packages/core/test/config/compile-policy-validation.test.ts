import { describe, expect, it } from 'vitest';
import { compilePolicy, formatConfigIssue, McpgwError, parseConfig, PolicyError, type RuleInput } from '../../src/index.js';

type Rules = ReadonlyArray<Record<string, unknown>>;

const GOOD: Rules = [
  { name: 'deny-shell', action: 'deny', match: { method: 'tools/call', tool: '^(exec|shell)' }, message: 'no shell' },
  { name: 'redact-secrets', action: 'redact', patterns: ['AKIA[0-9A-Z]{16}', 'ghp_[A-Za-z0-9]{36}'] },
  { name: 'limit-search', action: 'rate_limit', match: { tool: '^search$' }, limit: 10, window: '1m', key: 'client' },
];

/** compilePolicy on a config built in code; returns the PolicyError it must throw. */
function policyError(rules: Rules | unknown): PolicyError {
  let caught: unknown;
  let compiled: unknown;
  try {
    compiled = compilePolicy({ policy: { rules } as { rules: RuleInput[] } });
  } catch (error) {
    caught = error;
  }
  expect(compiled, 'no policy may be returned').toBeUndefined();
  expect(caught).toBeInstanceOf(PolicyError);
  const error = caught as PolicyError;
  expect(error).toBeInstanceOf(McpgwError);
  expect(error.code).toBe('MCPGW_ERR_POLICY_INVALID');
  expect(error.name).toBe('PolicyError');
  return error;
}

describe('compilePolicy on configs built in code', () => {
  it('compiles three good rules', () => {
    const policy = compilePolicy({ policy: { rules: GOOD as RuleInput[] } });
    expect(policy.ruleCount).toBe(3);
    expect(Object.isFrozen(policy)).toBe(true);
  });

  it('accepts a config without a policy as an empty policy', () => {
    expect(compilePolicy({}).ruleCount).toBe(0);
  });

  it('three good rules and one bad regex: throws, names the rule, returns nothing', () => {
    const error = policyError([...GOOD, { name: 'bad-regex', action: 'redact', patterns: ['ok', 'AKIA[0-9A-Z'] }]);
    expect(error.rule).toBe('bad-regex');
    // A config built in code has no lines: the pattern's place in its rule says where.
    expect(error.message).toBe('invalid regex on rule "bad-regex": missing closing bracket (patterns[1])');
    expect(error.issues).toEqual([
      { path: 'policy.rules[3].patterns[1]', message: 'missing closing bracket', regex: { rule: 'bad-regex', field: 'patterns[1]' } },
    ]);
  });

  it('a bad rule first: the good rules after it do not rescue the policy', () => {
    const error = policyError([{ name: 'look-around', action: 'deny', match: { tool: '(?<=x)y' } }, ...GOOD]);
    expect(error.rule).toBe('look-around');
    expect(error.message).toBe(
      'invalid regex on rule "look-around": lookbehind "(?<=" is not supported by RE2 (it guarantees linear-time matching); rewrite the pattern without it (match.tool)',
    );
  });

  it('re-validates the shape: unknown keys, wrong types, bad enums', () => {
    expect(policyError([...GOOD, { name: 'typo', action: 'deny', match: { tol: 'x' } }])).toMatchObject({
      rule: 'typo',
      message: 'policy.rules[3].match: unknown key "tol" (did you mean "tool"?)',
    });
    expect(policyError([{ name: 'r', action: 'denny' }])).toMatchObject({
      rule: 'r',
      message: 'policy.rules[0].action: must be one of "deny", "redact", "rate_limit" (got "denny") (did you mean "deny"?)',
    });
    expect(policyError([{ name: 'r', action: 'rate_limit', limit: '10', window: '1m' }])).toMatchObject({
      rule: 'r',
      message: 'policy.rules[0].limit: must be a whole number (got a string)',
    });
  });

  it('re-validates windows, action fields, key budgets, duplicates and header names', () => {
    expect(policyError([{ name: 'slow', action: 'rate_limit', limit: 1, window: '9000h' }])).toMatchObject({
      rule: 'slow',
      message:
        'policy.rules[0].window: must be a whole number above zero and a unit (ms, s, m or h), like 500ms, 10s, 1m or 1h, up to 8784h (got "9000h")',
    });
    expect(policyError([{ name: 'scrub', action: 'redact' }])).toMatchObject({
      rule: 'scrub',
      message: 'policy.rules[0]: redact rule "scrub" needs "patterns"',
    });
    expect(policyError([{ name: 'd', action: 'deny', limit: 3 }])).toMatchObject({
      rule: 'd',
      message: 'policy.rules[0]: "limit" does not apply to deny rules',
    });
    expect(policyError([{ name: 'm', action: 'rate_limit', limit: 1, window: '1m', key: 'client', max_keys: 0 }])).toMatchObject({
      rule: 'm',
      message: 'policy.rules[0].max_keys: must be at least 1 (got the number 0)',
    });
    expect(policyError([{ name: 'g', action: 'rate_limit', limit: 1, window: '1m', max_keys: 5 }])).toMatchObject({
      rule: 'g',
      message: 'policy.rules[0]: "max_keys" does not apply to key: global (a global limit counts in one key)',
    });
    expect(policyError([...GOOD, { name: 'deny-shell', action: 'deny' }])).toMatchObject({
      rule: 'deny-shell',
      message: 'policy.rules[3].name: duplicate rule name "deny-shell" (first used by policy.rules[0])',
    });
    expect(policyError([{ name: 'h', action: 'deny', match: { headers: { 'x y': '.' } } }])).toMatchObject({
      rule: 'h',
      message: 'policy.rules[0].match.headers: "x y" is not a valid HTTP header name',
    });
    expect(policyError([{ name: 'e', action: 'redact', patterns: ['x?'] }])).toMatchObject({
      rule: 'e',
      message: 'invalid regex on rule "e": pattern "x?" matches empty text; a redact pattern must match at least one character (patterns[0])',
    });
  });

  it('lists every problem, naming the first offending rule', () => {
    const error = policyError([
      ...GOOD,
      { name: 'one', action: 'deny', match: { tool: '(' } },
      { name: 'two', action: 'redact', patterns: ['[z-a]'] },
    ]);
    expect(error.rule).toBe('one');
    expect(error.issues.map((issue) => formatConfigIssue(issue))).toEqual([
      'invalid regex on rule "one" (match.tool): missing closing parenthesis',
      'invalid regex on rule "two" (patterns[0]): invalid character class or range "z-a"',
    ]);
  });

  it('has rule null when the problem is not in one rule', () => {
    expect(policyError('deny everything')).toMatchObject({ rule: null, message: 'policy.rules: must be a list (got a string)' });
    expect(policyError([42])).toMatchObject({ rule: null, message: 'policy.rules[0]: must be a mapping (got the number 42)' });
  });

  it('does not accept a config whose rules were changed after parsing', () => {
    const rules = GOOD.map((rule) => ({ ...rule }));
    expect(compilePolicy({ policy: { rules: rules as RuleInput[] } }).ruleCount).toBe(3);
    (rules[1] as { patterns: string[] }).patterns = ['(?!x)'];
    expect(policyError(rules).rule).toBe('redact-secrets');
  });
});

describe('compilePolicy after parseConfig', () => {
  const text = `upstreams:
  - name: docs
    url: http://127.0.0.1:3001/mcp
policy:
  rules:
    - { name: deny-exec, action: deny, match: { tool: "^exec$" } }
    - { name: redact, action: redact, patterns: ["AKIA[0-9A-Z]{16}"] }
`;

  it('reuses the rules parseConfig compiled, and gives the same decisions', async () => {
    const config = parseConfig(text);
    const first = compilePolicy(config);
    const second = compilePolicy(config);
    expect(second.rules).toEqual(first.rules);
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'exec', arguments: { k: 'AKIAIOSFODNN7EXAMPLE' } } };
    expect((await first.evaluate(call)).action).toBe('deny');
    expect((await second.evaluate(call)).action).toBe('deny');
    // The attachment is invisible to JSON and to copies.
    expect(JSON.parse(JSON.stringify(config))).toEqual({ ...config });
  });

  it('compiles a changed policy on a copy of a parsed config afresh, and validates it', () => {
    const config = parseConfig(text);
    const changed = compilePolicy({ ...config, policy: { rules: [{ name: 'only', action: 'deny' }] } });
    expect(changed.rules.map((rule) => rule.name)).toEqual(['only']);
    expect(() => compilePolicy({ ...config, policy: { rules: [{ name: 'bad', action: 'redact', patterns: ['(a'] }] } })).toThrow(PolicyError);
  });
});
