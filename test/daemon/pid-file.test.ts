import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { daemonConfig, Proc, run, startDaemon, startDemoUpstream, tempDir } from './harness.js';

const exec = promisify(execFile);

/** The PID in the file; read as soon as the daemon says it listens (the file is in place before that line). */
function pidIn(path: string): number {
  return Number(readFileSync(path, 'utf8').trim());
}

/** A PID that no process has: a process that ran and exited, as after a SIGKILL. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

describe('mcpgw serve --pid-file', () => {
  let upstream: { proc: Proc; url: string };
  const daemons: Array<{ proc: Proc }> = [];
  beforeAll(async () => {
    upstream = await startDemoUpstream();
  });
  afterAll(async () => {
    await upstream?.proc.stop();
  });
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((daemon) => daemon.proc.stop()));
  });

  function config(dir: string): string {
    const path = join(dir, 'mcpgw.yaml');
    writeFileSync(path, daemonConfig({ upstreamUrl: upstream.url, dir }));
    return path;
  }

  async function serve(configPath: string, pidFile: string): Promise<{ proc: Proc; url: string }> {
    const daemon = await startDaemon(configPath, ['--no-watch', '--pid-file', pidFile]);
    daemons.push(daemon);
    return daemon;
  }

  it('holds the PID while the daemon runs: kill -HUP "$(cat F)" reloads it, and SIGTERM removes the file', async () => {
    const dir = tempDir();
    const pidFile = join(dir, 'mcpgw.pid');
    const daemon = await serve(config(dir), pidFile);
    expect(pidIn(pidFile)).toBe(daemon.proc.child.pid);
    expect(readFileSync(pidFile, 'utf8')).toBe(`${daemon.proc.child.pid}\n`);

    const from = daemon.proc.lines.length;
    await exec('sh', ['-c', 'kill -HUP "$(cat "$1")"', 'sh', pidFile]);
    await daemon.proc.waitForMsg('policy reload: ok (rules=4)', from);

    daemon.proc.signal('SIGTERM');
    expect(await daemon.proc.exited).toEqual({ code: 0, signal: null });
    expect(readdirSync(dir).filter((name) => name.includes('pid'))).toEqual([]);
  });

  it('two gateways on one host (a rolling restart): each file reaches its own daemon', async () => {
    const dir = tempDir();
    const configPath = config(dir);
    const [old, next] = [await serve(configPath, join(dir, 'old.pid')), await serve(configPath, join(dir, 'new.pid'))];
    const [oldFrom, nextFrom] = [old.proc.lines.length, next.proc.lines.length];
    await exec('sh', ['-c', 'kill -HUP "$(cat "$1")"', 'sh', join(dir, 'new.pid')]);
    await next.proc.waitForMsg('policy reload: ok (rules=4)', nextFrom);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(old.proc.lines.slice(oldFrom).map((line) => line['msg'])).not.toContain('policy reload: ok (rules=4)');
    // pidof names both: "$(pidof mcpgw)" is then two PIDs (and any other mcpgw on the host).
    const { stdout } = await exec('pidof', ['mcpgw']);
    expect(stdout.trim().split(/\s+/)).toEqual(expect.arrayContaining([String(old.proc.child.pid), String(next.proc.child.pid)]));
  });

  it('refuses to start on the PID file of a running mcpgw, and leaves that file and that daemon alone', async () => {
    const dir = tempDir();
    const configPath = config(dir);
    const pidFile = join(dir, 'mcpgw.pid');
    const first = await serve(configPath, pidFile);
    const pid = pidIn(pidFile);
    const second = await run(['serve', '--config', configPath, '--pid-file', pidFile]);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`PID file ${pidFile}: mcpgw is already running as PID ${pid}; stop it first, or give this instance its own --pid-file\n`);
    expect(second.stdout).not.toMatch(/mcpgw listening on/);
    expect(readFileSync(pidFile, 'utf8')).toBe(`${pid}\n`);
    const res = await fetch(first.url.replace('/mcp', '/healthz'));
    expect(res.status).toBe(200);
  });

  it('replaces a file left by a killed daemon (its PID gone) and says so', async () => {
    const dir = tempDir();
    const pidFile = join(dir, 'mcpgw.pid');
    const stale = await deadPid();
    writeFileSync(pidFile, `${stale}\n`);
    const daemon = await serve(config(dir), pidFile);
    await daemon.proc.waitForMsg(`PID file ${pidFile} is left from an earlier run (PID ${stale}): replacing it`);
    expect(pidIn(pidFile)).toBe(daemon.proc.child.pid);
  });

  it('replaces a file whose PID now belongs to another program, not an mcpgw', async () => {
    const dir = tempDir();
    const pidFile = join(dir, 'mcpgw.pid');
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(pidFile, `${other.pid}\n`);
      const daemon = await serve(config(dir), pidFile);
      expect(readFileSync(pidFile, 'utf8')).toBe(`${daemon.proc.child.pid}\n`);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('never overwrites a file that does not hold a PID (a mistyped path)', async () => {
    const dir = tempDir();
    const configPath = config(dir);
    const before = readFileSync(configPath, 'utf8');
    const result = await run(['serve', '--config', configPath, '--pid-file', configPath]);
    expect(result).toMatchObject({ code: 1, stderr: `PID file ${configPath} exists and does not hold a PID; refusing to overwrite it (is --pid-file the right path?)\n` });
    expect(readFileSync(configPath, 'utf8')).toBe(before);
  });

  it('a PID file in a missing directory stops the start before the daemon listens', async () => {
    const dir = tempDir();
    const pidFile = join(dir, 'no-such-dir', 'mcpgw.pid');
    const result = await run(['serve', '--config', config(dir), '--pid-file', pidFile]);
    expect(result).toMatchObject({ code: 1, stderr: `cannot write PID file ${pidFile}: no such directory\n` });
    expect(result.stdout).not.toMatch(/mcpgw listening on/);
  });

  it('a start that fails (the address is taken) leaves no PID file and no temporary file behind', async () => {
    const dir = tempDir();
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const configPath = join(dir, 'mcpgw.yaml');
      writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir, listen: `127.0.0.1:${port}` }));
      const result = await run(['serve', '--config', configPath, '--pid-file', join(dir, 'mcpgw.pid')]);
      expect(result).toMatchObject({ code: 1, stderr: `cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)\n` });
      expect(readdirSync(dir).filter((name) => name.includes('pid'))).toEqual([]);
    } finally {
      taken.close();
    }
  });

  it('a second signal that cuts the drain short (exit 1) removes the file too', async () => {
    const dir = tempDir();
    const pidFile = join(dir, 'mcpgw.pid');
    const daemon = await startDaemon(config(dir), ['--no-watch', '--drain-timeout', '60', '--pid-file', pidFile]);
    daemons.push(daemon);
    expect(pidIn(pidFile)).toBe(daemon.proc.child.pid);
    const client = new Client({ name: 'pid-file-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(daemon.url)));
    void client.callTool({ name: 'slow', arguments: { steps: 20 } }, undefined, { timeout: 15_000 }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    daemon.proc.signal('SIGTERM');
    await daemon.proc.waitForMsg('shutting down: draining in-flight requests');
    daemon.proc.signal('SIGTERM');
    expect((await daemon.proc.exited).code).toBe(1);
    expect(existsSync(pidFile)).toBe(false);
    await client.close().catch(() => undefined);
  });
});
