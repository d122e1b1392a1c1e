// stdio upstreams (SPEC §10), with real processes: `mcpgw serve` running
// stdio MCP servers one process per session — the official "everything"
// server, and stdio-upstream-server.mjs (the SDK's McpServer on its
// StdioServerTransport) where a test needs a PID or a crash — the official
// SDK's Streamable HTTP client in front, raw 2026-07-28 POSTs, and signals.

import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { ROOT, run, startDaemon, tempDir, type Proc } from './harness.js';

const SERVER = join(ROOT, 'test/daemon/stdio-upstream-server.mjs');
const EVERYTHING = join(ROOT, 'node_modules/.bin/mcp-server-everything');
const AWS_KEY = 'AKIAABCDEFGHIJKLMNOP';
const ENV_KEY = 'AKIAENVIRONMENT00KEY';

type Json = Record<string, any>;

function config(dir: string, extraArg = ''): string {
  const upstream = (name: string, fields: string) => `  - name: ${name}
    command: node
    args: [${JSON.stringify(SERVER)}${extraArg}]
    env: { FIXTURE_PID_DIR: ${JSON.stringify(join(dir, 'pids'))}, FIXTURE_TAG: ${name} }
${fields}`;
  return `listen: "127.0.0.1:0"
upstreams:
  - name: everything
    command: ${EVERYTHING}
    args: [stdio${extraArg}]
    env: { SERVER_KEY: ${ENV_KEY} }
${upstream('main', '')}
${upstream('idle', '    idle_timeout: 1s\n')}
${upstream('single', '    max_sessions: 1\n')}
routes:
  - { path: /mcp/everything, upstream: everything }
  - { path: /mcp/idle, upstream: idle }
  - { path: /mcp/single, upstream: single }
default_upstream: main
policy:
  rules:
    - name: deny-files
      action: deny
      match: { method: tools/call, tool: "^gzip-file-as-resource$" }
    - name: redact-keys
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}"]
audit:
  path: ${join(dir, 'audit.jsonl')}
`;
}

let dir: string;
let configPath: string;
let daemon: { proc: Proc; url: string; port: number };
const clients: Client[] = [];

beforeAll(async () => {
  dir = tempDir('mcpgw-stdio-upstreams-');
  mkdirSync(join(dir, 'pids'));
  configPath = join(dir, 'mcpgw.yaml');
  writeFileSync(configPath, config(dir));
  daemon = await startDaemon(configPath, ['--no-watch'], { MCPGW_TEST_INHERITED: 'from the daemon' });
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  await daemon?.proc.stop();
  // Whatever a failed test left: no fixture server outlives the suite.
  for (const pid of serverPids()) alive(pid) && process.kill(pid, 'SIGKILL');
});

const gateway = (path = '/mcp') => `http://127.0.0.1:${daemon.port}${path}`;

async function connect(path = '/mcp'): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'stdio-upstreams-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(gateway(path)));
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

async function pidOf(client: Client): Promise<number> {
  const result = (await client.callTool({ name: 'pid' })) as Json;
  return Number(result['content'][0].text);
}

/** Every server process the daemon started, by its PID file; with `tag`, those of one upstream. */
function serverPids(tag?: string): number[] {
  const pids = join(dir, 'pids');
  if (!existsSync(pids)) return [];
  return readdirSync(pids)
    .filter((name) => tag === undefined || readFileSync(join(pids, name), 'utf8') === tag)
    .map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The PIDs of the processes whose parent is `pid` (Linux's /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        // The parent is the field after the state, after the command's closing parenthesis.
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Resolves once `test` holds, polling; rejects after `ms`. */
async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A raw POST to the gateway; the answer's JSON-RPC messages (the JSON body, or each SSE event's data). */
async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; type: string; messages: Json[] }> {
  const response = await fetch(gateway(path), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const messages = type.startsWith('text/event-stream')
    ? text
        .split('\n\n')
        .map((block) => block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join(''))
        .filter((data) => data !== '')
        .map((data) => JSON.parse(data) as Json)
    : text === ''
      ? []
      : [JSON.parse(text) as Json];
  return { status: response.status, type, messages };
}

const initialize = (id: number) => ({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

function auditLines(): Json[] {
  return readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Json);
}

describe('mcpgw serve with stdio upstreams', () => {
  it('applies the policy to a stdio upstream (server-everything) as to an HTTP one: a denied tool hidden and refused, secrets redacted both ways', async () => {
    const { client } = await connect('/mcp/everything');
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toContain('echo');
    expect(tools).not.toContain('gzip-file-as-resource');
    await expect(client.callTool({ name: 'gzip-file-as-resource', arguments: { name: 'x', data: 'y' } })).rejects.toMatchObject({ code: -32003, message: expect.stringContaining('denied by policy: deny-files') });
    const echoed = (await client.callTool({ name: 'echo', arguments: { message: `key ${AWS_KEY}` } })) as Json;
    expect(echoed['content'][0].text).toBe('Echo: key [REDACTED]');
    // Its environment: the upstream's env over the daemon's, the key redacted on its way back.
    const env = JSON.parse(((await client.callTool({ name: 'get-env' })) as Json)['content'][0].text as string) as Record<string, string>;
    expect(env['SERVER_KEY']).toBe('[REDACTED]');
    expect(env['MCPGW_TEST_INHERITED']).toBe('from the daemon');
    // Its stderr goes to the daemon's log, a line an entry, never into an answer.
    expect(await daemon.proc.waitForMsg('Starting default (STDIO) server...')).toMatchObject({ upstream: 'everything', stream: 'stderr', level: 30 });
    const decisions = auditLines().filter((event) => event['event'] === 'decision' && event['upstream'] === 'everything' && event['method'] === 'tools/call');
    expect(decisions.map((event) => [event['tool'], event['action'], event['redactions']])).toEqual([
      ['gzip-file-as-resource', 'deny', { request: 0, response: 0 }],
      // Redacted before it reached the server: it echoed no key back.
      ['echo', 'redact', { request: 1, response: 0 }],
      ['get-env', 'redact', { request: 0, response: 1 }],
    ]);
    expect(JSON.stringify(daemon.proc.lines)).not.toMatch(/AKIA[0-9A-Z]{16}/);
  });

  it('starts a server in the directory of the config file by default', async () => {
    const { client } = await connect();
    const pid = await pidOf(client);
    expect(await daemon.proc.waitForMsg(`fixture server started (pid ${pid}, cwd ${dir})`)).toMatchObject({ upstream: 'main', stream: 'stderr', server_pid: pid });
    const leaked = (await client.callTool({ name: 'leak' })) as Json;
    expect(leaked['content'][0].text).toBe('the key is [REDACTED]');
    // Its stderr is redacted on its way to the log like anything else leaving the gateway.
    expect(await daemon.proc.waitForMsg('leak: the key is [REDACTED]')).toMatchObject({ upstream: 'main', stream: 'stderr', server_pid: pid });
    expect(JSON.stringify(daemon.proc.lines)).not.toMatch(/AKIA[0-9A-Z]{16}/);
  });

  it('gives a progress notification to its request and a log message to the stream of the only request open', async () => {
    const { client } = await connect();
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logs.push(notification.params.data));
    const progress: unknown[] = [];
    const result = (await client.callTool({ name: 'notify' }, undefined, { onprogress: (update) => void progress.push(update) })) as Json;
    expect(result['content'][0].text).toBe('notified');
    expect(progress).toEqual([{ progress: 1, total: 2 }]);
    expect(logs).toEqual(['notify: working']);
  });

  it('runs one server process per session: two concurrent sessions get two; DELETE ends its own within the grace period, and its id then gets 404', async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    const [pidA, pidB] = await Promise.all([pidOf(a.client), pidOf(b.client)]);
    expect(pidA).not.toBe(pidB);
    expect(serverPids('main')).toEqual(expect.arrayContaining([pidA, pidB]));
    expect(alive(pidA) && alive(pidB)).toBe(true);
    const sessionA = a.transport.sessionId as string;
    await a.transport.terminateSession();
    // The supervisor's grace is 1 s before SIGTERM; this server exits as soon as its stdin closes.
    await until(() => !alive(pidA), 2_000, `server ${pidA} ended after DELETE`);
    expect(alive(pidB)).toBe(true);
    expect(await pidOf(b.client)).toBe(pidB);
    const after = await post('/mcp', { jsonrpc: '2.0', id: 9, method: 'tools/list' }, { 'mcp-session-id': sessionA, 'mcp-protocol-version': '2025-06-18' });
    expect(after).toMatchObject({ status: 404, messages: [{ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }] });
  });

  it('ends the process of a session idle for idle_timeout; its id then gets 404', async () => {
    const { client, transport } = await connect('/mcp/idle');
    const pid = await pidOf(client);
    const sessionId = transport.sessionId as string;
    // idle_timeout: 1s, counted from the last request's answer; the SDK client's GET stream does not keep it alive.
    await until(() => !alive(pid), 4_000, `idle server ${pid} ended`);
    await daemon.proc.waitForMsg('stdio upstream "idle": ending an idle session');
    const after = await post('/mcp/idle', { jsonrpc: '2.0', id: 3, method: 'tools/list' }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' });
    expect(after).toMatchObject({ status: 404, messages: [{ error: { code: -32001, message: 'Session not found' } }] });
  });

  it('refuses an initialize beyond max_sessions with 503 and -32012 naming the upstream and its limit, audited; a DELETE makes room', async () => {
    const first = await connect('/mcp/single');
    const second = new Client({ name: 'stdio-upstreams-test', version: '1.0.0' });
    await expect(second.connect(new StreamableHTTPClientTransport(new URL(gateway('/mcp/single'))))).rejects.toThrow(/"code":-32012,"message":"upstream \\"single\\" is at its limit of 1 sessions \(max_sessions\); try again when one ends"/);
    const refused = await post('/mcp/single', initialize(7), { 'mcp-protocol-version': '2025-06-18' });
    expect(refused).toEqual({
      status: 503,
      type: 'application/json',
      messages: [
        {
          jsonrpc: '2.0',
          id: 7,
          error: { code: -32012, message: 'upstream "single" is at its limit of 1 sessions (max_sessions); try again when one ends', data: { upstream: 'single', max_sessions: 1 } },
        },
      ],
    });
    await until(() => auditLines().some((event) => event['event'] === 'decision' && event['upstream'] === 'single' && event['id'] === 7), 2_000, 'the refusal audited');
    expect(auditLines().find((event) => event['event'] === 'decision' && event['upstream'] === 'single' && event['id'] === 7)).toMatchObject({ method: 'initialize', action: 'allow', status: 503, error_code: -32012 });
    await first.transport.terminateSession();
    const third = await connect('/mcp/single');
    expect(await pidOf(third.client)).toBeGreaterThan(0);
    await third.transport.terminateSession();
  });

  it('ends the session of a server that exits on its own: its request gets an error, its id 404, and the log says so', async () => {
    const { client, transport } = await connect();
    const pid = await pidOf(client);
    await expect(client.callTool({ name: 'crash' })).rejects.toMatchObject({ code: -32010, message: expect.stringContaining('upstream "main" ended before answering: its server process exited') });
    await daemon.proc.waitForMsg('stdio upstream "main": server process exited with code 3; its session ends');
    expect(alive(pid)).toBe(false);
    const after = await post('/mcp', { jsonrpc: '2.0', id: 4, method: 'tools/list' }, { 'mcp-session-id': transport.sessionId as string, 'mcp-protocol-version': '2025-06-18' });
    expect(after.status).toBe(404);
  });

  it('serves 2026-07-28 requests from one shared process, each answered on its own stream, their ids kept apart', async () => {
    const call = (id: number, name: string) => {
      const body = { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } } };
      return post('/mcp', body, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name });
    };
    // Two clients, the same id, at once.
    const [one, two] = await Promise.all([call(1, 'pid'), call(1, 'leak')]);
    expect(one).toMatchObject({ status: 200, type: 'text/event-stream', messages: [{ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text' }] } }] });
    expect(two).toMatchObject({ status: 200, messages: [{ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'the key is [REDACTED]' }] } }] });
    const pid = Number(one.messages[0]!['result'].content[0].text);
    const again = await call(2, 'pid');
    expect(Number(again.messages[0]!['result'].content[0].text)).toBe(pid);
    // No session: no Mcp-Session-Id given, and GET is not part of this era.
    const get = await fetch(gateway('/mcp'), { headers: { accept: 'text/event-stream', 'mcp-protocol-version': '2026-07-28' }, signal: AbortSignal.timeout(5_000) });
    expect(get.status).toBe(405);
    expect(get.headers.get('mcp-session-id')).toBeNull();
  });

  it('listens on no address but its own: a stdio upstream is reached only through the gateway', async () => {
    // Linux's view of the daemon's sockets: every listening TCP or Unix socket it holds.
    const pid = daemon.proc.child.pid as number;
    const inodes = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined;
          }
        })
        .filter((inode): inode is string => inode !== undefined),
    );
    const listening: string[] = [];
    for (const file of ['tcp', 'tcp6']) {
      for (const line of readFileSync(`/proc/net/${file}`, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        // st 0A: LISTEN.
        if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) listening.push(`${file} port ${parseInt((fields[1] ?? '').split(':')[1] ?? '', 16)}`);
      }
    }
    for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // Flags 00010000: __SO_ACCEPTCON, a listening socket.
      if (fields[3] === '00010000' && inodes.has(fields[6] ?? '')) listening.push(`unix ${fields[7] ?? '(unnamed)'}`);
    }
    expect(listening).toEqual([`tcp port ${daemon.port}`]);
    // And it serves the stdio upstreams all the same.
    const { client } = await connect();
    expect(await pidOf(client)).toBeGreaterThan(0);
  });

  it('reports a change of a stdio upstream on reload as waiting for a restart', async () => {
    const from = daemon.proc.lines.length;
    writeFileSync(configPath, config(dir, ', "--changed"'));
    daemon.proc.signal('SIGHUP');
    const ok = await daemon.proc.waitForMsg('policy reload: ok (rules=2)', from);
    expect(ok['restart_required']).toEqual(['upstreams']);
    // The running servers keep their arguments: a new session starts as before.
    const { client } = await connect();
    expect(await pidOf(client)).toBeGreaterThan(0);
  });

  it('drains on SIGTERM and leaves no server process behind', async () => {
    const { client } = await connect();
    await pidOf(client);
    const everything = await connect('/mcp/everything');
    await everything.client.callTool({ name: 'echo', arguments: { message: 'hello' } });
    // Every process the daemon runs: the fixture's by their PID files, server-everything's as its children.
    const children = childrenOf(daemon.proc.child.pid as number);
    const running = [...new Set([...serverPids().filter(alive), ...children])];
    expect(serverPids().filter(alive).every((pid) => children.includes(pid))).toBe(true);
    expect(running.length).toBeGreaterThanOrEqual(2);
    daemon.proc.signal('SIGTERM');
    expect(await daemon.proc.exited).toEqual({ code: 0, signal: null });
    expect(running.filter(alive)).toEqual([]);
  });
});

describe('mcpgw validate on stdio upstreams', () => {
  it('says which of url and command is wrong, with the line', async () => {
    const file = join(tempDir(), 'mcpgw.yaml');
    writeFileSync(file, 'upstreams:\n  - name: both\n    url: http://127.0.0.1:3001/mcp\n    command: node\n  - name: neither\n  - name: web\n    url: http://127.0.0.1:3001/mcp\n    args: ["-v"]\n');
    const result = await run(['validate', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `invalid config ${file}:\n` +
        '  upstreams[0] (line 4): an upstream has either "url" (an HTTP upstream) or "command" (a stdio upstream), not both\n' +
        '  upstreams[1] (line 5): missing required key "url" (an HTTP upstream) or "command" (a stdio upstream)\n' +
        '  upstreams[2] (line 8): "args" applies only to a stdio upstream (one with "command"), not to one with "url"\n',
    );
  });
});
