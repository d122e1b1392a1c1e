/**
 * Found by the reload storm (reload-storm.test.ts records it as SDK client
 * errors "Failed to open SSE stream: Service Unavailable"): a 2025-era GET
 * notification stream that the gateway admitted but whose upstream has not
 * answered yet when a reload swaps the policy is refused with a 503 JSON-RPC
 * error. The SDK client treats a 503 as a failed attempt (2 at most) and
 * does not retry at all when it is the first GET after `initialize` — that
 * client has no notification stream for the rest of its session. (Since
 * then a reload keeps notification streams open and moves them to the new
 * generation; these tests hold either way.)
 *
 * Made deterministic with an upstream that holds GET responses for 2 s.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { daemonConfig, Proc, startDaemon, tempDir } from '../daemon/harness.js';
import { connect, sleep, writeAtomic } from './soak-helpers.js';

/** How long the upstream holds a GET before answering its headers. */
const GET_HOLD_MS = 2000;
const SESSION = 'slow-get-session';

const RULES = (replacement: string) => `    - name: redact-secrets
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}"]
      replacement: "${replacement}"`;

/** A minimal 2025-era MCP upstream (JSON answers, one session) whose GET streams start late. */
function slowGetUpstream(): { server: Server; gets: number[]; open: ServerResponse[]; onGet: { fn: (() => void) | null } } {
  const gets: number[] = [];
  /** GET streams whose headers went out and that are still open. */
  const open: ServerResponse[] = [];
  const onGet: { fn: (() => void) | null } = { fn: null };
  const server = createServer((req, res) => {
    if (req.method === 'GET') {
      gets.push(Date.now());
      onGet.fn?.();
      const timer = setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.flushHeaders();
        open.push(res);
      }, GET_HOLD_MS);
      res.once('close', () => {
        clearTimeout(timer);
        if (open.includes(res)) open.splice(open.indexOf(res), 1);
      });
      return;
    }
    if (req.method === 'DELETE') {
      res.writeHead(200).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: number; method: string; params?: { protocolVersion?: string } };
      const json = (body: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': SESSION, ...headers }).end(JSON.stringify(body));
      if (message.id === undefined) res.writeHead(202, { 'mcp-session-id': SESSION }).end();
      else if (message.method === 'initialize') {
        json({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: message.params?.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'slow-get', version: '1.0.0' } } });
      } else if (message.method === 'tools/call') json({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'ok' }] } });
      else json({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } });
    });
  });
  return { server, gets, open, onGet };
}

describe('a notification stream that has not started yet when a reload comes', () => {
  let upstream: ReturnType<typeof slowGetUpstream>;
  let upstreamUrl: string;
  let daemon: { proc: Proc; url: string; port: number } | undefined;
  let client: Client | undefined;
  const dirs: string[] = [];
  beforeAll(async () => {
    upstream = slowGetUpstream();
    await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}/mcp`;
  });
  afterEach(async () => {
    await client?.close().catch(() => undefined);
    client = undefined;
    await daemon?.proc.stop();
    daemon = undefined;
    upstream.onGet.fn = null;
    upstream.gets.length = 0;
    upstream.open.length = 0;
  });
  afterAll(async () => {
    upstream.server.closeAllConnections();
    await new Promise((resolve) => upstream.server.close(resolve));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function startGateway(): Promise<{ proc: Proc; url: string; port: number; configPath: string; dir: string }> {
    const dir = tempDir('mcpgw-soak-stream-');
    dirs.push(dir);
    const configPath = join(dir, 'mcpgw.yaml');
    writeAtomic(configPath, daemonConfig({ upstreamUrl, dir, rules: RULES('[A]') }));
    daemon = await startDaemon(configPath, ['--no-watch']);
    return { ...daemon, configPath, dir };
  }

  /** Rewrites the config to another valid policy and SIGHUPs, resolving on the ok line. */
  async function reload(proc: Proc, configPath: string, dir: string, replacement: string): Promise<void> {
    writeAtomic(configPath, daemonConfig({ upstreamUrl, dir, rules: RULES(replacement) }));
    const from = proc.lines.length;
    proc.signal('SIGHUP');
    await proc.waitForMsg('policy reload: ok (rules=1)', from);
  }

  it('is answered as an event stream (ended or kept), not refused with 503', async () => {
    const { proc, url, configPath, dir } = await startGateway();
    const arrived = new Promise<void>((resolve) => (upstream.onGet.fn = resolve));
    const response = fetch(url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': SESSION, 'mcp-protocol-version': '2025-06-18' },
      signal: AbortSignal.timeout(10_000),
    });
    await arrived; // admitted under generation 1, upstream still holding the headers
    await reload(proc, configPath, dir, '[B]');
    const answer = await response;
    const body = answer.headers.get('content-type')?.includes('application/json') === true ? await answer.text() : '';
    await answer.body?.cancel().catch(() => undefined);
    expect(answer.status, `the gateway answered ${answer.status} ${answer.headers.get('content-type') ?? ''} ${body}`).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/event-stream');
  });

  it('an SDK client whose first GET stream is cut by a reload gets a notification stream again', async () => {
    const { proc, url, configPath, dir } = await startGateway();
    const firstGet = new Promise<void>((resolve) => (upstream.onGet.fn = resolve));
    const errors: string[] = [];
    ({ client } = await connect(url, 'stream-test', errors));
    await firstGet;
    upstream.onGet.fn = null;
    await reload(proc, configPath, dir, '[B]');
    // Ended cleanly, the SDK reconnects after ~1 s (its default backoff), and the upstream holds that GET 2 s too;
    // kept open, it starts after 2 s. Either way an upstream GET stream of this session is open within 8 s.
    for (let waited = 0; waited < 8000 && upstream.open.length === 0; waited += 100) await sleep(100);
    expect(upstream.open.length, `no notification stream open; the upstream saw ${upstream.gets.length} GET(s); client errors: ${JSON.stringify(errors)}`).toBeGreaterThan(0);
    // And it carries notifications to the client.
    const received = new Promise<unknown>((resolve) => client?.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => resolve(notification.params.data)));
    const event = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'after the reload' } };
    (upstream.open.at(-1) as ServerResponse).write(`event: message\ndata: ${JSON.stringify(event)}\n\n`);
    expect(await Promise.race([received, sleep(3000).then(() => 'nothing within 3 s')])).toBe('after the reload');
    // And calls are unaffected either way.
    expect((await client.callTool({ name: 'anything', arguments: {} })).content).toEqual([{ type: 'text', text: 'ok' }]);
  });
});
