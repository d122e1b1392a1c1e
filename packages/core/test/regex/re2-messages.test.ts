import { describe, expect, it } from 'vitest';
import { ConfigError, formatConfigIssue, parseConfig } from '../../src/index.js';
import { explainRe2Error, tryCompilePattern } from '../../src/internal.js';
import { firstRuleField } from '../helpers.js';

const UPSTREAM = 'upstreams:\n  - name: everything\n    url: http://127.0.0.1:3001/mcp\n';

function errorFor(yaml: string): ConfigError {
  try {
    parseConfig(yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('parseConfig accepted the config');
}

/** What is wrong with the one redact pattern of a config (the issue's message, without its place). */
function redactPatternMessage(pattern: string, rule = 'redact-secrets'): string {
  const yaml = `${UPSTREAM}policy:\n  rules:\n    - name: ${rule}\n      action: redact\n      patterns:\n        - '${pattern.replaceAll("'", "''")}'\n`;
  const error = errorFor(yaml);
  expect(error.issues).toHaveLength(1);
  return error.issues[0]?.message ?? '';
}

const LINEAR = '(it guarantees linear-time matching)';

describe('RE2 errors in plain words, through parseConfig', () => {
  it('the hot-reload recipe message, exactly: missing ] → missing closing bracket, the place after it', () => {
    // seed/hot-reload-policy.md: the daemon logs `policy reload: rejected: ` + this message.
    const yaml = `${UPSTREAM}policy:
  rules:
    - name: redact-secrets
      action: redact
      patterns:
        - "AKIA[0-9A-Z]{16}"
        - "AKIA[0-9A-Z"
`;
    const error = errorFor(yaml);
    expect(error.message).toBe('invalid regex on rule "redact-secrets": missing closing bracket (patterns[1], line 10)');
    expect(error.message.startsWith('invalid regex on rule "redact-secrets": missing closing bracket')).toBe(true);
    expect(error.code).toBe('MCPGW_ERR_CONFIG_INVALID');
    expect(error.format('mcpgw.yaml')).toBe(
      'invalid config mcpgw.yaml:\n  invalid regex on rule "redact-secrets" (patterns[1], line 10): missing closing bracket',
    );
    expect(error.issues).toEqual([
      {
        path: 'policy.rules[0].patterns[1]',
        line: 10,
        column: 11,
        message: 'missing closing bracket',
        regex: { rule: 'redact-secrets', field: 'patterns[1]' },
      },
    ]);
  });

  it.each<[pattern: string, message: string]>([
    ['[abc', 'missing closing bracket'],
    ['(abc', 'missing closing parenthesis'],
    ['abc)', 'unmatched closing parenthesis'],
    ['(?=secret)', `lookahead "(?=" is not supported by RE2 ${LINEAR}; rewrite the pattern without it`],
    ['sk-(?!test)', `negative lookahead "(?!" is not supported by RE2 ${LINEAR}; rewrite the pattern without it`],
    ['(?<=token=)\\w+', `lookbehind "(?<=" is not supported by RE2 ${LINEAR}; rewrite the pattern without it`],
    ['(?<!x)key', `negative lookbehind "(?<!" is not supported by RE2 ${LINEAR}; rewrite the pattern without it`],
    ['(a)\\1', `backreference "\\1" is not supported by RE2 ${LINEAR}`],
    ['(?<q>["\'])x\\k<q>', `backreference "\\k" is not supported by RE2 ${LINEAR}`],
    ['a**', 'repetition operator on a repetition "**"; possessive and nested quantifiers are not supported by RE2'],
    ['a++', 'repetition operator on a repetition "++"; possessive and nested quantifiers are not supported by RE2'],
    ['*a', 'repetition operator with nothing to repeat "*"'],
    ['a{1001}', 'invalid repetition count "{1001}"; counts go up to 1000 (nested counts multiplied) and the minimum must not exceed the maximum'],
    ['(a{10}){101}', 'invalid repetition count "{101}"; counts go up to 1000 (nested counts multiplied) and the minimum must not exceed the maximum'],
    ['\\pL{1000}', 'the pattern is too large for RE2 (it compiles to too big a program); split it or simplify repetitions'],
    ['a{5,2}', 'invalid repetition count "{5,2}"; counts go up to 1000 (nested counts multiplied) and the minimum must not exceed the maximum'],
    ['[z-a]', 'invalid character class or range "z-a"'],
    ['secret\\', 'pattern ends with a lone backslash'],
    ['\\q', 'invalid escape sequence "\\q"'],
    ['(?P<n>a)(?P<n>b)', 'the same group name is used twice'],
  ])('%s → %s', (pattern, message) => {
    expect(redactPatternMessage(pattern)).toBe(message);
  });

  it('reports a bad pattern in tool, args, headers and patterns, each with the rule name, field and line, in file order', () => {
    const yaml = `${UPSTREAM}policy:
  rules:
    - name: deny-shell
      action: deny
      match:
        tool: "^(exec|shell"
        args:
          path: "[/etc"
        headers:
          x-tenant: "(?=evil)"
    - name: scrub
      action: redact
      patterns: ["ok", "(a)\\\\1"]
`;
    const error = errorFor(yaml);
    expect(error.format('mcpgw.yaml').split('\n')).toEqual([
      'invalid config mcpgw.yaml:',
      '  invalid regex on rule "deny-shell" (match.tool, line 9): missing closing parenthesis',
      '  invalid regex on rule "deny-shell" (match.args.path, line 11): missing closing bracket',
      `  invalid regex on rule "deny-shell" (match.headers.x-tenant, line 13): lookahead "(?=" is not supported by RE2 ${LINEAR}; rewrite the pattern without it`,
      `  invalid regex on rule "scrub" (patterns[1], line 16): backreference "\\1" is not supported by RE2 ${LINEAR}`,
    ]);
    const oneLine = error.issues.map((issue) => formatConfigIssue(issue, 'message'));
    expect(error.message).toBe(oneLine.join('; '));
    expect(oneLine).toEqual([
      'invalid regex on rule "deny-shell": missing closing parenthesis (match.tool, line 9)',
      'invalid regex on rule "deny-shell": missing closing bracket (match.args.path, line 11)',
      `invalid regex on rule "deny-shell": lookahead "(?=" is not supported by RE2 ${LINEAR}; rewrite the pattern without it (match.headers.x-tenant, line 13)`,
      `invalid regex on rule "scrub": backreference "\\1" is not supported by RE2 ${LINEAR} (patterns[1], line 16)`,
    ]);
    expect(error.issues.map((issue) => [issue.path, issue.line])).toEqual([
      ['policy.rules[0].match.tool', 9],
      ['policy.rules[0].match.args.path', 11],
      ['policy.rules[0].match.headers.x-tenant', 13],
      ['policy.rules[1].patterns[1]', 16],
    ]);
  });

  it('a rate_limit tool pattern is checked too', () => {
    const yaml = `${UPSTREAM}policy:\n  rules:\n    - name: limit-search\n      action: rate_limit\n      match: { tool: "search[" }\n      limit: 1\n      window: 1s\n`;
    expect(errorFor(yaml).message).toBe('invalid regex on rule "limit-search": missing closing bracket (match.tool, line 8)');
  });

  it('accepts RE2 syntax V8 would also accept, and RE2-only syntax', () => {
    const yaml = `${UPSTREAM}policy:
  rules:
    - name: r
      action: redact
      patterns: ["(?i)bearer [a-z0-9._-]+", "\\\\d{3}-\\\\d{4}", "(?P<k>key)=\\\\w+", "[[:alpha:]]+@x", "\\\\pL+\\\\d"]
`;
    expect(firstRuleField(parseConfig(yaml), 'patterns')).toHaveLength(5);
  });
});

describe('explainRe2Error', () => {
  it.each<[raw: string, plain: string]>([
    ['missing ]: [abc', 'missing closing bracket'],
    ['missing ): (abc', 'missing closing parenthesis'],
    ['unexpected ): abc)', 'unmatched closing parenthesis'],
    ['trailing \\', 'pattern ends with a lone backslash'],
    ['invalid perl operator: (?=', `lookahead "(?=" is not supported by RE2 ${LINEAR}; rewrite the pattern without it`],
    ['invalid perl operator: (?!', `negative lookahead "(?!" is not supported by RE2 ${LINEAR}; rewrite the pattern without it`],
    ['invalid perl operator: (?<=', `lookbehind "(?<=" is not supported by RE2 ${LINEAR}; rewrite the pattern without it`],
    ['invalid perl operator: (?<!', `negative lookbehind "(?<!" is not supported by RE2 ${LINEAR}; rewrite the pattern without it`],
    ['invalid perl operator: (?#', 'unsupported group syntax "(?#"'],
    ['invalid escape sequence: \\1', `backreference "\\1" is not supported by RE2 ${LINEAR}`],
    ['invalid escape sequence: \\9', `backreference "\\9" is not supported by RE2 ${LINEAR}`],
    ['invalid escape sequence: \\k', `backreference "\\k" is not supported by RE2 ${LINEAR}`],
    ['invalid escape sequence: \\q', 'invalid escape sequence "\\q"'],
    ['bad repetition operator: **', 'repetition operator on a repetition "**"; possessive and nested quantifiers are not supported by RE2'],
    ['no argument for repetition operator: *', 'repetition operator with nothing to repeat "*"'],
    ['missing argument to repetition operator: *', 'repetition operator with nothing to repeat "*"'],
    ['invalid repetition size: {1001}', 'invalid repetition count "{1001}"; counts go up to 1000 (nested counts multiplied) and the minimum must not exceed the maximum'],
    ['invalid character class range: z-a', 'invalid character class or range "z-a"'],
    ['invalid character class: [[:foo:]]', 'invalid character class "[[:foo:]]"'],
    ['invalid named capture group: (?P<>', 'invalid named group "(?P<>"'],
    ['duplicate capture group name', 'the same group name is used twice'],
    ['invalid UTF-8', 'the pattern is not valid UTF-8'],
    ['pattern too large - compile failed', 'the pattern is too large for RE2 (it compiles to too big a program); split it or simplify repetitions'],
    ['expression nests too deeply', 'the pattern nests too deeply'],
  ])('%s → %s', (raw, plain) => {
    expect(explainRe2Error(raw)).toBe(plain);
  });

  it('passes an unknown message through unchanged', () => {
    expect(explainRe2Error('something new: x')).toBe('something new: x');
    expect(explainRe2Error('')).toBe('');
  });

  it('keeps a fragment holding a newline on one line', () => {
    expect(explainRe2Error('invalid character class range: z-\na')).toBe('invalid character class or range "z-\\na"');
  });

  it('is what tryCompilePattern reports for what RE2 refuses', () => {
    expect(tryCompilePattern('[abc')).toEqual({ ok: false, reason: 'missing closing bracket' });
    expect(tryCompilePattern('(?<=a)b')).toMatchObject({ ok: false, reason: expect.stringMatching(/^lookbehind "\(\?<=" is not supported by RE2/) });
    expect(tryCompilePattern('a{1001}')).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid repetition count "\{1001\}"/) });
    const ok = tryCompilePattern('^search$');
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(ok.pattern.test('search')).toBe(true);
  });

  it('refuses a pattern too large for RE2 in plain words', () => {
    expect(tryCompilePattern('(\\pL{100}){10}')).toEqual({
      ok: false,
      reason: 'the pattern is too large for RE2 (it compiles to too big a program); split it or simplify repetitions',
    });
  });
});
