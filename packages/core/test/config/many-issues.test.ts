import { describe, expect, it } from 'vitest';
import { ConfigError, formatConfigIssue } from '../../src/index.js';
import { configError } from './helpers.js';

// One config with a problem of nearly every kind, in no particular order of
// discovery (schema, semantic checks, rule compilation interleave).
const BROKEN = `listen: localhost
upstreams:
  - name: Everything
    url: ftp://127.0.0.1/mcp
    colour: blue
  - name: docs
    url: http://127.0.0.1:3002/mcp
routes:
  - path: mcp
    upstream: docs
  - path: /x
    upstream: nowhere
default_upstream: doc
policy:
  rules:
    - name: deny-shell
      action: denny
      match:
        tol: "^exec"
    - name: redact-secrets
      action: redact
      patterns:
        - "AKIA[0-9A-Z"
      limit: 3
    - name: limit-search
      action: rate_limit
      limit: 0
      window: 5 minutes
      key: ip
    - name: redact-secrets
      action: redact
      patterns: ["x*"]
audit:
  path: /var/log/mcpgw/audit.jsonl
  max_size_mb: 0
telemetry:
  customer:
    endpoint: otel:4318
    service: gw
`;

const EXPECTED = [
  'listen (line 1): must be host:port, like 127.0.0.1:8080 or [::1]:8080 (got "localhost")',
  'upstreams[0].name (line 3): must use only lowercase letters, digits and dashes (got "Everything")',
  'upstreams[0].url (line 4): must be an http:// or https:// URL (got "ftp://127.0.0.1/mcp")',
  'upstreams[0] (line 5): unknown key "colour"',
  'routes[0].path (line 9): must start with "/" (got "mcp")',
  'routes[1].upstream (line 12): unknown upstream "nowhere"; upstreams are: Everything, docs',
  'default_upstream (line 13): unknown upstream "doc" (did you mean "docs"?); upstreams are: Everything, docs',
  'policy.rules[0].action (line 17): must be one of "deny", "redact", "rate_limit" (got "denny") (did you mean "deny"?)',
  'policy.rules[0].match (line 19): unknown key "tol" (did you mean "tool"?)',
  'invalid regex on rule "redact-secrets" (patterns[0], line 23): missing closing bracket',
  'policy.rules[1] (line 24): "limit" does not apply to redact rules',
  'policy.rules[2].limit (line 27): must be at least 1 (got the number 0)',
  'policy.rules[2].window (line 28): must be a whole number above zero and a unit (ms, s, m or h), like 500ms, 10s, 1m or 1h, up to 8784h (got "5 minutes")',
  'policy.rules[2].key (line 29): must be global, client, session or header:<name> (got "ip")',
  'policy.rules[3].name (line 30): duplicate rule name "redact-secrets" (first used by policy.rules[1])',
  'invalid regex on rule "redact-secrets" (patterns[0], line 32): pattern "x*" matches empty text; a redact pattern must match at least one character',
  'audit.max_size_mb (line 35): must be greater than 0 (got the number 0)',
  'telemetry.customer.endpoint (line 38): must be an http:// or https:// URL (got "otel:4318")',
  'telemetry.customer (line 39): unknown key "service" (did you mean "service_name"?)',
];

describe('a config with many problems', () => {
  const error = configError(BROKEN);

  it('lists every problem, one per line, in file order, under one header', () => {
    expect(error.format('mcpgw.yaml')).toBe(['invalid config mcpgw.yaml:', ...EXPECTED.map((line) => `  ${line}`)].join('\n'));
  });

  it('gives every issue a line, in ascending order', () => {
    const lines = error.issues.map((issue) => issue.line);
    expect(lines.every((line) => typeof line === 'number')).toBe(true);
    expect(lines).toEqual([...(lines as number[])].sort((a, b) => a - b));
  });

  it('is one ConfigError whose message joins the issues with "; ", a pattern\'s place after what is wrong with it', () => {
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.name).toBe('ConfigError');
    expect(error.code).toBe('MCPGW_ERR_CONFIG_INVALID');
    const oneLine = EXPECTED.map((line) =>
      line.replace(/^(invalid regex on rule "[^"]+") \(([^)]+)\): (.*)$/, (_, headline: string, place: string, what: string) => `${headline}: ${what} (${place})`),
    );
    expect(oneLine[9]).toBe('invalid regex on rule "redact-secrets": missing closing bracket (patterns[0], line 23)');
    expect(error.message).toBe(oneLine.join('; '));
    expect(error.issues.map((issue) => formatConfigIssue(issue))).toEqual(EXPECTED);
    expect(error.issues.map((issue) => formatConfigIssue(issue, 'message'))).toEqual(oneLine);
    expect(Object.isFrozen(error.issues)).toBe(true);
  });

  it('never shows TypeBox internals or a JSON Schema dump', () => {
    const report = error.format('mcpgw.yaml');
    for (const raw of ['Expected union value', 'anyOf', 'Expected', 'required property', '/policy/', '#/', 'patternProperties', '{"', 'undefined']) {
      expect(report).not.toContain(raw);
    }
  });

  it('reports each place once', () => {
    const places = error.issues.map((issue) => `${issue.path}|${issue.message}`);
    expect(new Set(places).size).toBe(places.length);
  });

  it('a wrongly typed union, object or record yields one report, not one per branch', () => {
    const many = configError(`upstreams:
  - name: a
    url: http://x/mcp
policy:
  rules:
    - name: r
      action: 7
      direction: 5
      match: { method: { a: 1 }, upstream: true, args: 3, headers: [] }
`);
    expect(many.format('mcpgw.yaml').split('\n')).toEqual([
      'invalid config mcpgw.yaml:',
      '  policy.rules[0].action (line 7): must be one of "deny", "redact", "rate_limit" (got the number 7)',
      '  policy.rules[0].direction (line 8): must be one of "request", "response", "both" (got the number 5)',
      '  policy.rules[0].match.method (line 9): must be a string or a list of strings (got a mapping)',
      '  policy.rules[0].match.upstream (line 9): must be a string or a list of strings (got true)',
      '  policy.rules[0].match.args (line 9): must be a mapping from argument name to pattern (got the number 3)',
      '  policy.rules[0].match.headers (line 9): must be a mapping from header name to pattern (got an empty list)',
    ]);
  });
});
