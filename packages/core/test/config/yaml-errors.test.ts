import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/index.js';
import { configError, reportLines, UPSTREAM } from './helpers.js';

describe('YAML syntax errors', () => {
  it('bad indentation', () => {
    expect(reportLines('upstreams:\n  - name: a\n   url: http://x/mcp\n')).toEqual([
      'line 3: YAML syntax: Sequence item without - indicator',
    ]);
    expect(reportLines('upstreams:\n  - name: a\n    url: http://x/mcp\n  policy: {}\n')).toEqual([
      'line 4: YAML syntax: All mapping items must start at the same column',
    ]);
  });

  it('a tab used for indentation', () => {
    expect(reportLines('upstreams:\n\t- name: a\n')).toEqual(['line 2: YAML syntax: Tabs are not allowed as indentation']);
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
      'line 5: YAML syntax: duplicate key "listen"',
    ]);
    expect(reportLines(`${UPSTREAM}policy:\n  rules:\n    - name: a\n      action: deny\n      name: b\n`)).toEqual([
      'line 8: YAML syntax: duplicate key "name"',
    ]);
  });

  it('a second document', () => {
    expect(reportLines(`${UPSTREAM}---\nlisten: "127.0.0.1:9090"\n`)).toEqual([
      'line 4: YAML syntax: the file holds more than one YAML document (a second "---"); a config is one document',
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

  it('an alias bomb (billion laughs) is a ConfigError, quickly', () => {
    const started = performance.now();
    expect(reportLines(BILLION_LAUGHS)).toEqual([
      'YAML: aliases expand to too much data; refused as a possible resource exhaustion ("billion laughs") attack',
    ]);
    expect(performance.now() - started).toBeLessThan(2000);
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
    expect(reportLines(`${UPSTREAM}__proto__: { listen: "0.0.0.0:1" }\n`)).toEqual(['line 4: unknown key "__proto__"']);
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
