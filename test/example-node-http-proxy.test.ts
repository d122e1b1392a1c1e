// End to end: the demo upstream (examples/demo-upstream/server.mjs) and the
// example node:http proxy (examples/node-http-proxy/proxy.mjs) as real child
// processes, the official MCP SDK client talking to the proxy, the demo
// policy (examples/mcpgw.yaml) enforced in between. Once with an upstream
// that answers POSTs with SSE streams, once with one that answers with JSON.

import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema, type LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPollingUpstream, type PollingUpstream } from './attacks/polling-upstream.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const UPSTREAM_SCRIPT = path.join(ROOT, 'examples/demo-upstream/server.mjs');
const PROXY_SCRIPT = path.join(ROOT, 'examples/node-http-proxy/proxy.mjs');
const DEMO_CONFIG = path.join(ROOT, 'examples/mcpgw.yaml');

const AWS_KEY = /AKIA[0-9A-Z]{16}/;
const GITHUB_TOKEN = /ghp_[A-Za-z0-9]{36}/;
/** A secret of our own, sent by the client (the upstream's are different). */
const CLIENT_SECRET = 'AKIAZZZZ1111YYYY2222';

type LogLine = Record<string, unknown>;

/** A child process that prints one JSON object per line on stdout. */
class JsonLinesProcess {
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly #waiters = new Set<() => void>();
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as LogLine);
      } catch {
        this.lines.push({ text: line });
      }
      for (const wake of this.#waiters) wake();
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      for (const wake of this.#waiters) wake();
    });
  }

  /** The first line at index `from` or later that satisfies `predicate`. */
  waitFor(predicate: (line: LogLine) => boolean, from = 0, timeoutMs = 5_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.slice(from).find(predicate);
        if (found !== undefined) return done(() => resolve(found));
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          return done(() => reject(new Error(`process exited (${this.child.exitCode ?? this.child.signalCode}): ${this.stderr}`)));
        }
      };
      const timer = setTimeout(() => done(() => reject(new Error(`timed out; stdout so far: ${JSON.stringify(this.lines)}; stderr: ${this.stderr}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      this.#waiters.add(check);
      check();
    });
  }
}

const started: JsonLinesProcess[] = [];

/** Starts a script and resolves with the process and the URL it printed in its `listening` line. */
async function start(script: string, args: string[]): Promise<{ process: JsonLinesProcess; url: string }> {
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new JsonLinesProcess(child);
  started.push(proc);
  const listening = await proc.waitFor((line) => line['event'] === 'listening');
  return { process: proc, url: listening['url'] as string };
}

async function stopAll(): Promise<void> {
  await Promise.all(
    started.map(async (proc) => {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
      proc.child.kill('SIGTERM');
      const killer = setTimeout(() => proc.child.kill('SIGKILL'), 3_000);
      await proc.exited;
      clearTimeout(killer);
    }),
  );
}

async function connect(url: string) {
  const client = new Client({ name: 'mcpgw-example-test', version: '0.0.0' });
  const logs: LoggingMessageNotification['params'][] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    logs.push(notification.params);
  });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return { client, transport, logs };
}

/** Every JSON-RPC message of a raw MCP POST answer, JSON or SSE. */
async function messagesOf(response: Response): Promise<Array<Record<string, any>>> {
  const text = await response.text();
  if (response.headers.get('content-type')?.startsWith('application/json')) return [JSON.parse(text)].flat();
  return text
    .split(/\n\n/)
    .map((event) => event.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n'))
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(stopAll);

describe.each([
  { mode: 'SSE', flags: [] as string[] },
  { mode: 'JSON', flags: ['--json'] },
])('the example node:http proxy in front of an upstream answering with $mode', ({ mode, flags }) => {
  let dir: string;
  let configPath: string;
  let upstream: JsonLinesProcess;
  let upstreamUrl: string;
  let proxy: JsonLinesProcess;
  let proxyUrl: string;
  let session: Awaited<ReturnType<typeof connect>>;

  /** A raw POST through the proxy in the test client's session, to see HTTP status and headers. */
  const post = (body: string) =>
    fetch(proxyUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': session.transport.sessionId!,
        'mcp-protocol-version': session.transport.protocolVersion ?? '2025-06-18',
      },
      body,
    });
  const toolCalls = (tool: string) => upstream.lines.filter((line) => line['event'] === 'tool_call' && line['tool'] === tool);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mcpgw-example-'));
    configPath = path.join(dir, 'mcpgw.yaml');
    await copyFile(DEMO_CONFIG, configPath);
    ({ process: upstream, url: upstreamUrl } = await start(UPSTREAM_SCRIPT, ['--port', '0', ...flags]));
    ({ process: proxy, url: proxyUrl } = await start(PROXY_SCRIPT, ['--config', configPath, '--port', '0', '--upstream-url', upstreamUrl]));
    session = await connect(proxyUrl);
  });

  afterAll(async () => {
    await session?.client.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the demo upstream on its own lists exec and hands out its secrets (control)', async () => {
    const direct = await connect(upstreamUrl);
    try {
      const { tools } = await direct.client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('exec');
      const result = await direct.client.callTool({ name: 'get_config', arguments: {} });
      expect(JSON.stringify(result)).toMatch(AWS_KEY);
      expect(JSON.stringify(result)).toMatch(GITHUB_TOKEN);
    } finally {
      await direct.transport.terminateSession();
      await direct.client.close();
    }
  });

  it('initializes through the proxy and round-trips the session id', async () => {
    expect(session.client.getServerVersion()?.name).toBe('mcpgw-demo-upstream');
    const id = session.transport.sessionId;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await upstream.waitFor((line) => line['event'] === 'session_initialized' && line['session'] === id);
    // A later request carries the id back through the proxy to the same upstream session.
    await session.client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    expect(toolCalls('echo').at(-1)).toMatchObject({ session: id, arguments: { text: 'hello' } });
  });

  it('hides the denied exec tool from tools/list', async () => {
    const { tools } = await session.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['echo', 'get_config', 'search', 'slow']);
  });

  it('refuses exec with -32003 and never forwards it', async () => {
    const refusal = session.client.callTool({ name: 'exec', arguments: { command: 'rm -rf /' } });
    await expect(refusal).rejects.toMatchObject({
      code: -32003,
      message: expect.stringContaining('denied by policy: shell tools are disabled'),
      data: { rule: 'deny-shell', generation: 1 },
    });
    expect(toolCalls('exec')).toHaveLength(0);
  });

  it('redacts the secrets get_config returns, in text and structuredContent', async () => {
    const result = await session.client.callTool({ name: 'get_config', arguments: {} });
    expect(result.structuredContent).toEqual({ region: 'eu-west-1', aws_access_key_id: '[REDACTED]', github_token: '[REDACTED]' });
    const [content] = result.content as Array<{ type: string; text: string }>;
    expect(JSON.parse(content!.text)).toEqual(result.structuredContent);
    expect(JSON.stringify(result)).not.toMatch(AWS_KEY);
    expect(JSON.stringify(result)).not.toMatch(GITHUB_TOKEN);
  });

  it('redacts server-initiated messages on the GET stream', async () => {
    // get_config also logs on the session's GET stream, which the SDK client
    // opens in the background after initialize: retry until it is there.
    for (let attempt = 0; attempt < 20 && session.logs.length === 0; attempt++) {
      await session.client.callTool({ name: 'get_config', arguments: {} });
      await sleep(50);
    }
    expect(session.logs[0]).toMatchObject({ logger: 'demo', data: 'config read (key [REDACTED])' });
    expect(JSON.stringify(session.logs)).not.toMatch(AWS_KEY);
  });

  it('redacts a secret in tool arguments before it reaches the upstream', async () => {
    const result = await session.client.callTool({ name: 'echo', arguments: { text: `my key is ${CLIENT_SECRET}` } });
    expect(result.content).toEqual([{ type: 'text', text: 'my key is [REDACTED]' }]);
    expect(toolCalls('echo').at(-1)).toMatchObject({ arguments: { text: 'my key is [REDACTED]' } });
    expect(JSON.stringify(upstream.lines)).not.toContain(CLIENT_SECRET);
  });

  it('forwards a batch whole, or refuses it whole when one of its messages is refused', async () => {
    const echoes = toolCalls('echo').length;
    const refused = await post(
      JSON.stringify([
        { jsonrpc: '2.0', id: 'b1', method: 'tools/call', params: { name: 'exec', arguments: { command: 'id' } } },
        { jsonrpc: '2.0', id: 'b2', method: 'tools/call', params: { name: 'echo', arguments: { text: CLIENT_SECRET } } },
      ]),
    );
    expect(refused.status).toBe(200);
    expect(await refused.json()).toMatchObject([
      { id: 'b1', error: { code: -32003, message: 'denied by policy: shell tools are disabled' } },
      { id: 'b2', error: { code: -32003, message: 'not forwarded: another message in this batch was refused' } },
    ]);
    expect(toolCalls('echo')).toHaveLength(echoes);

    const allowed = await post(
      JSON.stringify([
        { jsonrpc: '2.0', id: 'b3', method: 'tools/call', params: { name: 'echo', arguments: { text: CLIENT_SECRET } } },
        { jsonrpc: '2.0', id: 'b4', method: 'tools/call', params: { name: 'echo', arguments: { text: 'plain' } } },
      ]),
    );
    expect(allowed.status).toBe(200);
    const messages = await messagesOf(allowed);
    expect(messages.find((message) => message['id'] === 'b3')).toMatchObject({ result: { content: [{ text: '[REDACTED]' }] } });
    expect(messages.find((message) => message['id'] === 'b4')).toMatchObject({ result: { content: [{ text: 'plain' }] } });
    expect(toolCalls('echo')).toHaveLength(echoes + 2);
  });

  it('rate-limits search after 5 calls with -32029 and a Retry-After header', async () => {
    for (let i = 0; i < 5; i++) await session.client.callTool({ name: 'search', arguments: { query: `q${i}` } });
    const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 'r6', method: 'tools/call', params: { name: 'search', arguments: { query: 'q5' } } }));
    expect(response.status).toBe(200);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    const body = (await response.json()) as { error: { data: { retry_after_ms: number } } };
    expect(body).toMatchObject({ id: 'r6', error: { code: -32029, message: 'rate limited by policy: limit-search', data: { rule: 'limit-search' } } });
    expect(body.error.data.retry_after_ms).toBeGreaterThan(0);

    await expect(session.client.callTool({ name: 'search', arguments: { query: 'q6' } })).rejects.toMatchObject({ code: -32029 });
    expect(toolCalls('search')).toHaveLength(5);
  });

  it('answers malformed JSON with -32700 and HTTP 400', async () => {
    const response = await post('{"jsonrpc": "2.0", "id": 1,');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ id: null, error: { code: -32700 } });
  });

  it(mode === 'SSE' ? 'delivers the progress notifications of slow' : 'answers slow (a JSON upstream sends no progress)', async () => {
    const progress: number[] = [];
    let firstProgressAt = 0;
    const result = await session.client.callTool({ name: 'slow', arguments: { steps: 4 } }, undefined, {
      onprogress: (update) => {
        firstProgressAt ||= Date.now();
        progress.push(update.progress);
      },
    });
    const answeredAt = Date.now();
    expect(result.content).toEqual([{ type: 'text', text: 'done after 4 steps' }]);
    if (mode === 'SSE') {
      expect(progress).toEqual([1, 2, 3, 4]);
      // Streamed event by event, not buffered: the first step (at ~250 ms) arrives long before the answer (~1 s).
      expect(answeredAt - firstProgressAt).toBeGreaterThan(400);
    }
  });

  it('applies an edited config on SIGHUP to new requests', async () => {
    await expect(session.client.callTool({ name: 'exec', arguments: { command: 'ls' } })).rejects.toMatchObject({ code: -32003 });
    const original = await readFile(configPath, 'utf8');
    const withoutDeny = original.replace(/\n {4}- name: deny-shell\n[\s\S]*?(?=\n {4}- name:)/, '');
    expect(withoutDeny).not.toContain('deny-shell');
    await writeFile(configPath, withoutDeny);
    const from = proxy.lines.length;
    proxy.child.kill('SIGHUP');
    expect(await proxy.waitFor((line) => String(line['event']).startsWith('policy_reload'), from)).toMatchObject({
      event: 'policy_reload',
      generation: 2,
      rules: 2,
      // Every lease taken so far was released but the GET stream's, which stays on generation 1 until it ends.
      generations: [
        { generation: 1, inFlight: 1, current: false },
        { generation: 2, inFlight: 0, current: true },
      ],
    });

    const { tools } = await session.client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('exec');
    const result = await session.client.callTool({ name: 'exec', arguments: { command: 'ls' } });
    expect(result.content).toEqual([{ type: 'text', text: 'would run: ls' }]);
    // The rate-limit rule kept its name, limit and window: its counters survived the reload.
    await expect(session.client.callTool({ name: 'search', arguments: { query: 'again' } })).rejects.toMatchObject({
      code: -32029,
      data: { rule: 'limit-search', generation: 2 },
    });
  });

  it('keeps the running policy when the edited config is invalid', async () => {
    const current = await readFile(configPath, 'utf8');
    await writeFile(configPath, current.replace('"AKIA[0-9A-Z]{16}"', '"AKIA[0-9A-Z{16}"'));
    const from = proxy.lines.length;
    proxy.child.kill('SIGHUP');
    const line = await proxy.waitFor((entry) => String(entry['event']).startsWith('policy_reload'), from);
    expect(line).toMatchObject({ event: 'policy_reload_failed' });
    expect(line['error']).toContain('invalid regex on rule "redact-secrets"');

    // Generation 2 still runs: secrets are redacted, exec is allowed.
    const result = await session.client.callTool({ name: 'get_config', arguments: {} });
    expect(JSON.stringify(result)).not.toMatch(AWS_KEY);
    await expect(session.client.callTool({ name: 'exec', arguments: { command: 'ls' } })).resolves.toBeTruthy();
  });

  it('passes DELETE through to end the upstream session', async () => {
    const id = session.transport.sessionId;
    await session.transport.terminateSession();
    await upstream.waitFor((line) => line['event'] === 'session_closed' && line['session'] === id);
  });
});

describe('the example node:http proxy in front of a server that ends POST streams early (the client resumes them)', () => {
  let dir: string;
  let upstream: PollingUpstream;
  let proxyUrl: string;

  beforeAll(async () => {
    upstream = await startPollingUpstream();
    dir = await mkdtemp(path.join(tmpdir(), 'mcpgw-example-polling-'));
    const configPath = path.join(dir, 'mcpgw.yaml');
    // Rules scoped to tools/call: only placing the answer (or failing closed) applies them on a resumed stream.
    await writeFile(
      configPath,
      `upstreams:
  - name: polling
    url: ${upstream.url}
policy:
  rules:
    - name: deny-exec
      action: deny
      match: { method: tools/call, tool: "^exec$" }
    - name: redact-call-results
      action: redact
      match: { method: tools/call }
      patterns: ["AKIA[0-9A-Z]{16}"]
`,
    );
    ({ url: proxyUrl } = await start(PROXY_SCRIPT, ['--config', configPath, '--port', '0', '--upstream-url', upstream.url]));
  });
  afterAll(async () => {
    await upstream?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('an answer that arrives on the resumed GET stream is redacted, and a tools list there filtered', async () => {
    const { client } = await connect(proxyUrl);
    try {
      const result = await client.callTool({ name: 'read_env', arguments: {} });
      expect(JSON.stringify(result)).not.toMatch(AWS_KEY);
      expect(result.content).toEqual([{ type: 'text', text: 'read_env: aws_access_key_id=[REDACTED]' }]);
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['read_env']);
      expect(upstream.gets.some((lastEventId) => lastEventId !== undefined)).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe('the example node:http proxy in front of an upstream that is down', () => {
  it('answers the request 502 -32010 naming the upstream; only its log has the socket error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mcpgw-example-'));
    try {
      const configPath = path.join(dir, 'mcpgw.yaml');
      await copyFile(DEMO_CONFIG, configPath);
      // A port that was free a moment ago: nothing listens there.
      const probe = createNetServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const port = (probe.address() as AddressInfo).port;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const { process: proxy, url } = await start(PROXY_SCRIPT, ['--config', configPath, '--port', '0', '--upstream-url', `http://127.0.0.1:${port}/mcp`]);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      expect(response.status).toBe(502);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32010, message: 'upstream "demo" is unreachable', data: { upstream: 'demo' } } });
      expect(text).not.toContain('ECONNREFUSED');
      expect(await proxy.waitFor((line) => line['event'] === 'upstream_error')).toMatchObject({ upstream: 'demo', detail: `connect ECONNREFUSED 127.0.0.1:${port}` });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
