import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { daemonConfig, MCPGW, Proc, run, startDaemon, startDemoUpstream, tempDir } from './harness.js';

const exec = promisify(execFile);
/** The daemon's server.keepAliveTimeout (packages/cli/src/daemon/http-server.ts): how long an idle keep-alive connection could hold it. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

describe('mcpgw validate, schema, help', () => {
  it('validate exits 0 on a good config', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'mcpgw.yaml'), daemonConfig({ upstreamUrl: 'http://127.0.0.1:3001/mcp', dir }));
    const result = await run(['validate', '--config', join(dir, 'mcpgw.yaml')]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`${join(dir, 'mcpgw.yaml')}: ok (upstreams=1, rules=4)\n`);
  });

  it('validate exits 1 listing every problem, without a stack trace', async () => {
    const dir = tempDir();
    const path = join(dir, 'mcpgw.yaml');
    writeFileSync(path, `upstreams:
  - name: demo
    url: http://127.0.0.1:3001/mcp
    colour: red
policy:
  rules:
    - name: redact-secrets
      action: redact
      patterns: ["AKIA[0-9A-Z{16}"]
    - name: limit
      action: rate_limit
      limit: 10
      window: 5 minutes
`);
    const result = await run(['validate', '--config', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `invalid config ${path}:\n` +
        '  upstreams[0] (line 4): unknown key "colour"\n' +
        '  invalid regex on rule "redact-secrets" (patterns[0], line 9): missing closing bracket\n' +
        '  policy.rules[1].window (line 13): must be a whole number above zero and a unit (ms, s, m or h), like 500ms, 10s, 1m or 1h, up to 8784h (got "5 minutes")\n',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('validate exits 1 for a missing file', async () => {
    const result = await run(['validate', '--config', '/nonexistent/mcpgw.yaml']);
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'cannot read config /nonexistent/mcpgw.yaml: no such file\n' });
  });

  it('validate and serve say why a config cannot be read in plain words, not an OS code: a directory', async () => {
    const dir = tempDir();
    expect(await run(['validate', '--config', dir])).toEqual({ code: 1, stdout: '', stderr: `cannot read config ${dir}: is a directory\n` });
    expect(await run(['serve', '--config', dir])).toMatchObject({ code: 1, stderr: `cannot read config ${dir}: is a directory\n` });
  });

  it('schema prints the JSON Schema of mcpgw.yaml', async () => {
    const result = await run(['schema']);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout) as { $schema: string; properties: Record<string, unknown>; additionalProperties: boolean };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['listen', 'upstreams', 'routes', 'default_upstream', 'policy', 'audit', 'telemetry', 'license']));
    expect(schema.additionalProperties).toBe(false);
  });

  it('--help and --version', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('mcpgw serve    --config mcpgw.yaml');
    const version = await run(['--version']);
    expect(version).toEqual({ code: 0, stdout: `${JSON.parse(readFileSync(new URL('../../packages/cli/package.json', import.meta.url), 'utf8')).version}\n`, stderr: '' });
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  it('serve with a bad config exits 1 with the readable error', async () => {
    const dir = tempDir();
    const path = join(dir, 'mcpgw.yaml');
    writeFileSync(path, 'upstreams: []\n');
    const result = await run(['serve', '--config', path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`invalid config ${path}:\n  upstreams (line 1): must not be empty\n`);
  });
});

describe('mcpgw serve: an address it cannot listen on, in plain words with the code', () => {
  async function serveOn(listen: string): Promise<{ code: number | null; stderr: string }> {
    const dir = tempDir();
    writeFileSync(join(dir, 'mcpgw.yaml'), daemonConfig({ upstreamUrl: 'http://127.0.0.1:1/mcp', dir, listen }));
    return run(['serve', '--config', join(dir, 'mcpgw.yaml')]);
  }

  it('an address on no interface of this host (192.0.2.1 is TEST-NET-1)', async () => {
    expect(await serveOn('192.0.2.1:8080')).toMatchObject({ code: 1, stderr: 'cannot listen on 192.0.2.1:8080: no such address on this host (EADDRNOTAVAIL)\n' });
  });

  it('a port another process holds', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      expect(await serveOn(`127.0.0.1:${port}`)).toMatchObject({ code: 1, stderr: `cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)\n` });
    } finally {
      taken.close();
    }
  });
});

describe('mcpgw serve: process, shutdown and its own HTTP answers', () => {
  let upstream: { proc: Proc; url: string };
  let daemon: { proc: Proc; url: string } | undefined;
  beforeAll(async () => {
    upstream = await startDemoUpstream();
  });
  afterAll(async () => {
    await upstream?.proc.stop();
  });
  afterEach(async () => {
    await daemon?.proc.stop();
    daemon = undefined;
  });

  it('is named mcpgw, so that kill -HUP "$(pidof mcpgw)" reaches it', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir }));
    daemon = await startDaemon(configPath, ['--no-watch']);
    const pid = daemon.proc.child.pid as number;
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('mcpgw');
    const { stdout } = await exec('pidof', ['mcpgw']);
    expect(stdout.trim().split(/\s+/)).toContain(String(pid));
    const from = daemon.proc.lines.length;
    await exec('sh', ['-c', `kill -HUP "$(pidof mcpgw | tr ' ' '\\n' | grep -x ${pid})"`]);
    await daemon.proc.waitForMsg('policy reload: ok (rules=4)', from);
  });

  it('SIGTERM drains: a call in flight completes, then shutdown is audited and the exit code is 0', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir }));
    daemon = await startDaemon(configPath, ['--no-watch']);
    const client = new Client({ name: 'drain-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(daemon.url)));
    const slow = client.callTool({ name: 'slow', arguments: { steps: 4 } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    daemon.proc.signal('SIGTERM');
    const result = await slow;
    expect(result.content).toEqual([{ type: 'text', text: 'done after 4 steps' }]);
    // Exit 0 and drained: true (below): the daemon left when the call was done, not at the drain timeout.
    const exit = await daemon.proc.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    // New connections are refused once draining.
    await expect(fetch(daemon.url, { method: 'POST', body: '{}' })).rejects.toThrow();
    const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(audit[0]).toMatchObject({ event: 'startup', rules: 4, generation: 1 });
    expect(audit.at(-1)).toMatchObject({ event: 'shutdown', signal: 'SIGTERM', drained: true, abandoned: 0 });
    expect(audit.find((line) => line['tool'] === 'slow')).toMatchObject({ event: 'decision', action: 'allow', status: 200 });
    await client.close().catch(() => undefined);
  });

  it('exits at once when idle, ending notification streams and closing keep-alive connections', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir }));
    daemon = await startDaemon(configPath, ['--no-watch']);
    // An SDK client holds a GET notification stream and a keep-alive connection.
    const client = new Client({ name: 'idle-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(daemon.url)));
    await client.listTools();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    daemon.proc.signal('SIGINT');
    expect(await daemon.proc.exited).toEqual({ code: 0, signal: null });
    // Not held by the idle keep-alive connection: the server's keep-alive timeout would hold it this long.
    expect(Date.now() - started).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS);
    const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(audit.at(-1)).toMatchObject({ event: 'shutdown', signal: 'SIGINT', drained: true, forced: false, streams_closed: 1, abandoned: 0 });
    await client.close().catch(() => undefined);
  });

  it('a second signal forces the exit while a drain waits, auditing the call it abandons and a forced shutdown first', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir }));
    daemon = await startDaemon(configPath, ['--no-watch', '--drain-timeout', '60']);
    const client = new Client({ name: 'force-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(daemon.url)));
    // A call that keeps the drain waiting 10 s (the drain timeout is 60 s).
    void client.callTool({ name: 'slow', arguments: { ms: 10_000 } }, undefined, { timeout: 15_000 }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    daemon.proc.signal('SIGTERM');
    await daemon.proc.waitForMsg('shutting down: draining in-flight requests');
    daemon.proc.signal('SIGINT');
    // Exit 1, forced: the call (10 s) was not waited for; a drain that finished would exit 0.
    expect((await daemon.proc.exited).code).toBe(1);
    // SPEC §5: the audit log accounts for the call, once, and says the exit was forced.
    const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const slow = audit.filter((line) => line['tool'] === 'slow');
    // Its event stream had begun (the demo upstream answers with SSE): the status sent.
    expect(slow).toEqual([expect.objectContaining({ event: 'decision', action: 'allow', status: 200, outcome: 'abandoned' })]);
    expect(audit.at(-1)).toMatchObject({ event: 'shutdown', signal: 'SIGTERM', drained: false, forced: true, abandoned: 1 });
    await client.close().catch(() => undefined);
  });

  it('a drain that times out abandons the call still running: audited as abandoned with no status (none was sent), exit 3', async () => {
    // Answers POSTs with JSON: nothing is sent to the client before the answer.
    const jsonUpstream = await startDemoUpstream(['--json']);
    try {
      const dir = tempDir();
      const configPath = join(dir, 'mcpgw.yaml');
      writeFileSync(configPath, daemonConfig({ upstreamUrl: jsonUpstream.url, dir }));
      daemon = await startDaemon(configPath, ['--no-watch', '--drain-timeout', '1']);
      const client = new Client({ name: 'timeout-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(daemon.url)));
      const call = client.callTool({ name: 'slow', arguments: { ms: 10_000 } }, undefined, { timeout: 15_000 }).then(
        () => 'answered',
        () => 'dropped',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      daemon.proc.signal('SIGTERM');
      expect((await daemon.proc.exited).code).toBe(3);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(await call).toBe('dropped');
      await daemon.proc.waitForMsg('shutdown: drain timed out');
      const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      // The gateway closed the connection, not the client; and no HTTP status reached it.
      expect(audit.filter((line) => line['tool'] === 'slow')).toEqual([expect.objectContaining({ event: 'decision', action: 'allow', status: null, outcome: 'abandoned' })]);
      expect(audit.at(-1)).toMatchObject({ event: 'shutdown', signal: 'SIGTERM', drained: false, forced: false, abandoned: 1 });
      await client.close().catch(() => undefined);
    } finally {
      await jsonUpstream.proc.stop();
    }
  });

  it('answers GET and HEAD /healthz and /readyz itself, and refuses other methods there instead of proxying them', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir }));
    daemon = await startDaemon(configPath, ['--no-watch']);
    const origin = new URL(daemon.url).origin;
    for (const path of ['/healthz', '/healthz/', '/healthz?verbose=1', '/HEALTHZ', '/readyz', '/Readyz/?x=1']) {
      const answer = await fetch(origin + path);
      expect(answer.status, path).toBe(200);
      expect(await answer.json()).toEqual({
        status: 'ok',
        generation: 1,
        in_flight: 0,
        generations: [{ generation: 1, in_flight: 0 }],
        upstreams: { demo: { status: 'unknown', last_success: null, last_failure: null } },
        license: null,
      });
    }
    for (const path of ['/healthz', '/readyz']) {
      const head = await fetch(origin + path, { method: 'HEAD' });
      expect(head.status, path).toBe(200);
      expect(await head.text()).toBe('');
      // With a default upstream, anything else at this path would be proxied: it never is.
      const post = await fetch(origin + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
      expect(post.status, path).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
    }
    // A longer path is not the health check: it goes to the default upstream like any other.
    const other = await fetch(`${origin}/healthzz`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
    expect(other.status).not.toBe(405);
  });

  it('answers a path no route serves with a JSON-RPC 404 when there is no default upstream', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    const config = daemonConfig({ upstreamUrl: upstream.url, dir }).replace('default_upstream: demo\n', 'routes:\n  - path: /mcp\n    upstream: demo\n');
    expect(config).toContain('routes:');
    writeFileSync(configPath, config);
    daemon = await startDaemon(configPath, ['--no-watch']);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const missing = await fetch(daemon.url.replace('/mcp', '/elsewhere'), { method: 'POST', headers, body });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'no MCP endpoint at this path' } });
    // The routed path, with a query, reaches the upstream through the policy.
    const client = new Client({ name: 'daemon-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${daemon.url}?tenant=a`)));
    await expect(client.callTool({ name: 'exec', arguments: { command: 'ls' } })).rejects.toMatchObject({ code: -32003 });
    await client.close();
  });
});

describe('packaging', () => {
  it('the systemd unit reloads with SIGHUP and stops with SIGTERM, with time to drain', () => {
    const unit = readFileSync(new URL('../../packaging/systemd/mcpgw.service', import.meta.url), 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/mcpgw serve --config \/etc\/mcpgw\/mcpgw\.yaml --drain-timeout (\d+)$/m);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    const drain = Number(/--drain-timeout (\d+)/.exec(unit)?.[1]);
    const stop = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
    expect(stop).toBeGreaterThan(drain);
    expect(unit).toMatch(/^User=mcpgw$/m);
  });

  it('as PID 1 of its own PID namespace (as in a container), the daemon handles SIGHUP and SIGTERM itself', async () => {
    const dir = tempDir();
    const upstream = await startDemoUpstream();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir }));
    // unshare: a new PID namespace in which the daemon is PID 1, exactly the container's situation.
    const proc = new Proc('unshare', ['--pid', '--fork', '--kill-child', process.execPath, MCPGW, 'serve', '--config', configPath, '--no-watch']);
    try {
      const listening = await proc.waitForMsg(/^mcpgw listening on /);
      expect(listening['pid']).toBe(1);
      const inner = Number((await exec('pgrep', ['-P', String(proc.child.pid)])).stdout.trim());
      process.kill(inner, 'SIGHUP');
      await proc.waitForMsg('policy reload: ok (rules=4)');
      process.kill(inner, 'SIGTERM');
      await proc.waitForMsg('shutdown complete');
      expect((await proc.exited).code).toBe(0);
    } finally {
      await proc.stop();
      await upstream.proc.stop();
    }
  });
});
