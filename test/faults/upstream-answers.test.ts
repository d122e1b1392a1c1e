// Upstream answers that once crashed the daemon, hung its client or held a
// lease (issue 9, items 3, 4, 6, 7). Each case runs against the real daemon
// process: an answer must be contained to its own exchange — a clear error
// for that client, an audit event, and the daemon serving the next request.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, createGzip, constants as zlib } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Proc, startDaemon, tempDir } from '../daemon/harness.js';
import { rpc, send, sseData } from '../attacks/wire.js';

const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const SECRET_PATTERN = /AKIA[0-9A-Z]{16}|hdr-secret-[0-9]+/;
const TIMEOUT_MS = 1500;

type Scenario = (req: IncomingMessage, res: ServerResponse, id: unknown) => void;

const json = (res: ServerResponse, text: string, headers: Record<string, string> = {}) =>
  void res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(text);

/** What the upstream does, by the `x-scenario` header the test sends (the gateway forwards it). */
const SCENARIOS: Record<string, Scenario> = {
  ok: (_req, res, id) => json(res, JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `ok ${AWS_KEY}` }] } })),
  'deep-json': (_req, res, id) => json(res, `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"x":${'['.repeat(1500)}${']'.repeat(1500)}}}`),
  'deep-sse': (_req, res, id) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"first"}}\n\n`);
    res.end(`data: {"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"x":${'['.repeat(1500)}${']'.repeat(1500)}}}\n\n`);
  },
  'secret-header': (_req, res, id) => json(res, JSON.stringify({ jsonrpc: '2.0', id, result: {} }), { 'x-debug': 'token hdr-secret-42 here' }),
  'gzip-sse-reset': (_req, res, id) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
    const gzip = createGzip();
    gzip.pipe(res);
    gzip.write(`data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"${AWS_KEY}"}}\n\n`);
    // Flush one whole event, then reset the connection mid-stream.
    gzip.flush(zlib.Z_SYNC_FLUSH, () => setTimeout(() => res.socket?.destroy(), 100));
    void id;
  },
  'gzip-json-reset': (_req, res) => {
    const body = gzipSync(Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { t: 'x'.repeat(100_000) } })));
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.write(body.subarray(0, body.length >> 1));
    setTimeout(() => res.socket?.destroy(), 100);
  },
  'switching-protocols': (req) => {
    req.socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  },
  'early-hints-then-silence': (_req, res) => {
    res.writeEarlyHints({ link: '</style.css>; rel=preload' });
  },
  'processing-then-answer': (_req, res, id) => {
    res.writeProcessing();
    setTimeout(() => json(res, JSON.stringify({ jsonrpc: '2.0', id, result: { late: true } })), 100);
  },
};

function scriptedUpstream(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = body === '' ? null : (JSON.parse(body) as { id?: unknown }).id;
      const scenario = SCENARIOS[String(req.headers['x-scenario'] ?? 'ok')] ?? SCENARIOS['ok'];
      (scenario as Scenario)(req, res, id);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp` })));
}

const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: {} } });

describe('upstream answers the daemon must contain to one exchange', () => {
  let upstream: { server: Server; url: string };
  let daemon: { proc: Proc; url: string; port: number };
  let auditPath: string;
  const healthz = () => send(`http://127.0.0.1:${daemon.port}/healthz`, { method: 'GET' });
  const inFlight = async () => (JSON.parse((await healthz()).text) as { in_flight: number }).in_flight;
  const audited = (id: number) => {
    return readFileSync(auditPath, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((event) => event['event'] === 'decision' && event['id'] === id);
  };

  beforeAll(async () => {
    upstream = await scriptedUpstream();
    const dir = tempDir();
    auditPath = join(dir, 'audit.jsonl');
    const config = join(dir, 'mcpgw.yaml');
    writeFileSync(
      config,
      `listen: "127.0.0.1:0"
upstreams:
  - name: main
    url: ${upstream.url}
    timeout_ms: ${TIMEOUT_MS}
default_upstream: main
policy:
  rules:
    - name: redact-keys
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}"]
    - name: redact-header-words
      action: redact
      direction: response
      patterns: ["hdr-secret-[0-9]+"]
      replacement: "█"
audit:
  path: ${auditPath}
  max_size_mb: 10
  compress_rotated: false
`,
    );
    daemon = await startDaemon(config);
  });
  afterAll(async () => {
    await daemon?.proc.stop();
    upstream?.server.closeAllConnections();
    await new Promise((resolve) => upstream?.server.close(resolve));
  });

  /** After each case: the daemon lives, answers a normal call, and holds no lease. */
  async function expectHealthy(): Promise<void> {
    expect(daemon.proc.child.exitCode).toBeNull();
    const ok = await rpc(daemon.url, call(999), { 'x-scenario': 'ok' });
    expect(ok.status).toBe(200);
    expect(ok.messages).toMatchObject([{ id: 999, result: { content: [{ text: 'ok [REDACTED]' }] } }]);
    await expect.poll(inFlight, { timeout: 3000 }).toBe(0);
  }

  it('a JSON answer nested deeper than the redaction depth: 502 for that call, audited, the daemon keeps serving', async () => {
    const response = await rpc(daemon.url, call(1), { 'x-scenario': 'deep-json' });
    expect(response.status).toBe(502);
    expect(response.messages).toMatchObject([{ id: 1, error: { message: 'upstream "main" sent an answer the gateway cannot read: it nests deeper than 1000 levels' } }]);
    await expectHealthy();
    await expect.poll(() => audited(1)).toMatchObject({ status: 502, outcome: 'upstream_failed' });
  });

  it('an SSE event nested too deep: the events before it arrive, the stream ends cleanly, the call is audited as failed', async () => {
    const response = await rpc(daemon.url, call(2), { 'x-scenario': 'deep-sse' });
    expect(response.status).toBe(200);
    expect(sseData(response.text)).toHaveLength(1);
    expect(response.messages).toMatchObject([{ method: 'notifications/message' }]);
    await expectHealthy();
    await expect.poll(() => audited(2)).toMatchObject({ outcome: 'upstream_failed' });
  });

  it('a redacted response header whose replacement is not Latin-1: the value goes out encoded, never the secret', async () => {
    const response = await rpc(daemon.url, call(3), { 'x-scenario': 'secret-header' });
    expect(response.status).toBe(200);
    expect(response.headers['x-debug']).toBe('token %E2%96%88 here');
    expect(JSON.stringify(response.headers)).not.toMatch(SECRET_PATTERN);
    await expectHealthy();
  });

  it('a gzip SSE answer whose upstream resets mid-stream: the client stream ends at once, the lease is released', async () => {
    const started = performance.now();
    const response = await rpc(daemon.url, call(4), { 'x-scenario': 'gzip-sse-reset' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(response.status).toBe(200);
    expect(response.raw).not.toMatch(SECRET_PATTERN);
    expect(response.messages).toMatchObject([{ method: 'notifications/message', params: { data: '[REDACTED]' } }]);
    await expectHealthy();
    await expect.poll(() => audited(4)).toMatchObject({ outcome: 'upstream_failed' });
  });

  it('a gzip JSON answer whose upstream resets mid-body: 502 at once', async () => {
    const started = performance.now();
    const response = await rpc(daemon.url, call(5), { 'x-scenario': 'gzip-json-reset' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(response.status).toBe(502);
    await expectHealthy();
  });

  it('an upstream that answers 101 Switching Protocols to a plain POST: 502 well within timeout_ms, audited', async () => {
    const started = performance.now();
    const response = await rpc(daemon.url, call(6), { 'x-scenario': 'switching-protocols' });
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS / 2);
    expect(response.status).toBe(502);
    expect(response.messages).toMatchObject([{ id: 6, error: { message: 'upstream "main" answered 101 Switching Protocols, which MCP does not use' } }]);
    await expectHealthy();
    await expect.poll(() => audited(6)).toMatchObject({ status: 502, outcome: 'upstream_failed' });
  });

  it('an informational answer (103) and then silence: 504 after timeout_ms', async () => {
    const started = performance.now();
    const response = await rpc(daemon.url, call(7), { 'x-scenario': 'early-hints-then-silence' });
    const elapsed = performance.now() - started;
    expect(response.status).toBe(504);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
    await expectHealthy();
  });

  it('an informational answer (102) and then the real one: the real one reaches the client', async () => {
    const response = await rpc(daemon.url, call(8), { 'x-scenario': 'processing-then-answer' });
    expect(response.status).toBe(200);
    expect(response.messages).toMatchObject([{ id: 8, result: { late: true } }]);
    await expectHealthy();
  });
});
