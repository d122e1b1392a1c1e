import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort, runToEnd, type RunResult } from './daemon/harness.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

describe('npm start', () => {
  it('runs the demo: the mcpgw daemon in front of the demo upstream answers a real MCP client', async () => {
    const [port, upstreamPort] = [await freePort(), await freePort()];
    const demo = spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, PORT: String(port), UPSTREAM_PORT: String(upstreamPort) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const deadline = Date.now() + 60_000;
      while (!output.includes('mcpgw demo is running.')) {
        if (Date.now() > deadline || demo.exitCode !== null) throw new Error(`the demo did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const url = `http://127.0.0.1:${port}/mcp`;
      expect(output).toContain(`gateway (connect here):  ${url}`);
      expect(output).toContain(`npx @modelcontextprotocol/inspector --transport http --server-url ${url}`);

      const client = new Client({ name: 'demo-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const tools = (await client.listTools()).tools.map((tool) => tool.name);
      expect(tools).toEqual(expect.arrayContaining(['echo', 'search', 'get_config', 'slow']));
      expect(tools).not.toContain('exec');
      const config = await client.callTool({ name: 'get_config' });
      expect(JSON.stringify(config)).toContain('[REDACTED]');
      expect(JSON.stringify(config)).not.toMatch(/AKIA|ghp_/);
      await expect(client.callTool({ name: 'exec', arguments: { command: 'id' } })).rejects.toMatchObject({ code: -32003 });
      // docs/library.md "Try it": search six times in ten seconds, the sixth is rate limited ...
      for (let call = 1; call <= 5; call++) await client.callTool({ name: 'search', arguments: { query: `try ${call}` } });
      await expect(client.callTool({ name: 'search', arguments: { query: 'try 6' } })).rejects.toMatchObject({ code: -32029 });
      // ... and slow's progress notifications stream through.
      const progress: number[] = [];
      await client.callTool({ name: 'slow', arguments: { steps: 3 } }, undefined, { onprogress: (update) => void progress.push(update.progress) });
      expect(progress).toEqual([1, 2, 3]);
      await client.close();
    } finally {
      // The whole process group: npm, the demo script, the daemon, the upstream.
      if (demo.pid !== undefined) process.kill(-demo.pid, 'SIGTERM');
      await exitOf(demo);
      rmSync(join(ROOT, '.mcpgw-demo', `${port}-${upstreamPort}`), { recursive: true, force: true });
    }
  }, 90_000);
});

/** Starts `npm start` on free ports in its own process group (as a terminal runs it); resolves once the banner is printed. */
async function startDemo(): Promise<{ demo: ChildProcess; port: number; upstreamPort: number; output: () => string }> {
  const [port, upstreamPort] = [await freePort(), await freePort()];
  const demo = spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, PORT: String(port), UPSTREAM_PORT: String(upstreamPort) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  demo.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  demo.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (!output.includes('Ctrl-C stops both')) {
    if (Date.now() > deadline || demo.exitCode !== null) throw new Error(`the demo did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { demo, port, upstreamPort, output: () => output };
}

/** Every process below `pid` (children, grandchildren, ...), from ps. */
function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((row) => row.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  for (let parents = [pid]; parents.length > 0; ) {
    parents = rows.filter(([, ppid]) => parents.includes(ppid)).map(([child]) => child);
    found.push(...parents);
  }
  return found;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('npm start stops cleanly', () => {
  it('Ctrl-C (SIGINT to the process group) lets an in-flight slow call finish, exits 0 and audits the shutdown', async () => {
    const { demo, port, upstreamPort, output } = await startDemo();
    const pids = descendants(demo.pid ?? 0);
    const folder = join(ROOT, '.mcpgw-demo', `${port}-${upstreamPort}`);
    try {
      const client = new Client({ name: 'demo-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
      let sent = false;
      const call = client.callTool({ name: 'slow', arguments: { steps: 20 } }, undefined, {
        timeout: 15_000,
        onprogress: () => {
          if (sent) return;
          sent = true;
          // What a terminal's Ctrl-C does: SIGINT to every process in the foreground group.
          process.kill(-(demo.pid ?? 0), 'SIGINT');
        },
      });
      expect(await call).toMatchObject({ content: [{ type: 'text', text: 'done after 20 steps' }] });
      expect(sent).toBe(true);
      expect(await exitOf(demo), output()).toBe(0);
      expect(output()).not.toContain('second signal');

      // The banner names the audit log; the daemon wrote its shutdown there after the drain.
      const auditPath = /^ {2}audit log: +(\S+)$/m.exec(output())?.[1];
      expect(auditPath).toBe(join(folder, 'audit.jsonl'));
      const events = readFileSync(auditPath ?? '', 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(events.at(-1)).toMatchObject({ event: 'shutdown', signal: 'SIGTERM', drained: true, abandoned: 0 });
      expect(events.some((event) => event['event'] === 'decision' && event['tool'] === 'slow')).toBe(true);
      await client.close();
      expect(pids.filter(running)).toEqual([]);
    } finally {
      for (const pid of descendants(demo.pid ?? 0).concat(pids)) if (running(pid)) process.kill(pid, 'SIGKILL');
      rmSync(folder, { recursive: true, force: true });
    }
  }, 90_000);

  it('SIGTERM to the npm process alone stops the demo script, the daemon and the upstream: no process left, both ports free', async () => {
    const { demo, port, upstreamPort } = await startDemo();
    const pids = descendants(demo.pid ?? 0);
    try {
      expect(pids.length).toBeGreaterThanOrEqual(3);
      demo.kill('SIGTERM');
      await exitOf(demo);
      const deadline = Date.now() + 10_000;
      while (pids.some(running) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(pids.filter(running)).toEqual([]);
      expect(await listening(port)).toBe(false);
      expect(await listening(upstreamPort)).toBe(false);
    } finally {
      for (const pid of pids) if (running(pid)) process.kill(pid, 'SIGKILL');
      rmSync(join(ROOT, '.mcpgw-demo', `${port}-${upstreamPort}`), { recursive: true, force: true });
    }
  }, 90_000);
});

/** Runs `npm start` to its end; resolves with its exit code and what it wrote. */
function npmStartToEnd(env: Record<string, string>): Promise<RunResult> {
  return runToEnd('npm', ['start'], { env });
}

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Holds a port with a real listener, as another program would. */
async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('npm start when a port is taken', () => {
  it.each([
    ['PORT', 'the gateway'],
    ['UPSTREAM_PORT', 'the demo upstream'],
  ])('%s taken: one line naming the port and how to pick another, no stack trace, nothing left running', async (name, role) => {
    const { server, port } = await occupy();
    const other = await freePort();
    const env = name === 'PORT' ? { PORT: String(port), UPSTREAM_PORT: String(other) } : { PORT: String(other), UPSTREAM_PORT: String(port) };
    try {
      const result = await npmStartToEnd(env);
      expect(result.code).not.toBe(0);
      const lines = result.stderr.split('\n').filter((line) => line.includes(String(port)));
      expect(lines).toHaveLength(1);
      const match = new RegExp(`^mcpgw demo: port ${port} \\(${name}, ${role}\\) is already in use; pick another: (PORT=(\\d+) UPSTREAM_PORT=(\\d+)) npm start$`).exec(lines[0] ?? '');
      expect(match, result.stderr).not.toBeNull();
      expect(result.stderr).not.toMatch(/^\s+at /m);
      // The suggestion keeps the other port and offers one that is free.
      const [suggestedGateway, suggestedUpstream] = [Number(match?.[2]), Number(match?.[3])];
      const suggested = name === 'PORT' ? suggestedGateway : suggestedUpstream;
      expect(name === 'PORT' ? suggestedUpstream : suggestedGateway).toBe(other);
      expect(suggested).not.toBe(port);
      expect(await listening(suggested)).toBe(false);
      // Nothing of the demo was left running on the other port.
      expect(await listening(other)).toBe(false);
    } finally {
      server.close();
    }
  }, 60_000);
});
