import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, run, tempDir } from '../daemon/harness.js';

// `mcpgw validate` as an operator runs it: every problem, in file order, each with its line.

const BROKEN = `listen: "127.0.0.1:8080"
upstreams:
  - name: demo
    url: http://127.0.0.1:3001/mcp
    colour: red
  - name: demo
    url: ftp://127.0.0.1:3002/mcp
routes:
  - path: /mcp/files
    upstream: files
policy:
  rules:
    - name: deny-shell
      action: deny
      match: { tool: "^(exec|shell", args: { cmd: "[a" }, headers: { x-k: "(?=x)" } }
      limit: 3
    - name: redact-secrets
      action: redact
      patterns:
        - "AKIA[0-9A-Z]{16}"
        - "ghp_[A-Za-z0-9"
    - name: limit-search
      action: rate_limit
      window: 1m
    - name: deny-shell
      action: deny
default_upstream: nope
`;

describe('mcpgw validate', () => {
  it('lists every problem in file order, each with its line; a bad pattern names its rule, its place in the rule and its line', async () => {
    const dir = tempDir();
    const path = join(dir, 'mcpgw.yaml');
    writeFileSync(path, BROKEN);
    const result = await run(['validate', '--config', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      `invalid config ${path}:`,
      '  upstreams[0] (line 5): unknown key "colour"',
      '  upstreams[1].name (line 6): duplicate upstream name "demo" (first used by upstreams[0])',
      '  upstreams[1].url (line 7): must be an http:// or https:// URL (got "ftp://127.0.0.1:3002/mcp")',
      '  routes[0].upstream (line 10): unknown upstream "files"; upstreams are: demo',
      '  invalid regex on rule "deny-shell" (match.tool, line 15): missing closing parenthesis',
      '  invalid regex on rule "deny-shell" (match.args.cmd, line 15): missing closing bracket',
      '  invalid regex on rule "deny-shell" (match.headers.x-k, line 15): lookahead "(?=" is not supported by RE2 (it guarantees linear-time matching); rewrite the pattern without it',
      '  policy.rules[0] (line 16): "limit" does not apply to deny rules',
      '  invalid regex on rule "redact-secrets" (patterns[1], line 21): missing closing bracket',
      '  policy.rules[2] (line 22): rate_limit rule "limit-search" needs "limit"',
      '  policy.rules[3].name (line 25): duplicate rule name "deny-shell" (first used by policy.rules[0])',
      '  default_upstream (line 27): unknown upstream "nope"; upstreams are: demo',
      '',
    ]);
    // Each line is where its problem is written.
    const source = BROKEN.split('\n');
    expect(source[14]).toContain('tool: "^(exec|shell"');
    expect(source[20]).toContain('"ghp_[A-Za-z0-9"');
  });

  it('a mis-indented key in the middle of the rules is one problem with its line and column', async () => {
    const dir = tempDir();
    const path = join(dir, 'mcpgw.yaml');
    const lines = readFileSync(join(ROOT, 'examples/mcpgw.yaml'), 'utf8').split('\n');
    // `      action: rate_limit` of the third rule, two spaces short.
    const index = lines.findIndex((line) => line === '      action: rate_limit');
    lines[index] = '    action: rate_limit';
    writeFileSync(path, lines.join('\n'));
    const result = await run(['validate', '--config', path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `invalid config ${path}:\n` +
        `  line ${index + 1}, column 5: YAML syntax: bad indentation: this key does not line up with the keys above it (the keys of one mapping start at the same column)\n`,
    );
  });
});
