import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { ConfigError, parseConfig } from '../../src/index.js';
import { configError, reportLines, UPSTREAM } from './helpers.js';

const EXAMPLE = readFileSync(new URL('../../../../examples/mcpgw.yaml', import.meta.url), 'utf8');

/** The example config with line `line` (1-based) indented by `indent` spaces instead. */
function reindented(line: number, indent: number): string {
  const lines = EXAMPLE.split('\n');
  lines[line - 1] = `${' '.repeat(indent)}${(lines[line - 1] ?? '').trimStart()}`;
  return lines.join('\n');
}

describe('YAML syntax errors', () => {
  it('bad indentation', () => {
    expect(reportLines('upstreams:\n  - name: a\n   url: http://x/mcp\n')).toEqual([
      'line 3, column 4: YAML syntax: bad indentation: this line lines up neither with the keys above it nor as a list item (with "-")',
    ]);
    expect(reportLines('upstreams:\n  - name: a\n    url: http://x/mcp\n  policy: {}\n')).toEqual([
      'line 4, column 3: YAML syntax: bad indentation: this key does not line up with the keys above it (the keys of one mapping start at the same column)',
    ]);
  });

  describe('a mis-indented key in the middle of the rules is one message with its line and column, not one per line after it', () => {
    // examples/mcpgw.yaml: line 45 is `      action: rate_limit` in the third rule, line 37 `      direction: both` in the second.
    it.each<[what: string, line: number, indent: number, report: string]>([
      [
        'a key indented less than its neighbours',
        45,
        4,
        'line 45, column 5: YAML syntax: bad indentation: this key does not line up with the keys above it (the keys of one mapping start at the same column)',
      ],
      [
        'a key indented between the list item and its keys',
        37,
        5,
        'line 37, column 6: YAML syntax: bad indentation: this line lines up neither with the keys above it nor as a list item (with "-")',
      ],
      [
        'a key indented more than its neighbours',
        45,
        8,
        'line 44, column 13: YAML syntax: bad indentation: line 45 is indented deeper than the key before it, so YAML reads it as part of the value on line 44',
      ],
      [
        'a key indented less, with a deeper key after it',
        36,
        2,
        'line 36, column 11: YAML syntax: bad indentation: line 37 is indented deeper than the key before it, so YAML reads it as part of the value on line 36',
      ],
    ])('%s', (_, line, indent, report) => {
      const text = reindented(line, indent);
      // The yaml parser itself reports a cascade of errors for these.
      expect(parseDocument(text).errors.length).toBeGreaterThan(1);
      const error = configError(text);
      expect(error.issues).toHaveLength(1);
      expect(error.format('mcpgw.yaml')).toBe(`invalid config mcpgw.yaml:\n  ${report}`);
      expect(error.message).toBe(report);
    });
  });

  it('a value that runs on into a line holding a key', () => {
    expect(reportLines(`${UPSTREAM}policy:\n  rules:\n    - name: d\n      action: deny\n      message: shell tools\n        are off: for now\n`)).toEqual([
      'line 8, column 16: YAML syntax: bad indentation: line 9 is indented deeper than the key before it, so YAML reads it as part of the value on line 8',
    ]);
  });

  it('a tab used for indentation', () => {
    expect(reportLines('upstreams:\n\t- name: a\n')).toEqual(['line 2, column 1: YAML syntax: Tabs are not allowed as indentation']);
  });

  it('an unclosed quote', () => {
    const error = configError('upstreams:\n  - name: "everything\n    url: http://x/mcp\n');
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ path: '', message: 'YAML syntax: Missing closing "quote' });
    expect(error.issues[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('an unclosed flow list', () => {
    const error = configError(`${UPSTREAM}allowed_origins: [http://localhost:3000\n`);
    expect(error.issues.length).toBeGreaterThanOrEqual(1);
    for (const issue of error.issues) {
      expect(issue.message).toMatch(/^YAML syntax: /);
      expect(issue.line).toBeGreaterThanOrEqual(4);
    }
  });

  it('a duplicate key names the key and the line of its second use', () => {
    expect(reportLines(`listen: "127.0.0.1:8080"\n${UPSTREAM}listen: "0.0.0.0:8080"\n`)).toEqual([
      'line 5, column 1: YAML syntax: duplicate key "listen"',
    ]);
    expect(reportLines(`${UPSTREAM}policy:\n  rules:\n    - name: a\n      action: deny\n      name: b\n`)).toEqual([
      'line 8, column 7: YAML syntax: duplicate key "name"',
    ]);
  });

  it('duplicate keys do not cascade: all are listed when they are the only errors', () => {
    expect(reportLines(`listen: "127.0.0.1:8080"\n${UPSTREAM}listen: "0.0.0.0:8080"\npolicy:\n  rules:\n    - name: a\n      action: deny\n      name: b\n`)).toEqual([
      'line 5, column 1: YAML syntax: duplicate key "listen"',
      'line 10, column 7: YAML syntax: duplicate key "name"',
    ]);
  });

  it('with a syntax error, only the first error in file order is reported', () => {
    expect(reportLines(`listen: "127.0.0.1:8080"\n${UPSTREAM}listen: "0.0.0.0:8080"\npolicy:\n  rules:\n    - name: a\n     action: deny\n`)).toEqual([
      'line 5, column 1: YAML syntax: duplicate key "listen"',
    ]);
  });

  it('a second document', () => {
    expect(reportLines(`${UPSTREAM}---\nlisten: "127.0.0.1:9090"\n`)).toEqual([
      'line 4, column 1: YAML syntax: the file holds more than one YAML document (a second "---"); a config is one document',
    ]);
  });

  it('an alias to no anchor', () => {
    expect(reportLines(`${UPSTREAM}default_upstream: *name\n`)).toEqual([
      'YAML: Unresolved alias (the anchor must be set before the alias): name',
    ]);
  });

  it('reports one error per syntax problem without crashing on any of them', () => {
    for (const text of [': :', '[', '{', '"', "'", '- - -\n  -', '? ? ?', '&a *a', '!!binary ###', '%YAML 1.1\n', '\u0000', '\uFEFF']) {
      let caught: unknown;
      try {
        parseConfig(text);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(text)).toBeInstanceOf(ConfigError);
    }
  });
});

describe('files that are not a config mapping', () => {
  it.each(['', '\n\n', '# only a comment\n', '---\n', '~\n', 'null\n'])('an empty file (%j)', (text) => {
    expect(reportLines(text)).toEqual(['the config is empty; it needs at least "upstreams"']);
  });

  it.each(['- name: a\n  url: http://x/mcp\n', '[]\n', 'upstreams\n', '42\n', 'true\n', '"text"\n'])('a list or a scalar (%j)', (text) => {
    expect(reportLines(text)).toEqual(['the config must be a mapping of keys such as upstreams and policy']);
  });
});

describe('hostile YAML', () => {
  const BILLION_LAUGHS = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`;

  it('an alias bomb (billion laughs) is a ConfigError, not expanded', () => {
    // Expanded, it would be 9^9 strings: the test would time out or run out of memory.
    expect(reportLines(BILLION_LAUGHS)).toEqual([
      'YAML: aliases expand to too much data; refused as a possible resource exhaustion ("billion laughs") attack',
    ]);
  });

  it('an alias bomb hidden inside a valid-looking config is refused too', () => {
    const text = `${UPSTREAM}policy:\n  rules:\n    - name: r\n      action: redact\n      patterns: &p ["x", "y", "z", "w", "v", "u", "t", "s", "r", "q"]\n      replacement: "*"\n${
      Array.from({ length: 8 }, (_, i) => `x${i}: &x${i} [${Array.from({ length: 10 }, () => (i === 0 ? '*p' : `*x${i - 1}`)).join(', ')}]`).join('\n')
    }\n`;
    expect(configError(text).issues[0]?.message).toBe(
      'YAML: aliases expand to too much data; refused as a possible resource exhaustion ("billion laughs") attack',
    );
  });

  it('a __proto__ key is an unknown key, not a prototype', () => {
    expect(reportLines(`${UPSTREAM}__proto__: { listen: "0.0.0.0:1" }\n`)).toEqual(['line 4, column 1: unknown key "__proto__"']);
    expect(reportLines(`upstreams:\n  - name: a\n    url: http://x/mcp\n    __proto__: { timeout_ms: 1 }\n`)).toEqual([
      'upstreams[0] (line 4): unknown key "__proto__"',
    ]);
  });

  it('a very long or deeply nested file is a ConfigError, not a crash', () => {
    const deep = `${UPSTREAM}audit: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    let caught: unknown;
    try {
      parseConfig(deep);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const long = configError(`${UPSTREAM}listen: "${'x'.repeat(100_000)}"\n`);
    expect(long.issues).toHaveLength(1);
  });
});
