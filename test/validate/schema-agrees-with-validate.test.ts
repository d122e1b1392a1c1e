import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../daemon/harness.js';
import { checkRandomEdits } from './random-edits.js';
import { beyondSchema, docConfigs, issuesOf, printedSchema, schemaAccepts as accepts, UPSTREAM, validate } from './schema-checks.js';

// `mcpgw schema` (what editors check a file with) against `mcpgw validate`
// (parseConfig): every config the schema refuses, validate refuses too; every
// kind of problem a JSON Schema can state, the schema refuses too; the valid
// configs in the repo pass both.

const rules = (text: string) => `${UPSTREAM}policy:\n  rules:\n${text}`;

/** Problems a JSON Schema can state: the printed schema and validate both refuse each, validate in these words. */
const SCHEMA_ERRORS: ReadonlyArray<readonly [what: string, yaml: string, report: string]> = [
  ['an unknown top-level key', `${UPSTREAM}colour: red\n`, 'line 4, column 1: unknown key "colour"'],
  ['an unknown key in an upstream', `${UPSTREAM}    timeout: 5\n`, 'upstreams[0] (line 4): unknown key "timeout" (did you mean "timeout_ms"?)'],
  ['no upstreams', 'listen: "127.0.0.1:8080"\n', 'line 1, column 1: missing required key "upstreams"'],
  ['an empty upstream list', 'upstreams: []\n', 'upstreams (line 1): must not be empty'],
  ['an upstream without url or command', 'upstreams:\n  - name: demo\n', 'upstreams[0] (line 2): missing required key "url" (an HTTP upstream) or "command" (a stdio upstream)'],
  ['an upstream with url and command', `${UPSTREAM}    command: node\n`, 'upstreams[0] (line 4): an upstream has either "url" (an HTTP upstream) or "command" (a stdio upstream), not both'],
  ['args on an HTTP upstream', `${UPSTREAM}    args: ["-v"]\n`, 'upstreams[0] (line 4): "args" applies only to a stdio upstream (one with "command"), not to one with "url"'],
  ['idle_timeout on an HTTP upstream', `${UPSTREAM}    idle_timeout: 1m\n`, 'upstreams[0] (line 4): "idle_timeout" applies only to a stdio upstream (one with "command"), not to one with "url"'],
  ['an unknown key in a stdio upstream', 'upstreams:\n  - name: local\n    command: node\n    arg: [x]\n', 'upstreams[0] (line 4): unknown key "arg" (did you mean "args"?)'],
  ['an empty command', 'upstreams:\n  - name: local\n    command: ""\n', 'upstreams[0].command (line 3): must not be empty'],
  ['an argument that is a number', 'upstreams:\n  - name: local\n    command: node\n    args: [server.js, 3000]\n', 'upstreams[0].args[1] (line 4): must be a string (got the number 3000)'],
  ['an environment value that is a number', 'upstreams:\n  - name: local\n    command: node\n    env: { PORT: 3000 }\n', 'upstreams[0].env.PORT (line 4): must be a string (got the number 3000)'],
  ['an environment name with "="', 'upstreams:\n  - name: local\n    command: node\n    env: { "A=B": x }\n', 'upstreams[0].env (line 4): "A=B" is not a valid environment variable name (no "=" or NUL character)'],
  ['max_sessions of zero', 'upstreams:\n  - name: local\n    command: node\n    max_sessions: 0\n', 'upstreams[0].max_sessions (line 4): must be at least 1 (got the number 0)'],
  ['an idle_timeout in words', 'upstreams:\n  - name: local\n    command: node\n    idle_timeout: 5 minutes\n', 'upstreams[0].idle_timeout (line 4): must be a whole number above zero and a unit (ms, s, m or h), like 500ms, 10s, 1m or 1h, up to 8784h (got "5 minutes")'],
  ['an upstream url that is not http(s)', 'upstreams:\n  - name: demo\n    url: ftp://127.0.0.1/mcp\n', 'upstreams[0].url (line 3): must be an http:// or https:// URL (got "ftp://127.0.0.1/mcp")'],
  ['an upstream url without a scheme', 'upstreams:\n  - name: demo\n    url: 127.0.0.1:3001/mcp\n', 'upstreams[0].url (line 3): must be an http:// or https:// URL (got "127.0.0.1:3001/mcp")'],
  ['an upstream name with capitals', 'upstreams:\n  - name: Demo\n    url: http://x/mcp\n', 'upstreams[0].name (line 2): must use only lowercase letters, digits and dashes (got "Demo")'],
  ['a timeout of zero', `${UPSTREAM}    timeout_ms: 0\n`, 'upstreams[0].timeout_ms (line 4): must be at least 1 (got the number 0)'],
  ['a listen address without a port', `listen: localhost\n${UPSTREAM}`, 'listen (line 1): must be host:port, like 127.0.0.1:8080 or [::1]:8080 (got "localhost")'],
  ['a listen port above 65535', `listen: "127.0.0.1:65536"\n${UPSTREAM}`, 'listen (line 1): must be host:port, like 127.0.0.1:8080 or [::1]:8080 (got "127.0.0.1:65536")'],
  ['an origin with a path', `${UPSTREAM}allowed_origins: ["https://app.example.com/"]\n`, 'allowed_origins[0] (line 4): must be an origin: scheme, host and optional port, like https://app.example.com (got "https://app.example.com/")'],
  ['a route path without "/"', `${UPSTREAM}routes:\n  - path: mcp\n    upstream: demo\n`, 'routes[0].path (line 5): must start with "/" (got "mcp")'],
  ['a rule without action', rules('    - name: r\n'), 'policy.rules[0] (line 6): missing required key "action"'],
  ['an unknown action', rules('    - name: r\n      action: denny\n'), 'policy.rules[0].action (line 7): must be one of "deny", "redact", "rate_limit" (got "denny") (did you mean "deny"?)'],
  ['a deny rule with limit', rules('    - name: r\n      action: deny\n      limit: 3\n'), 'policy.rules[0] (line 8): "limit" does not apply to deny rules'],
  ['a deny rule with window', rules('    - name: r\n      action: deny\n      window: 1m\n'), 'policy.rules[0] (line 8): "window" does not apply to deny rules'],
  ['a deny rule with patterns', rules('    - name: r\n      action: deny\n      patterns: ["x"]\n'), 'policy.rules[0] (line 8): "patterns" does not apply to deny rules'],
  ['a deny rule with max_keys', rules('    - name: r\n      action: deny\n      max_keys: 10\n'), 'policy.rules[0] (line 8): "max_keys" does not apply to deny rules'],
  ['a deny rule with key', rules('    - name: r\n      action: deny\n      key: client\n'), 'policy.rules[0] (line 8): "key" does not apply to deny rules'],
  ['a redact rule with message', rules('    - name: r\n      action: redact\n      patterns: ["x"]\n      message: no\n'), 'policy.rules[0] (line 9): "message" does not apply to redact rules'],
  ['a redact rule without patterns', rules('    - name: r\n      action: redact\n'), 'policy.rules[0] (line 6): redact rule "r" needs "patterns"'],
  ['a redact rule with no patterns', rules('    - name: r\n      action: redact\n      patterns: []\n'), 'policy.rules[0].patterns (line 8): must not be empty'],
  ['an unknown direction', rules('    - name: r\n      action: redact\n      patterns: ["x"]\n      direction: out\n'), 'policy.rules[0].direction (line 9): must be one of "request", "response", "both" (got "out")'],
  ['a replacement with a line break', rules('    - name: r\n      action: redact\n      patterns: ["x"]\n      replacement: "a\\nb"\n'), 'policy.rules[0].replacement (line 9): must not contain line breaks or other control characters (got "a\\nb")'],
  ['a rate_limit rule without limit', rules('    - name: r\n      action: rate_limit\n      window: 1m\n'), 'policy.rules[0] (line 6): rate_limit rule "r" needs "limit"'],
  ['a rate_limit rule without window', rules('    - name: r\n      action: rate_limit\n      limit: 5\n'), 'policy.rules[0] (line 6): rate_limit rule "r" needs "window"'],
  ['a rate_limit rule with patterns', rules('    - name: r\n      action: rate_limit\n      limit: 5\n      window: 1m\n      patterns: ["x"]\n'), 'policy.rules[0] (line 10): "patterns" does not apply to rate_limit rules'],
  ['a limit of zero', rules('    - name: r\n      action: rate_limit\n      limit: 0\n      window: 1m\n'), 'policy.rules[0].limit (line 8): must be at least 1 (got the number 0)'],
  ['a limit that is not whole', rules('    - name: r\n      action: rate_limit\n      limit: 1.5\n      window: 1m\n'), 'policy.rules[0].limit (line 8): must be a whole number (got the number 1.5)'],
  ['a window in words', rules('    - name: r\n      action: rate_limit\n      limit: 5\n      window: 5 minutes\n'), 'policy.rules[0].window (line 9): must be a whole number above zero and a unit (ms, s, m or h), like 500ms, 10s, 1m or 1h, up to 8784h (got "5 minutes")'],
  ['a window of zero', rules('    - name: r\n      action: rate_limit\n      limit: 5\n      window: 0s\n'), 'policy.rules[0].window (line 9): must be a whole number above zero and a unit (ms, s, m or h), like 500ms, 10s, 1m or 1h, up to 8784h (got "0s")'],
  ['a window over 366 days', rules('    - name: r\n      action: rate_limit\n      limit: 5\n      window: 8785h\n'), 'policy.rules[0].window (line 9): must be a whole number above zero and a unit (ms, s, m or h), like 500ms, 10s, 1m or 1h, up to 8784h (got "8785h")'],
  ['an unknown key kind', rules('    - name: r\n      action: rate_limit\n      limit: 5\n      window: 1m\n      key: ip\n'), 'policy.rules[0].key (line 10): must be global, client, session or header:<name> (got "ip")'],
  ['max_keys on a global rule', rules('    - name: r\n      action: rate_limit\n      limit: 5\n      window: 1m\n      key: global\n      max_keys: 10\n'), 'policy.rules[0] (line 11): "max_keys" does not apply to key: global (a global limit counts in one key)'],
  ['max_keys on a rule without key', rules('    - name: r\n      action: rate_limit\n      limit: 5\n      window: 1m\n      max_keys: 10\n'), 'policy.rules[0] (line 10): "max_keys" does not apply to key: global (a global limit counts in one key)'],
  ['max_keys of zero', rules('    - name: r\n      action: rate_limit\n      limit: 5\n      window: 1m\n      key: client\n      max_keys: 0\n'), 'policy.rules[0].max_keys (line 11): must be at least 1 (got the number 0)'],
  ['an unknown key in match', rules('    - name: r\n      action: deny\n      match: { tol: "^x" }\n'), 'policy.rules[0].match (line 8): unknown key "tol" (did you mean "tool"?)'],
  ['a header name that is not an HTTP token', rules('    - name: r\n      action: deny\n      match: { headers: { "x api": "k" } }\n'), 'policy.rules[0].match.headers (line 8): "x api" is not a valid HTTP header name'],
  ['a method that is a number', rules('    - name: r\n      action: deny\n      match: { method: 5 }\n'), 'policy.rules[0].match.method (line 8): must be a string or a list of strings (got the number 5)'],
  ['a rule name over 128 characters', rules(`    - name: ${'r'.repeat(129)}\n      action: deny\n`), 'policy.rules[0].name (line 6): must be at most 128 characters long'],
  ['an audit size of zero', `${UPSTREAM}audit:\n  path: audit.jsonl\n  max_size_mb: 0\n`, 'audit.max_size_mb (line 6): must be greater than 0 (got the number 0)'],
  ['a telemetry endpoint that is not http(s)', `${UPSTREAM}telemetry:\n  customer:\n    endpoint: otel:4318\n`, 'telemetry.customer.endpoint (line 6): must be an http:// or https:// URL (got "otel:4318")'],
];

/** Problems no JSON Schema can state: the schema accepts these, validate refuses each in these words. */
const BEYOND_SCHEMA: ReadonlyArray<readonly [what: string, yaml: string, report: string]> = [
  ['a duplicate upstream name', `${UPSTREAM}  - name: demo\n    url: http://127.0.0.1:3002/mcp\n`, 'upstreams[1].name (line 4): duplicate upstream name "demo" (first used by upstreams[0])'],
  ['a duplicate rule name', rules('    - name: r\n      action: deny\n    - name: r\n      action: deny\n'), 'policy.rules[1].name (line 8): duplicate rule name "r" (first used by policy.rules[0])'],
  ['a route to no upstream', `${UPSTREAM}routes:\n  - path: /mcp\n    upstream: nowhere\n`, 'routes[0].upstream (line 6): unknown upstream "nowhere"; upstreams are: demo'],
  ['a default upstream that is none', `${UPSTREAM}default_upstream: dem\n`, 'default_upstream (line 4): unknown upstream "dem" (did you mean "demo"?); upstreams are: demo'],
  ['a pattern RE2 refuses', rules('    - name: redact-secrets\n      action: redact\n      patterns:\n        - "AKIA[0-9A-Z]{16}"\n        - "ghp_[A-Za-z0-9"\n'), 'invalid regex on rule "redact-secrets" (patterns[1], line 10): missing closing bracket'],
  ['a redact pattern matching empty text', rules('    - name: r\n      action: redact\n      patterns: ["x*"]\n'), 'invalid regex on rule "r" (patterns[0], line 8): pattern "x*" matches empty text; a redact pattern must match at least one character'],
  ['a url whose host does not parse', 'upstreams:\n  - name: demo\n    url: http://[zz]/mcp\n', 'upstreams[0].url (line 3): must be an http:// or https:// URL (got "http://[zz]/mcp")'],
  ['an origin with its default port', `${UPSTREAM}allowed_origins: ["https://app.example.com:443"]\n`, 'allowed_origins[0] (line 4): must be an origin: scheme, host and optional port, like https://app.example.com (got "https://app.example.com:443")'],
];

describe('mcpgw schema and mcpgw validate agree', () => {
  let check: ValidateFunction;
  const schemaAccepts = (text: string) => accepts(check, text);

  beforeAll(async () => {
    check = await printedSchema();
  });

  it.each([
    ['examples/mcpgw.yaml', readFileSync(join(ROOT, 'examples/mcpgw.yaml'), 'utf8')],
    ['packaging/docker/mcpgw.yaml', readFileSync(join(ROOT, 'packaging/docker/mcpgw.yaml'), 'utf8')],
    ...docConfigs(),
  ])('%s passes both', (_, text) => {
    expect(validate(text)).toEqual([]);
    expect(schemaAccepts(text), JSON.stringify(check.errors)).toBe(true);
  });

  it('finds the complete config of docs/configuration.md among the docs', () => {
    expect(docConfigs().some(([where]) => /^docs\/configuration\.md:\d+$/.test(where))).toBe(true);
  });

  it.each(SCHEMA_ERRORS)('%s: the schema refuses it, and so does validate', (_, text, report) => {
    expect(schemaAccepts(text)).toBe(false);
    expect(validate(text)).toEqual([report]);
  });

  it.each(BEYOND_SCHEMA)('%s: beyond a schema, validate refuses it', (_, text, report) => {
    expect(schemaAccepts(text), 'the schema cannot say this; if it does now, move the case up').toBe(true);
    expect(validate(text)).toEqual([report]);
    expect(issuesOf(text).every(beyondSchema)).toBe(true);
  });

  it('on 200 random edits of the valid configs: what the schema refuses validate refuses, and validate refuses nothing else the schema could', () => {
    // The first 200 of the 2,000 edits schema-random-edits.slow.test.ts makes (slow tier).
    const tally = checkRandomEdits(200, schemaAccepts);
    expect(tally.schemaRefused).toBeGreaterThan(0);
    expect(tally.beyondSchemaOnly).toBeGreaterThan(0);
    expect(tally.bothAccepted).toBeGreaterThan(0);
  });
});
