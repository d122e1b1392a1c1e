/**
 * Every shell command of README.md, docs/*.md and packages/*\/README.md
 * (```sh, ```bash, ```shell and ```console blocks) is run here as printed,
 * or listed in command-table.ts with why it cannot run here and what covers
 * it instead; a command in neither fails 'every command ...' below.
 *
 * Commands run in a Sandbox (sandbox.ts): a temporary directory with a config,
 * `mcpgw` on the PATH, and private PID and network namespaces, so that
 * `pidof mcpgw` finds the one daemon started there and the ports the docs
 * print (8080, 3001) are free. Each command reaches bash on stdin as it is
 * printed, and the test checks its exit status and the output the docs show
 * beside it.
 */
import { existsSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NOT_RUN_HERE, RUN_HERE, TESTS } from './command-table.js';
import { ROOT } from './markdown.js';
import { Sandbox, sandboxTools, type SandboxProcess } from './sandbox.js';
import { docCommands, type DocCommand } from './shell-commands.js';

const COMMANDS = docCommands();

/** The printed form of a doc command that RUN_HERE says this suite runs (its first occurrence), and every occurrence. */
function doc(text: string): { printed: string; occurrences: DocCommand[] } {
  const occurrences = COMMANDS.filter((command) => command.text === text);
  if (occurrences.length === 0) throw new Error(`no doc prints the command ${text}`);
  if (RUN_HERE[text] === undefined) throw new Error(`RUN_HERE does not list ${text}`);
  return { printed: (occurrences[0] as DocCommand).printed, occurrences };
}

/** The seed recipe's commands and log lines, which docs/hot-reload.md carries word for word. */
const SEED_COMMANDS = [
  '$EDITOR /etc/mcpgw/mcpgw.yaml',
  'docker kill --signal=HUP mcpgw',
  'systemctl kill --signal=HUP mcpgw.service',
  'kill -HUP "$(pidof mcpgw)"',
  'tail -f audit.jsonl | jq -c \'select(.event | startswith("policy_reload"))\' &',
];
const RELOAD_OK = 'policy reload: ok (rules=4)';
const RELOAD_REJECTED = 'policy reload: rejected: invalid regex on rule "redact-secrets": missing closing bracket';

/** A config as the docs show them: four rules, the audit log beside it. */
const CONFIG = `listen: "127.0.0.1:8080"
upstreams:
  - name: everything
    url: http://127.0.0.1:3001/mcp
default_upstream: everything
policy:
  rules:
    - name: deny-shell
      action: deny
      match:
        method: tools/call
        tool: "^(exec|shell)"
      message: shell tools are disabled
    - name: redact-secrets
      action: redact
      direction: both
      patterns:
        - "AKIA[0-9A-Z]{16}"
        - "ghp_[A-Za-z0-9]{36}"
    - name: limit-search
      action: rate_limit
      match: { tool: "^search$" }
      limit: 10
      window: 1m
      key: client
    - name: deny-writes
      action: deny
      match: { tool: "^(write|delete)_" }
      message: this gateway is read-only
audit:
  path: audit.jsonl
`;
const BROKEN_PATTERN = CONFIG.replace('"ghp_[A-Za-z0-9]{36}"', '"ghp_[A-Za-z0-9{36}"');

describe('shell commands in the docs', () => {
  it('every command is run here as printed, or listed with the reason it cannot be and what covers it', () => {
    expect(COMMANDS.length).toBeGreaterThan(20);
    const unlisted = COMMANDS.filter((command) => RUN_HERE[command.text] === undefined && NOT_RUN_HERE[command.text] === undefined);
    expect(unlisted.map((command) => `${command.at}: ${command.text}`)).toEqual([]);
    const both = Object.keys(RUN_HERE).filter((text) => NOT_RUN_HERE[text] !== undefined);
    expect(both).toEqual([]);
    const printed = new Set(COMMANDS.map((command) => command.text));
    const stale = [...Object.keys(RUN_HERE), ...Object.keys(NOT_RUN_HERE)].filter((text) => !printed.has(text));
    expect(stale, 'table entries no doc prints any more').toEqual([]);
    for (const [text, entry] of Object.entries(NOT_RUN_HERE)) {
      expect(entry.reason, text).not.toBe('');
      expect(entry.coveredBy, text).not.toBe('');
    }
    expect(new Set(Object.values(RUN_HERE))).toEqual(new Set(Object.values(TESTS)));
  });

  it("docs/hot-reload.md carries the seed recipe's commands and log lines word for word", () => {
    const recipe = COMMANDS.filter((command) => command.at.startsWith('docs/hot-reload.md:')).map((command) => command.printed);
    for (const command of SEED_COMMANDS) expect(recipe).toContain(command);
    const lines = readFileSync(join(ROOT, 'docs/hot-reload.md'), 'utf8').split('\n');
    expect(lines).toContain(RELOAD_OK);
    // The seed's words start the line; the place in the file follows them.
    expect(lines.filter((line) => line.startsWith(`${RELOAD_REJECTED} (patterns[`))).toHaveLength(1);
  });
});

describe('shell commands in the docs, run as printed', () => {
  let sandbox: Sandbox | undefined;
  beforeAll(() => {
    const missing = sandboxTools();
    if (missing.length > 0) throw new Error(`these tests need ${missing.join(', ')} (.ci/run installs them)`);
  });
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it(TESTS.quickStart, async () => {
    sandbox = await Sandbox.create();
    // README: "exit 0, or 1 listing every problem with its line".
    const validate = doc('mcpgw validate --config mcpgw.yaml');
    expect(validate.occurrences.map((command) => command.comment)).toContain('exit 0, or 1 listing every problem with its line');
    sandbox.write('mcpgw.yaml', CONFIG.replace('      direction: both\n', '      direction: both\n      colour: red\n').replace('limit: 10', 'limit: ten'));
    const invalid = await sandbox.run(validate.printed);
    expect(invalid.code).toBe(1);
    const [heading, ...problems] = invalid.stderr.trimEnd().split('\n');
    expect(heading).toBe('invalid config mcpgw.yaml:');
    expect(problems).toEqual([
      expect.stringMatching(/^ {2}policy\.rules\[1\] \(line 17\): unknown key "colour"$/),
      expect.stringMatching(/^ {2}policy\.rules\[2\]\.limit \(line 24\): /),
    ]);
    sandbox.write('mcpgw.yaml', CONFIG);
    expect(await sandbox.run(validate.printed)).toEqual({ code: 0, stdout: expect.any(String), stderr: '' });

    const serve = sandbox.start(doc('mcpgw serve --config mcpgw.yaml').printed);
    await serve.waitForMsg('mcpgw listening on 127.0.0.1:8080');
    const watch = sandbox.start(doc('tail -f audit.jsonl | jq -c \'select(.event | startswith("policy_reload"))\' &').printed);
    // jq started, and tail is following the file.
    await waitUntil(async () => (await sandbox?.run('pidof tail jq'))?.stdout.trim().split(/\s+/).length === 2);

    // README: kill -HUP "$(pidof mcpgw)"  # hot reload: "policy reload: ok (rules=4)"
    const hup = doc('kill -HUP "$(pidof mcpgw)"');
    expect(hup.occurrences.map((command) => command.comment)).toContain(`hot reload: "${RELOAD_OK}"`);
    expect(await sandbox.run(hup.printed)).toEqual({ code: 0, stdout: '', stderr: '' });
    await serve.waitForMsg(RELOAD_OK, (line) => line['reason'] === 'SIGHUP');

    // Edit the file ($EDITOR): the watch reloads it, and so does the signal. Both keep the running policy.
    sandbox.write('mcpgw.yaml', BROKEN_PATTERN);
    await serve.waitForMsg(/^policy reload: rejected: /, (line) => line['reason'] === 'file change');
    expect(await sandbox.run(hup.printed)).toEqual({ code: 0, stdout: '', stderr: '' });
    const rejected = await serve.waitForMsg(/^policy reload: rejected: /, (line) => line['reason'] === 'SIGHUP');
    // The seed's words, then the place in the file: the second pattern, on line 19.
    expect(rejected['msg']).toBe(`${RELOAD_REJECTED} (patterns[1], line 19)`);
    expect(serve.lines.filter((line) => /^policy reload: /.test(String(line['msg'] ?? '')))).toHaveLength(3);

    // "You should see one new line per reload": jq's lines reach the terminal as they come;
    // through a pipe jq writes them when its input ends.
    expect((await sandbox.run('kill "$(pidof tail)"')).code).toBe(0);
    expect(await watch.exited).toBe(0);
    await watch.closed;
    const events = watch.lines;
    expect(events).toEqual([
      { time: expect.any(String), event: 'policy_reload', rules: 4, generation: 2 },
      { time: expect.any(String), event: 'policy_reload_failed', error: 'invalid regex on rule "redact-secrets": missing closing bracket (patterns[1], line 19)' },
      { time: expect.any(String), event: 'policy_reload_failed', error: 'invalid regex on rule "redact-secrets": missing closing bracket (patterns[1], line 19)' },
    ]);
    const hotReloadDoc = readFileSync(join(ROOT, 'docs/hot-reload.md'), 'utf8');
    expect(hotReloadDoc).toContain('{"time":"2026-11-26T01:02:03.456Z","event":"policy_reload","rules":4,"generation":2}');
  });

  it(TESTS.schema, async () => {
    sandbox = await Sandbox.create();
    const result = await sandbox.run(doc('mcpgw schema > mcpgw.schema.json').printed);
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    const schema = JSON.parse(sandbox.read('mcpgw.schema.json')) as { $schema?: string; properties?: Record<string, unknown> };
    expect(schema.$schema).toMatch(/^https?:\/\/json-schema\.org\//);
    expect(Object.keys(schema.properties ?? {})).toEqual(expect.arrayContaining(['listen', 'upstreams', 'routes', 'default_upstream', 'policy', 'audit']));
  });

  it(TESTS.auditInOrder, async () => {
    sandbox = await Sandbox.create();
    // Small files, so that a dozen reloads rotate a few times.
    sandbox.write('mcpgw.yaml', CONFIG.replace('  path: audit.jsonl\n', '  path: audit.jsonl\n  max_size_mb: 0.0004\n'));
    const serve = sandbox.start(doc('mcpgw serve --config mcpgw.yaml').printed);
    await serve.waitForMsg('mcpgw listening on 127.0.0.1:8080');
    const reloads = 12;
    for (let n = 1; n <= reloads; n++) {
      expect((await sandbox.run(doc('kill -HUP "$(pidof mcpgw)"').printed)).code).toBe(0);
      await waitUntil(() => countMsg(serve, RELOAD_OK) === n);
    }
    // A clean shutdown waits for the rotated files' compression.
    expect((await sandbox.run('kill -TERM "$(pidof mcpgw)"')).code).toBe(0);
    expect(await serve.exited).toBe(0);
    const rotated = readdirSync(sandbox.dir).filter((name) => name.startsWith('audit.jsonl.'));
    expect(rotated.length).toBeGreaterThanOrEqual(3);
    expect(rotated.every((name) => /^audit\.jsonl\.\d{8}T\d{6}\.\d{3}Z\.gz$/.test(name))).toBe(true);

    // The names the daemon makes in rarer moments, from its own files: the last
    // two rotations become later rotations in the same millisecond as the one
    // before (`…Z-1.gz`, which plain `sort` puts before `…Z.gz`), the last one
    // not compressed (compress_rotated: false, or still being compressed: a
    // partial `.gz.<pid>-<hex>.tmp` beside it, which must not be read).
    const [first, second, third] = rotated.sort().slice(-3) as [string, string, string];
    const base = first.slice(0, -'.gz'.length);
    renameSync(join(sandbox.dir, second), join(sandbox.dir, `${base}-1.gz`));
    const plain = gunzipSync(readFileSync(join(sandbox.dir, third)));
    writeFileSync(join(sandbox.dir, `${base}-2`), plain);
    writeFileSync(join(sandbox.dir, `${base}-2.gz.4242-0badcafe.tmp`), gzipSync(plain).subarray(0, 20));
    unlinkSync(join(sandbox.dir, third));

    const read = await sandbox.run(doc(`for f in $(ls audit.jsonl.[0-9]* | grep -v '\\.tmp$' | sed 's/\\.gz$//' | sort -uV); do cat "$f" 2>/dev/null || zcat "$f.gz"; done; cat audit.jsonl`).printed);
    expect(read.code).toBe(0);
    const events = read.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { event: string; generation?: number; time: string });
    expect(events.map((event) => event.event)).toEqual(['startup', ...Array<string>(reloads).fill('policy_reload'), 'shutdown']);
    expect(events.filter((event) => event.event === 'policy_reload').map((event) => event.generation)).toEqual(Array.from({ length: reloads }, (_, i) => i + 2));
    expect(events.map((event) => event.time)).toEqual(events.map((event) => event.time).sort());
  });

  it(TESTS.exampleProxy, async () => {
    sandbox = await Sandbox.create();
    const upstream = sandbox.start(doc('node examples/demo-upstream/server.mjs --port 3001 &').printed, { cwd: ROOT });
    await upstream.waitFor((line) => line['event'] === 'listening' && line['url'] === 'http://127.0.0.1:3001/mcp');
    const proxy = sandbox.start(doc('node examples/node-http-proxy/proxy.mjs --config examples/mcpgw.yaml --port 8080 --upstream-url http://127.0.0.1:3001/mcp').printed, { cwd: ROOT });
    await proxy.waitFor((line) => line['event'] === 'listening' && line['url'] === 'http://127.0.0.1:8080/mcp' && line['upstream'] === 'http://127.0.0.1:3001/mcp');

    const hup = doc('kill -HUP "$(pgrep -f examples/node-http-proxy/proxy.mjs)"');
    expect(hup.occurrences.map((command) => command.comment)).toContain('{"event":"policy_reload",...,"msg":"policy reload: ok (rules=3)"}');
    expect(await sandbox.run(hup.printed, { cwd: ROOT })).toEqual({ code: 0, stdout: '', stderr: '' });
    await proxy.waitFor((line) => line['event'] === 'policy_reload' && line['msg'] === 'policy reload: ok (rules=3)');
  });

  it(TESTS.cli, async () => {
    sandbox = await Sandbox.create();
    const { version } = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string };
    for (const text of ['npx mcpgw --version', 'mcpgw --version']) {
      expect(await sandbox.run(doc(text).printed, { cwd: ROOT }), text).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
    for (const text of ['npx mcpgw validate --config examples/mcpgw.yaml', 'mcpgw validate --config examples/mcpgw.yaml']) {
      expect(await sandbox.run(doc(text).printed, { cwd: ROOT }), text).toEqual({ code: 0, stdout: expect.stringMatching(/^examples\/mcpgw\.yaml: ok \(upstreams=1, rules=\d+\)\n$/), stderr: '' });
    }
    const help = await sandbox.run(doc('mcpgw --help').printed);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    for (const command of ['serve', 'validate', 'schema']) expect(help.stdout).toContain(`mcpgw ${command}`);
  });

  it(TESTS.pidFile, async () => {
    sandbox = await Sandbox.create();
    sandbox.write('mcpgw.yaml', CONFIG);
    const serve = sandbox.start(doc('mcpgw serve --config mcpgw.yaml --pid-file mcpgw.pid').printed);
    await serve.waitForMsg('mcpgw listening on 127.0.0.1:8080');
    const pid = Number(sandbox.read('mcpgw.pid').trim());
    expect((await sandbox.run('pidof mcpgw')).stdout.trim()).toBe(String(pid));
    const hup = doc('kill -HUP "$(cat mcpgw.pid)"');
    expect(await sandbox.run(hup.printed)).toEqual({ code: 0, stdout: '', stderr: '' });
    await serve.waitForMsg(RELOAD_OK, (line) => line['reason'] === 'SIGHUP');
    expect((await sandbox.run('kill -TERM "$(cat mcpgw.pid)"')).code).toBe(0);
    expect(await serve.exited).toBe(0);
    expect(existsSync(join(sandbox.dir, 'mcpgw.pid'))).toBe(false);
  });

  it(TESTS.benchList, async () => {
    sandbox = await Sandbox.create();
    const result = await sandbox.run(doc('node bench/run.mjs --list').printed, { cwd: ROOT });
    expect(result.code).toBe(0);
    const listed = result.stdout.split('\n').map((line) => line.split(/\s+/)[0]);
    const named = COMMANDS.flatMap((command) => /^npm run bench -- (\S+)$/.exec(command.text)?.[1] ?? []);
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(listed).toContain(name);
  });
});

function countMsg(proc: SandboxProcess, msg: string): number {
  return proc.lines.filter((line) => line['msg'] === msg).length;
}

async function waitUntil(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${ms} ms: ${check.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
