import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/index.js';
import { firstRuleField } from '../helpers.js';
import { reportLines, UPSTREAM, withRules } from './helpers.js';

const WINDOW = 'must be a whole number above zero and a unit (ms, s, m or h), like 500ms, 10s, 1m or 1h, up to 8784h';

const rateLimit = (fields: string) => withRules(`    - name: limit\n      action: rate_limit\n${fields}`);

describe('wrong types', () => {
  it('a string where a list belongs', () => {
    expect(reportLines('upstreams: everything\n')).toEqual(['upstreams (line 1): must be a list (got a string)']);
    expect(reportLines(`${UPSTREAM}allowed_origins: https://app.example.com\n`)).toEqual([
      'allowed_origins (line 4): must be a list (got a string)',
    ]);
    expect(reportLines(withRules('    - name: r\n      action: redact\n      patterns: "AKIA[0-9A-Z]{16}"\n'))).toEqual([
      'policy.rules[0].patterns (line 8): must be a list (got a string)',
    ]);
  });

  it('a list or a mapping where a string belongs', () => {
    expect(reportLines(`listen: [127.0.0.1, 8080]\n${UPSTREAM}`)).toEqual(['listen (line 1): must be a string (got a list)']);
    expect(reportLines(`${UPSTREAM}default_upstream: { name: everything }\n`)).toEqual([
      'default_upstream (line 4): must be a string (got a mapping)',
    ]);
  });

  it('a number where a string belongs', () => {
    expect(reportLines('upstreams:\n  - name: 5\n    url: 6\n')).toEqual([
      'upstreams[0].name (line 2): must be a string (got the number 5)',
      'upstreams[0].url (line 3): must be a string (got the number 6)',
    ]);
    expect(reportLines(`listen: 8080\n${UPSTREAM}`)).toEqual(['listen (line 1): must be a string (got the number 8080)']);
    expect(reportLines(withRules('    - name: r\n      action: deny\n      match: { tool: 5 }\n'))).toEqual([
      'policy.rules[0].match.tool (line 8): must be a string (got the number 5)',
    ]);
  });

  it('a string where a number or a boolean belongs', () => {
    expect(reportLines('upstreams:\n  - name: a\n    url: http://x/mcp\n    timeout_ms: "30000"\n')).toEqual([
      'upstreams[0].timeout_ms (line 4): must be a whole number (got a string)',
    ]);
    expect(reportLines(`${UPSTREAM}audit:\n  path: /a.jsonl\n  compress_rotated: "yes"\n  max_size_mb: big\n`)).toEqual([
      'audit.compress_rotated (line 6): must be true or false (got a string)',
      'audit.max_size_mb (line 7): must be a number (got a string)',
    ]);
  });

  it('a scalar or null where a mapping belongs', () => {
    expect(reportLines('upstreams: [everything]\n')).toEqual(['upstreams[0] (line 1): must be a mapping (got a string)']);
    expect(reportLines(`${UPSTREAM}policy:\n`)).toEqual(['policy (line 4): must be a mapping (got null)']);
    expect(reportLines(`${UPSTREAM}policy:\n  rules:\n    -\n`)).toEqual(['policy.rules[0] (line 6): must be a mapping (got null)']);
    expect(reportLines(`${UPSTREAM}policy:\n  rules: { deny-shell: {} }\n`)).toEqual([
      'policy.rules (line 5): must be a list (got a mapping)',
    ]);
  });

  it('method and upstream take a string or a non-empty list of strings', () => {
    const rule = (match: string) => withRules(`    - name: r\n      action: deny\n      match: ${match}\n`);
    expect(reportLines(rule('{ method: 5 }'))).toEqual([
      'policy.rules[0].match.method (line 8): must be a string or a list of strings (got the number 5)',
    ]);
    expect(reportLines(rule('{ method: [] }'))).toEqual([
      'policy.rules[0].match.method (line 8): must be a string or a list of strings (got an empty list)',
    ]);
    expect(reportLines(rule('{ upstream: [everything, 7] }'))).toEqual([
      'policy.rules[0].match.upstream (line 8): must be a string or a list of strings (got a list)',
    ]);
  });

  it('args and headers are mappings from a name to a pattern string', () => {
    const rule = (match: string) => withRules(`    - name: r\n      action: deny\n      match: ${match}\n`);
    expect(reportLines(rule('{ args: [path] }'))).toEqual([
      'policy.rules[0].match.args (line 8): must be a mapping from argument name to pattern (got a list)',
    ]);
    expect(reportLines(rule('{ headers: x-api-key }'))).toEqual([
      'policy.rules[0].match.headers (line 8): must be a mapping from header name to pattern (got a string)',
    ]);
    expect(reportLines(rule('{ args: { path: 5, recursive: true } }'))).toEqual([
      'policy.rules[0].match.args.path (line 8): must be a string (got the number 5)',
      'policy.rules[0].match.args.recursive (line 8): must be a string (got true)',
    ]);
  });

  it('an argument name holding a newline is still checked (its pattern must be a string)', () => {
    const yaml = withRules('    - name: r\n      action: deny\n      match: { args: { "a\\nb": 5 } }\n');
    expect(reportLines(yaml)).toEqual(['policy.rules[0].match.args["a\\nb"] (line 8): must be a string (got the number 5)']);
  });
});

describe('missing required keys', () => {
  it('upstreams is required', () => {
    expect(reportLines('listen: "127.0.0.1:8080"\n')).toEqual(['line 1, column 1: missing required key "upstreams"']);
  });

  it('an upstream needs a name, and a url or a command', () => {
    expect(reportLines('upstreams:\n  - timeout_ms: 5\n')).toEqual([
      'upstreams[0] (line 2): missing required key "name"',
      'upstreams[0] (line 2): missing required key "url" (an HTTP upstream) or "command" (a stdio upstream)',
    ]);
  });

  it('a rule needs a name and an action; a route a path and an upstream', () => {
    expect(reportLines(withRules('    - match: { tool: x }\n'))).toEqual([
      'policy.rules[0] (line 6): missing required key "name"',
      'policy.rules[0] (line 6): missing required key "action"',
    ]);
    expect(reportLines(`${UPSTREAM}routes:\n  - {}\n`)).toEqual([
      'routes[0] (line 5): missing required key "path"',
      'routes[0] (line 5): missing required key "upstream"',
    ]);
  });

  it('policy needs rules, audit a path, telemetry.customer an endpoint, license a path', () => {
    expect(reportLines(`${UPSTREAM}policy: {}\n`)).toEqual(['policy (line 4): missing required key "rules"']);
    expect(reportLines(`${UPSTREAM}audit:\n  max_size_mb: 5\n`)).toEqual(['audit (line 4): missing required key "path"']);
    expect(reportLines(`${UPSTREAM}telemetry:\n  customer:\n    service_name: gw\n`)).toEqual([
      'telemetry.customer (line 5): missing required key "endpoint"',
    ]);
    expect(reportLines(`${UPSTREAM}license: {}\n`)).toEqual(['license (line 4): missing required key "path"']);
  });
});

describe('empty values', () => {
  it('empty strings are reported once each, in plain words', () => {
    expect(reportLines('listen: ""\nupstreams:\n  - name: ""\n    url: ""\nlicense: { path: "" }\ndefault_upstream: ""\n')).toEqual([
      'listen (line 1): must not be empty',
      'upstreams[0].name (line 3): must use only lowercase letters, digits and dashes (got "")',
      'upstreams[0].url (line 4): must not be empty',
      'license.path (line 5): must not be empty',
      'default_upstream (line 6): must not be empty',
    ]);
  });

  it('empty rule fields', () => {
    expect(reportLines(withRules('    - name: ""\n      action: deny\n      message: ""\n'))).toEqual([
      'policy.rules[0].name (line 6): must not be empty',
      'policy.rules[0].message (line 8): must not be empty',
    ]);
    expect(reportLines(withRules('    - name: r\n      action: redact\n      patterns: []\n'))).toEqual([
      'policy.rules[0].patterns (line 8): must not be empty',
    ]);
  });

  it('an empty upstream list, audit path or telemetry endpoint', () => {
    expect(reportLines('upstreams: []\n')).toEqual(['upstreams (line 1): must not be empty']);
    expect(reportLines(`${UPSTREAM}audit: { path: "" }\ntelemetry: { customer: { endpoint: "" } }\n`)).toEqual([
      'audit.path (line 4): must not be empty',
      'telemetry.customer.endpoint (line 5): must not be empty',
    ]);
  });
});

describe('enums', () => {
  it('action: denny → must be one of, with did-you-mean', () => {
    expect(reportLines(withRules('    - name: r\n      action: denny\n'))).toEqual([
      'policy.rules[0].action (line 7): must be one of "deny", "redact", "rate_limit" (got "denny") (did you mean "deny"?)',
    ]);
    expect(reportLines(withRules('    - name: r\n      action: ratelimit\n'))).toEqual([
      'policy.rules[0].action (line 7): must be one of "deny", "redact", "rate_limit" (got "ratelimit") (did you mean "rate_limit"?)',
    ]);
  });

  it('an action far from any gets no hint; a non-string action says what it got', () => {
    expect(reportLines(withRules('    - name: r\n      action: block\n'))).toEqual([
      'policy.rules[0].action (line 7): must be one of "deny", "redact", "rate_limit" (got "block")',
    ]);
    expect(reportLines(withRules('    - name: r\n      action: [deny]\n'))).toEqual([
      'policy.rules[0].action (line 7): must be one of "deny", "redact", "rate_limit" (got a list)',
    ]);
  });

  it('direction', () => {
    expect(reportLines(withRules('    - name: r\n      action: redact\n      direction: responses\n      patterns: [x]\n'))).toEqual([
      'policy.rules[0].direction (line 8): must be one of "request", "response", "both" (got "responses") (did you mean "response"?)',
    ]);
  });
});

describe('redact replacements', () => {
  it.each(['***', '█', '[REDACTED]', 'a\tb'])('accepts replacement %j', (replacement) => {
    const text = withRules(`    - name: r\n      action: redact\n      patterns: [x]\n      replacement: ${JSON.stringify(replacement)}\n`);
    expect(firstRuleField(parseConfig(text), 'replacement')).toBe(replacement);
  });

  it.each([
    ['line\nbreak', '"line\\nbreak"'],
    ['cr\r', '"cr\\r"'],
    ['nul\u0000', '"nul\\u0000"'],
    ['del\u007f', '"del\\u007f"'],
  ])('rejects replacement %j: it would split an SSE line or a header', (replacement, shown) => {
    const text = withRules(`    - name: r\n      action: redact\n      patterns: [x]\n      replacement: ${JSON.stringify(replacement)}\n`);
    expect(reportLines(text)).toEqual([`policy.rules[0].replacement (line 9): must not contain line breaks or other control characters (got ${shown})`]);
  });
});

describe('rate-limit windows, keys and limits', () => {
  it.each(['500ms', '10s', '1m', '1h'])('accepts window %s', (window) => {
    expect(firstRuleField(parseConfig(rateLimit(`      limit: 1\n      window: ${window}\n`)), 'window')).toBe(window);
  });

  it.each(['5 minutes', '0s', '10d', '1.5s', '0ms', '-1s', '1 h', '1H', '9000h'])('rejects window "%s" with the plain message', (window) => {
    expect(reportLines(rateLimit(`      limit: 1\n      window: "${window}"\n`))).toEqual([
      `policy.rules[0].window (line 9): ${WINDOW} (got "${window}")`,
    ]);
  });

  it('rejects a window given as a bare number', () => {
    expect(reportLines(rateLimit('      limit: 1\n      window: 60\n'))).toEqual([
      'policy.rules[0].window (line 9): must be a string (got the number 60)',
    ]);
  });

  it.each(['global', 'client', 'session', 'header:x-api-key'])('accepts key %s', (key) => {
    expect(firstRuleField(parseConfig(rateLimit(`      limit: 1\n      window: 1s\n      key: "${key}"\n`)), 'key')).toBe(key);
  });

  it.each(['ip', 'header:', 'header:x api key', 'Client', 'user'])('rejects key "%s"', (key) => {
    expect(reportLines(rateLimit(`      limit: 1\n      window: 1s\n      key: "${key}"\n`))).toEqual([
      `policy.rules[0].key (line 10): must be global, client, session or header:<name> (got "${key}")`,
    ]);
  });

  it('limit must be a whole number of at least 1', () => {
    expect(reportLines(rateLimit('      limit: 0\n      window: 1s\n'))).toEqual([
      'policy.rules[0].limit (line 8): must be at least 1 (got the number 0)',
    ]);
    expect(reportLines(rateLimit('      limit: -5\n      window: 1s\n'))).toEqual([
      'policy.rules[0].limit (line 8): must be at least 1 (got the number -5)',
    ]);
    expect(reportLines(rateLimit('      limit: 2.5\n      window: 1s\n'))).toEqual([
      'policy.rules[0].limit (line 8): must be a whole number (got the number 2.5)',
    ]);
    expect(firstRuleField(parseConfig(rateLimit('      limit: 1\n      window: 1s\n')), 'limit')).toBe(1);
  });

  it('max_keys is a whole number of at least 1, kept as written', () => {
    const withMaxKeys = (value: string) => rateLimit(`      limit: 1\n      window: 1s\n      key: session\n      max_keys: ${value}\n`);
    expect(firstRuleField(parseConfig(withMaxKeys('5000')), 'max_keys')).toBe(5000);
    expect(firstRuleField(parseConfig(rateLimit('      limit: 1\n      window: 1s\n      key: client\n')), 'max_keys')).toBeUndefined();
    expect(reportLines(withMaxKeys('0'))).toEqual(['policy.rules[0].max_keys (line 11): must be at least 1 (got the number 0)']);
    expect(reportLines(withMaxKeys('2.5'))).toEqual(['policy.rules[0].max_keys (line 11): must be a whole number (got the number 2.5)']);
    expect(reportLines(withMaxKeys('"100"'))).toEqual(['policy.rules[0].max_keys (line 11): must be a whole number (got a string)']);
    expect(reportLines(withMaxKeys('[1]'))).toEqual(['policy.rules[0].max_keys (line 11): must be a whole number (got a list)']);
  });

  it('max_keys belongs to rate_limit rules that count more than one key', () => {
    expect(reportLines(withRules('    - name: d\n      action: deny\n      max_keys: 10\n'))).toEqual([
      'policy.rules[0] (line 8): "max_keys" does not apply to deny rules',
    ]);
    expect(reportLines(withRules('    - name: r\n      action: redact\n      patterns: [x]\n      max_keys: 10\n'))).toEqual([
      'policy.rules[0] (line 9): "max_keys" does not apply to redact rules',
    ]);
    expect(reportLines(rateLimit('      limit: 1\n      window: 1s\n      max_keys: 10\n'))).toEqual([
      'policy.rules[0] (line 10): "max_keys" does not apply to key: global (a global limit counts in one key)',
    ]);
    expect(reportLines(rateLimit('      limit: 1\n      window: 1s\n      key: global\n      max_keys: 10\n'))).toEqual([
      'policy.rules[0] (line 11): "max_keys" does not apply to key: global (a global limit counts in one key)',
    ]);
    expect(reportLines(rateLimit('      limit: 1\n      window: 1s\n      key: client\n      max_key: 10\n'))).toEqual([
      'policy.rules[0] (line 11): unknown key "max_key" (did you mean "max_keys"?)',
    ]);
  });
});

describe('numbers and names elsewhere', () => {
  it('audit.max_size_mb must be above zero; fractions are allowed', () => {
    expect(reportLines(`${UPSTREAM}audit:\n  path: /a.jsonl\n  max_size_mb: 0\n`)).toEqual([
      'audit.max_size_mb (line 6): must be greater than 0 (got the number 0)',
    ]);
    expect(reportLines(`${UPSTREAM}audit:\n  path: /a.jsonl\n  max_size_mb: -1\n`)).toEqual([
      'audit.max_size_mb (line 6): must be greater than 0 (got the number -1)',
    ]);
    expect(parseConfig(`${UPSTREAM}audit:\n  path: /a.jsonl\n  max_size_mb: 0.01\n`).audit?.max_size_mb).toBe(0.01);
  });

  it('timeout_ms must be a whole number of at least 1', () => {
    expect(reportLines('upstreams:\n  - name: a\n    url: http://x/mcp\n    timeout_ms: 0\n')).toEqual([
      'upstreams[0].timeout_ms (line 4): must be at least 1 (got the number 0)',
    ]);
    expect(reportLines('upstreams:\n  - name: a\n    url: http://x/mcp\n    timeout_ms: 1.5\n')).toEqual([
      'upstreams[0].timeout_ms (line 4): must be a whole number (got the number 1.5)',
    ]);
  });

  it.each(['Everything', 'my_upstream', 'a b', 'ünï'])('upstream name "%s" breaks the [a-z0-9-]+ pattern', (name) => {
    expect(reportLines(`upstreams:\n  - name: "${name}"\n    url: http://x/mcp\n`)).toEqual([
      `upstreams[0].name (line 2): must use only lowercase letters, digits and dashes (got "${name}")`,
    ]);
  });

  it('a route path must start with "/"', () => {
    expect(reportLines(`${UPSTREAM}routes:\n  - path: mcp/everything\n    upstream: everything\n`)).toEqual([
      'routes[0].path (line 5): must start with "/" (got "mcp/everything")',
    ]);
    expect(reportLines(`${UPSTREAM}routes:\n  - path: /mcp\n    upstream: Everything\n`)).toEqual([
      'routes[0].upstream (line 6): must use only lowercase letters, digits and dashes (got "Everything")',
    ]);
  });
});
