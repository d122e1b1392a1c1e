import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { daemonConfig, Proc, startDaemon, startDemoUpstream, tempDir } from './harness.js';

const auditLines = (dir: string) =>
  readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'daemon-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

const BAD_REGEX_RULES = `    - name: redact-secrets
      action: redact
      patterns:
        - "AKIA[0-9A-Z]{16}"
        - "ghp_[A-Za-z0-9{36}"`;

const NO_DENY_RULES = `    - name: redact-secrets
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}"]`;

describe('mcpgw serve: reloads', () => {
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

  it('SIGHUP with a valid config: logs "policy reload: ok (rules=N)", audits policy_reload, applies the new rules', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir }));
    daemon = await startDaemon(configPath, ['--no-watch']);
    const client = await connect(daemon.url);
    await expect(client.callTool({ name: 'exec', arguments: { command: 'ls' } })).rejects.toMatchObject({ code: -32003 });

    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir, rules: NO_DENY_RULES }));
    const from = daemon.proc.lines.length;
    daemon.proc.signal('SIGHUP');
    const ok = await daemon.proc.waitForMsg('policy reload: ok (rules=1)', from);
    expect(ok).toMatchObject({ level: 30, rules: 1, generation: 2 });
    expect(auditLines(dir).filter((line) => String(line['event']).startsWith('policy_reload'))).toEqual([
      { time: expect.any(String), event: 'policy_reload', rules: 1, generation: 2 },
    ]);
    // A new request is decided by generation 2: exec is allowed now.
    const result = await client.callTool({ name: 'exec', arguments: { command: 'ls' } });
    expect(result.isError).toBeFalsy();
    await client.close();
  });

  it('SIGHUP with an invalid config: logs the rejection, audits policy_reload_failed, keeps the running policy', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir }));
    daemon = await startDaemon(configPath, ['--no-watch']);

    const bad = daemonConfig({ upstreamUrl: upstream.url, dir, rules: BAD_REGEX_RULES });
    writeFileSync(configPath, bad);
    const line = bad.split('\n').findIndex((text) => text.includes('ghp_[A-Za-z0-9{36}')) + 1;
    const from = daemon.proc.lines.length;
    daemon.proc.signal('SIGHUP');
    const rejected = await daemon.proc.waitForMsg(/^policy reload: rejected: /, from);
    // seed/hot-reload-policy.md's line, word for word, then where the pattern is.
    const seed = 'policy reload: rejected: invalid regex on rule "redact-secrets": missing closing bracket';
    expect(String(rejected['msg']).startsWith(seed)).toBe(true);
    expect(rejected['msg']).toBe(`${seed} (patterns[1], line ${line})`);
    expect(auditLines(dir).at(-1)).toEqual({
      time: expect.any(String),
      event: 'policy_reload_failed',
      error: `invalid regex on rule "redact-secrets": missing closing bracket (patterns[1], line ${line})`,
    });
    // Still generation 1, still denying exec.
    const client = await connect(daemon.url);
    await expect(client.callTool({ name: 'exec', arguments: { command: 'ls' } })).rejects.toMatchObject({ code: -32003, message: expect.stringContaining('shell tools are disabled') });
    await client.close();
    const health = (await (await fetch(daemon.url.replace('/mcp', '/healthz'))).json()) as { generation: number };
    expect(health.generation).toBe(1);
  });

  it('SIGHUP while the file is missing: the rejection says so in the words startup uses, and the next good file applies', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir }));
    daemon = await startDaemon(configPath, ['--no-watch']);

    renameSync(configPath, `${configPath}.away`);
    let from = daemon.proc.lines.length;
    daemon.proc.signal('SIGHUP');
    const rejected = await daemon.proc.waitForMsg(/^policy reload: rejected: /, from);
    expect(rejected['msg']).toBe(`policy reload: rejected: cannot read config ${configPath}: no such file`);
    expect(auditLines(dir).at(-1)).toMatchObject({ event: 'policy_reload_failed', error: `cannot read config ${configPath}: no such file` });

    renameSync(`${configPath}.away`, configPath);
    from = daemon.proc.lines.length;
    daemon.proc.signal('SIGHUP');
    await daemon.proc.waitForMsg('policy reload: ok (rules=4)', from);
  });

  it('reloads when the file changes, including an editor save-by-rename', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir }));
    daemon = await startDaemon(configPath);

    let from = daemon.proc.lines.length;
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir, rules: NO_DENY_RULES }));
    await daemon.proc.waitForMsg('policy reload: ok (rules=1)', from);

    // Save-by-rename: write a temp file next to it, rename over the config.
    from = daemon.proc.lines.length;
    writeFileSync(join(dir, '.mcpgw.yaml.swp'), daemonConfig({ upstreamUrl: upstream.url, dir }));
    renameSync(join(dir, '.mcpgw.yaml.swp'), configPath);
    await daemon.proc.waitForMsg('policy reload: ok (rules=4)', from);
    const client = await connect(daemon.url);
    await expect(client.callTool({ name: 'exec', arguments: { command: 'ls' } })).rejects.toMatchObject({ code: -32003 });
    await client.close();
    // Touching the file without changing it reloads nothing.
    from = daemon.proc.lines.length;
    writeFileSync(configPath, readFileSync(configPath));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(daemon.proc.lines.slice(from).filter((line) => String(line['msg']).startsWith('policy reload'))).toEqual([]);
  });

  it('names the fields that wait for a restart, and still applies the policy', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir }));
    daemon = await startDaemon(configPath, ['--no-watch']);
    const changed = daemonConfig({ upstreamUrl: upstream.url.replace('/mcp', '/other'), dir, rules: NO_DENY_RULES, listen: '127.0.0.1:1' });
    writeFileSync(configPath, changed);
    const from = daemon.proc.lines.length;
    daemon.proc.signal('SIGHUP');
    const ok = await daemon.proc.waitForMsg('policy reload: ok (rules=1)', from);
    expect(ok['restart_required']).toEqual(['listen', 'upstreams']);
    const warn = await daemon.proc.waitForMsg(/^policy reload: restart required/, from);
    expect(warn['msg']).toBe('policy reload: restart required to apply: listen, upstreams');
    expect(auditLines(dir).at(-1)).toEqual({ time: expect.any(String), event: 'policy_reload', rules: 1, generation: 2, restart_required: ['listen', 'upstreams'] });
    // The running listener and upstream are untouched: calls still work on the old address.
    const client = await connect(daemon.url);
    const result = await client.callTool({ name: 'exec', arguments: { command: 'ls' } });
    expect(result.isError).toBeFalsy();
    await client.close();
  });

  it('pins an in-flight call to its generation across a SIGHUP', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    const tag = (replacement: string) => `    - name: tag
      action: redact
      direction: response
      patterns: ["done"]
      replacement: "${replacement}"`;
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir, rules: tag('gen1') }));
    daemon = await startDaemon(configPath, ['--no-watch']);
    const client = await connect(daemon.url);
    const slow = client.callTool({ name: 'slow', arguments: {} });
    await new Promise((resolve) => setTimeout(resolve, 150));
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir, rules: tag('gen2') }));
    const from = daemon.proc.lines.length;
    daemon.proc.signal('SIGHUP');
    await daemon.proc.waitForMsg('policy reload: ok (rules=1)', from);
    const fresh = await client.callTool({ name: 'echo', arguments: { text: 'done' } });
    expect(fresh.content).toEqual([{ type: 'text', text: 'gen2' }]);
    const slowResult = JSON.stringify((await slow).content);
    expect(slowResult).toContain('gen1');
    expect(slowResult).not.toContain('gen2');
    await client.close();
    const decisions = auditLines(dir).filter((line) => line['event'] === 'decision' && line['method'] === 'tools/call');
    expect(decisions.map((line) => [line['tool'], line['generation']])).toEqual([
      ['echo', 2],
      ['slow', 1],
    ]);
  });
});
