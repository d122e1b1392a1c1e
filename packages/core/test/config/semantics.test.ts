import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/index.js';
import { reportLines, UPSTREAM, withRules } from './helpers.js';

const TWO_UPSTREAMS = `upstreams:
  - name: everything
    url: http://127.0.0.1:3001/mcp
  - name: docs
    url: https://docs.example.com/mcp
`;

describe('names must be unique', () => {
  it('duplicate rule names point at the first use', () => {
    expect(reportLines(withRules('    - name: r\n      action: deny\n    - name: other\n      action: deny\n    - name: r\n      action: deny\n'))).toEqual([
      'policy.rules[2].name (line 10): duplicate rule name "r" (first used by policy.rules[0])',
    ]);
  });

  it('a duplicate rule name is reported even when the first rule is broken too', () => {
    expect(reportLines(withRules('    - name: r\n      action: deny\n      colour: red\n    - name: r\n      action: deny\n'))).toEqual([
      'policy.rules[0] (line 8): unknown key "colour"',
      'policy.rules[1].name (line 9): duplicate rule name "r" (first used by policy.rules[0])',
    ]);
  });

  it('duplicate upstream names', () => {
    expect(reportLines(`${TWO_UPSTREAMS}  - name: everything\n    url: http://127.0.0.1:3002/mcp\n`)).toEqual([
      'upstreams[2].name (line 6): duplicate upstream name "everything" (first used by upstreams[0])',
    ]);
  });

  it('duplicate route paths', () => {
    expect(reportLines(`${TWO_UPSTREAMS}routes:\n  - path: /mcp\n    upstream: everything\n  - path: /mcp\n    upstream: docs\n`)).toEqual([
      'routes[1].path (line 9): duplicate route path "/mcp" (first used by routes[0])',
    ]);
  });
});

describe('references to upstreams', () => {
  it('a route naming no upstream, with a did-you-mean', () => {
    expect(reportLines(`${TWO_UPSTREAMS}routes:\n  - path: /mcp\n    upstream: everythin\n`)).toEqual([
      'routes[0].upstream (line 8): unknown upstream "everythin" (did you mean "everything"?); upstreams are: everything, docs',
    ]);
  });

  it('default_upstream naming no upstream', () => {
    expect(reportLines(`${TWO_UPSTREAMS}default_upstream: doc\n`)).toEqual([
      'default_upstream (line 6): unknown upstream "doc" (did you mean "docs"?); upstreams are: everything, docs',
    ]);
    expect(reportLines(`${TWO_UPSTREAMS}default_upstream: search\n`)).toEqual([
      'default_upstream (line 6): unknown upstream "search"; upstreams are: everything, docs',
    ]);
  });

  it('match.upstream naming no upstream, as a string or in a list', () => {
    const rule = (upstream: string) => `${TWO_UPSTREAMS}policy:\n  rules:\n    - name: r\n      action: deny\n      match: { upstream: ${upstream} }\n`;
    expect(reportLines(rule('dcos'))).toEqual([
      'policy.rules[0].match.upstream (line 10): unknown upstream "dcos" (did you mean "docs"?); upstreams are: everything, docs',
    ]);
    expect(reportLines(rule('[everything, github]'))).toEqual([
      'policy.rules[0].match.upstream (line 10): unknown upstream "github"; upstreams are: everything, docs',
    ]);
    expect(parseConfig(rule('[everything, docs]')).policy.rules[0]?.match?.upstream).toEqual(['everything', 'docs']);
  });

  it('a name the schema already refused is not also reported as unknown', () => {
    expect(reportLines(`${UPSTREAM}routes:\n  - path: /mcp\n    upstream: Everything\n`)).toEqual([
      'routes[0].upstream (line 6): must use only lowercase letters, digits and dashes (got "Everything")',
    ]);
  });
});

describe('addresses, URLs and origins', () => {
  it.each(['nope', '127.0.0.1', '127.0.0.1:', ':8080', '127.0.0.1:99999', '::1:8080', 'http://127.0.0.1:8080', '127.0.0.1:80 80'])(
    'rejects listen address "%s"',
    (listen) => {
      expect(reportLines(`listen: "${listen}"\n${UPSTREAM}`)).toEqual([
        `listen (line 1): must be host:port, like 127.0.0.1:8080 or [::1]:8080 (got "${listen}")`,
      ]);
    },
  );

  it.each(['ftp://files.example.com/mcp', 'ws://127.0.0.1:3001/mcp', 'file:///tmp/mcp.sock', '127.0.0.1:3001/mcp', 'http://', 'not a url'])(
    'rejects upstream URL "%s"',
    (url) => {
      expect(reportLines(`upstreams:\n  - name: a\n    url: "${url}"\n`)).toEqual([
        `upstreams[0].url (line 3): must be an http:// or https:// URL (got "${url}")`,
      ]);
    },
  );

  it('rejects a telemetry endpoint that is not http(s)', () => {
    expect(reportLines(`${UPSTREAM}telemetry:\n  customer:\n    endpoint: otel-collector:4318\n`)).toEqual([
      'telemetry.customer.endpoint (line 6): must be an http:// or https:// URL (got "otel-collector:4318")',
    ]);
  });

  it('rejects allowed_origins that are not bare origins', () => {
    const yaml = `${UPSTREAM}allowed_origins:\n  - https://app.example.com\n  - https://app.example.com/\n  - "*"\n  - app.example.com\n  - https://app.example.com/login\n  - http://localhost:3000\n`;
    const origin = (got: string, line: number, index: number) =>
      `allowed_origins[${index}] (line ${line}): must be an origin: scheme, host and optional port, like https://app.example.com (got "${got}")`;
    expect(reportLines(yaml)).toEqual([
      origin('https://app.example.com/', 6, 1),
      origin('*', 7, 2),
      origin('app.example.com', 8, 3),
      origin('https://app.example.com/login', 9, 4),
    ]);
  });
});

describe('fields that depend on the action', () => {
  it('patterns on a deny rule', () => {
    expect(reportLines(withRules('    - name: r\n      action: deny\n      patterns: ["x"]\n'))).toEqual([
      'policy.rules[0] (line 8): "patterns" does not apply to deny rules',
    ]);
  });

  it('limit on a redact rule', () => {
    expect(reportLines(withRules('    - name: r\n      action: redact\n      patterns: ["x"]\n      limit: 5\n'))).toEqual([
      'policy.rules[0] (line 9): "limit" does not apply to redact rules',
    ]);
  });

  it('message or direction on a rate_limit rule, key on a deny rule', () => {
    expect(reportLines(withRules('    - name: r\n      action: rate_limit\n      limit: 1\n      window: 1s\n      message: slow down\n      direction: both\n'))).toEqual([
      'policy.rules[0] (line 10): "message" does not apply to rate_limit rules',
      'policy.rules[0] (line 11): "direction" does not apply to rate_limit rules',
    ]);
    expect(reportLines(withRules('    - name: r\n      action: deny\n      key: client\n'))).toEqual([
      'policy.rules[0] (line 8): "key" does not apply to deny rules',
    ]);
  });

  it('a redact rule without patterns', () => {
    expect(reportLines(withRules('    - name: scrub\n      action: redact\n'))).toEqual([
      'policy.rules[0] (line 6): redact rule "scrub" needs "patterns"',
    ]);
  });

  it('a rate_limit rule without limit or window', () => {
    expect(reportLines(withRules('    - name: throttle\n      action: rate_limit\n      window: 1m\n'))).toEqual([
      'policy.rules[0] (line 6): rate_limit rule "throttle" needs "limit"',
    ]);
    expect(reportLines(withRules('    - name: throttle\n      action: rate_limit\n      limit: 5\n'))).toEqual([
      'policy.rules[0] (line 6): rate_limit rule "throttle" needs "window"',
    ]);
    expect(reportLines(withRules('    - name: throttle\n      action: rate_limit\n'))).toEqual([
      'policy.rules[0] (line 6): rate_limit rule "throttle" needs "limit"',
      'policy.rules[0] (line 6): rate_limit rule "throttle" needs "window"',
    ]);
  });
});

describe('match.headers names', () => {
  it('rejects header names that are not HTTP tokens, at the line of the name', () => {
    const yaml = withRules('    - name: r\n      action: deny\n      match:\n        headers:\n          x-api-key: "^k"\n          "bad header": x\n          "x-tenant:": y\n');
    expect(reportLines(yaml)).toEqual([
      'policy.rules[0].match.headers (line 11): "bad header" is not a valid HTTP header name',
      'policy.rules[0].match.headers (line 12): "x-tenant:" is not a valid HTTP header name',
    ]);
  });

  it('keeps a header name holding a newline on one report line', () => {
    expect(reportLines(withRules('    - name: r\n      action: deny\n      match: { headers: { "a\\nb": x } }\n'))).toEqual([
      'policy.rules[0].match.headers (line 8): "a\\nb" is not a valid HTTP header name',
    ]);
  });
});

describe('redact patterns', () => {
  it.each(['a*', '', '^', '(x)?', '[a-z]*', 'x|'])('rejects pattern "%s", which matches empty text', (pattern) => {
    const yaml = withRules(`    - name: scrub\n      action: redact\n      patterns: ['${pattern}']\n`);
    expect(reportLines(yaml)).toEqual([
      `invalid regex on rule "scrub" (patterns[0], line 8): pattern "${pattern}" matches empty text; a redact pattern must match at least one character`,
    ]);
  });

  it('records where the offending pattern is, for programs reading the issues', () => {
    const yaml = withRules('    - name: scrub\n      action: redact\n      patterns:\n        - "AKIA[0-9A-Z]{16}"\n        - "x*"\n');
    let issues: unknown;
    try {
      parseConfig(yaml);
    } catch (error) {
      issues = (error as { issues: unknown }).issues;
    }
    expect(issues).toEqual([
      {
        path: 'policy.rules[0].patterns[1]',
        line: 10,
        column: 11,
        message: 'pattern "x*" matches empty text; a redact pattern must match at least one character',
        regex: { rule: 'scrub', field: 'patterns[1]' },
      },
    ]);
  });
});
