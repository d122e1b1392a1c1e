import { describe, expect, it } from 'vitest';
import { reportLines, UPSTREAM, withRules } from './helpers.js';

describe('unknown keys', () => {
  it('at the top level name the key and its line', () => {
    expect(reportLines(`${UPSTREAM}colour: red\n`)).toEqual(['line 4, column 1: unknown key "colour"']);
  });

  it('at the top level hint at the key meant', () => {
    expect(reportLines(`${UPSTREAM}polcy:\n  rules: []\n`)).toEqual(['line 4, column 1: unknown key "polcy" (did you mean "policy"?)']);
    expect(reportLines(`${UPSTREAM}upstream: everything\n`)).toEqual([
      'line 4, column 1: unknown key "upstream" (did you mean "upstreams"?)',
    ]);
  });

  it('in an upstream', () => {
    expect(reportLines(`upstreams:\n  - name: a\n    url: http://x/mcp\n    timeout: 5\n`)).toEqual([
      'upstreams[0] (line 4): unknown key "timeout" (did you mean "timeout_ms"?)',
    ]);
  });

  it('in a route', () => {
    expect(reportLines(`${UPSTREAM}routes:\n  - path: /mcp\n    upstream: everything\n    x: 1\n`)).toEqual([
      'routes[0] (line 7): unknown key "x"',
    ]);
  });

  it('in license, policy and telemetry', () => {
    expect(reportLines(`${UPSTREAM}license:\n  path: /l.json\n  x: 1\n`)).toEqual(['license (line 6): unknown key "x"']);
    expect(reportLines(`${UPSTREAM}policy:\n  rules: []\n  x: 1\n`)).toEqual(['policy (line 6): unknown key "x"']);
    expect(reportLines(`${UPSTREAM}telemetry:\n  x: 1\n`)).toEqual(['telemetry (line 5): unknown key "x"']);
  });

  it('in a rule, with the British spelling the style guide warns about', () => {
    expect(reportLines(withRules('    - name: r\n      action: deny\n      colour: red\n'))).toEqual([
      'policy.rules[0] (line 8): unknown key "colour"',
    ]);
  });

  it('in a rule: a misspelt field gets a did-you-mean hint', () => {
    expect(reportLines(withRules('    - name: r\n      action: deny\n      mesage: no\n'))).toEqual([
      'policy.rules[0] (line 8): unknown key "mesage" (did you mean "message"?)',
    ]);
    expect(reportLines(withRules('    - name: r\n      action: rate_limit\n      limit: 1\n      window: 1s\n      windw: 2s\n'))).toEqual([
      'policy.rules[0] (line 10): unknown key "windw" (did you mean "window"?)',
    ]);
  });

  it('in a match: `tol` for `tool`', () => {
    expect(reportLines(withRules('    - name: r\n      action: deny\n      match:\n        tol: "^exec$"\n'))).toEqual([
      'policy.rules[0].match (line 9): unknown key "tol" (did you mean "tool"?)',
    ]);
    expect(reportLines(withRules('    - name: r\n      action: deny\n      match: { methods: tools/call }\n'))).toEqual([
      'policy.rules[0].match (line 8): unknown key "methods" (did you mean "method"?)',
    ]);
  });

  it('in audit', () => {
    expect(reportLines(`${UPSTREAM}audit:\n  path: /a.jsonl\n  max_size: 5\n`)).toEqual([
      'audit (line 6): unknown key "max_size" (did you mean "max_size_mb"?)',
    ]);
    expect(reportLines(`${UPSTREAM}audit:\n  path: /a.jsonl\n  compress_rotate: true\n`)).toEqual([
      'audit (line 6): unknown key "compress_rotate" (did you mean "compress_rotated"?)',
    ]);
  });

  it('in telemetry.customer', () => {
    expect(reportLines(`${UPSTREAM}telemetry:\n  customer:\n    endpoint: http://otel:4318\n    servce_name: gw\n`)).toEqual([
      'telemetry.customer (line 7): unknown key "servce_name" (did you mean "service_name"?)',
    ]);
  });

  it('gives no hint when nothing is close', () => {
    expect(reportLines(`${UPSTREAM}audit:\n  path: /a.jsonl\n  zzzzzz: 1\n`)).toEqual(['audit (line 6): unknown key "zzzzzz"']);
  });

  it('keep a key holding a newline on one report line', () => {
    expect(reportLines(`${UPSTREAM}"a\\nb": 1\n`)).toEqual(['line 4, column 1: unknown key "a\\nb"']);
  });
});
