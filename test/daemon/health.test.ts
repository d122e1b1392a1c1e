// The daemon's health checks and what clients see of a failing upstream, with
// real processes: `mcpgw serve`, the demo upstream (the MCP SDK server)
// killed and restarted on its port, an upstream that never answers, the
// official SDK client, and a raw socket for a probe during a drain.

import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startDaemon, startDemoUpstream, tempDir } from './harness.js';

interface HealthBody {
  status: string;
  generation: number;
  upstreams: Record<string, { status: string; last_success: string | null; last_failure: { time: string; kind: string; message: string } | null }>;
}

const started: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((proc) => proc.stop()));
});

/** An HTTP server in this process: `answer` each request after `delayMs`, or never (`null`). */
async function localUpstream(delayMs: number | null): Promise<{ url: string; server: Server }> {
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (delayMs === null) return;
      const id = (JSON.parse(body) as { id: unknown }).id;
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'done' }] } })), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  started.push({ stop: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, server };
}

async function health(origin: string, path: '/healthz' | '/readyz'): Promise<{ status: number; text: string; body: HealthBody }> {
  const response = await fetch(origin + path);
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as HealthBody };
}

const rpc = (url: string, id: number, name = 'echo') =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { text: 'x' } } }),
  });

async function sdkClient(url: string): Promise<Client> {
  const client = new Client({ name: 'health-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  started.push({ stop: () => client.close().catch(() => undefined) });
  return client;
}

/** What no client-visible answer may hold: a socket error code, or the upstream's internal address. */
const socketDetail = (port: number) => new RegExp(`ECONN|ENOTFOUND|EAI_|ETIMEDOUT|127\\.0\\.0\\.1|:${port}\\b`);

describe('mcpgw serve: /healthz, /readyz and failing upstreams', () => {
  it('answers -32010/502 and -32011/504 naming the upstream, reports each upstream in both health bodies, and stays ready', async () => {
    const dir = tempDir();
    let demo = await startDemoUpstream();
    started.push(demo.proc);
    const demoPort = Number(new URL(demo.url).port);
    const stuck = await localUpstream(null);
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(
      configPath,
      `listen: "127.0.0.1:0"
upstreams:
  - name: demo
    url: ${demo.url}
  - name: stuck
    url: ${stuck.url}
    timeout_ms: 500
routes:
  - path: /stuck
    upstream: stuck
default_upstream: demo
audit:
  path: ${join(dir, 'audit.jsonl')}
`,
    );
    const daemon = await startDaemon(configPath, ['--no-watch']);
    started.push(daemon.proc);
    const origin = new URL(daemon.url).origin;

    for (const path of ['/healthz', '/readyz'] as const) {
      const { status, body } = await health(origin, path);
      expect(status, path).toBe(200);
      expect(body).toMatchObject({ status: 'ok', generation: 1, upstreams: { demo: { status: 'unknown', last_success: null, last_failure: null }, stuck: { status: 'unknown' } } });
    }

    const client = await sdkClient(daemon.url);
    await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    expect((await health(origin, '/readyz')).body.upstreams['demo']).toMatchObject({ status: 'ok', last_success: expect.any(String), last_failure: null });

    // Timed out: 504 -32011.
    const timedOut = await rpc(`${origin}/stuck`, 1);
    expect(timedOut.status).toBe(504);
    expect(await timedOut.json()).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32011, message: 'upstream "stuck" did not answer within 500 ms', data: { upstream: 'stuck' } } });

    // Unreachable: 502 -32010, to the SDK client and to a raw request, without the socket error.
    demo.proc.child.kill('SIGKILL');
    await demo.proc.exited;
    const refused = await client.callTool({ name: 'echo', arguments: { text: 'x' } }).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toContain('-32010');
    expect((refused as Error).message).toContain('upstream \\"demo\\" is unreachable');
    expect((refused as Error).message).not.toMatch(socketDetail(demoPort));
    const raw = await rpc(daemon.url, 2);
    expect(raw.status).toBe(502);
    const rawText = await raw.text();
    expect(JSON.parse(rawText)).toEqual({ jsonrpc: '2.0', id: 2, error: { code: -32010, message: 'upstream "demo" is unreachable', data: { upstream: 'demo' } } });
    expect(rawText).not.toMatch(socketDetail(demoPort));

    // Both bodies name the failing upstreams, in the clients' words; the daemon stays ready.
    for (const path of ['/healthz', '/readyz'] as const) {
      const { status, text, body } = await health(origin, path);
      expect(status, path).toBe(200);
      expect(body.status).toBe('ok');
      expect(body.upstreams['demo']).toMatchObject({ status: 'failing', last_failure: { kind: 'unreachable', message: 'upstream "demo" is unreachable' } });
      expect(body.upstreams['stuck']).toMatchObject({ status: 'failing', last_success: null, last_failure: { kind: 'timeout', message: 'upstream "stuck" did not answer within 500 ms' } });
      expect(text).not.toMatch(socketDetail(demoPort));
    }

    // The operator has the socket error: in the log and in the audit event.
    // A pooled keep-alive connection to the killed upstream fails as a reset
    // rather than a refusal; which call meets it depends on timing.
    const socketError = new RegExp(`^(connect ECONNREFUSED 127\\.0\\.0\\.1:${demoPort}|ECONNRESET: socket hang up)$`);
    const logged = await daemon.proc.waitFor((line) => line['msg'] === 'upstream "demo" is unreachable' && line['status'] === 502);
    expect(logged).toMatchObject({ upstream: 'demo', kind: 'upstream_unavailable', error_code: -32010, detail: expect.stringMatching(socketError) });
    await expect
      .poll(() => readFileSync(join(dir, 'audit.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line['id'] === 2))
      .toMatchObject({ event: 'decision', upstream: 'demo', status: 502, error_code: -32010, outcome: 'upstream_failed', upstream_error: expect.stringMatching(new RegExp(`^upstream "demo" is unreachable: ${socketError.source.slice(1)}`)) });

    // Back on its port: the next answer makes it ok again; its last failure stays on record.
    const failedAt = (await health(origin, '/readyz')).body.upstreams['demo']?.last_failure;
    demo = await startDemoUpstream(['--port', String(demoPort)]);
    started.push(demo.proc);
    const again = await sdkClient(daemon.url);
    expect(await again.callTool({ name: 'echo', arguments: { text: 'back' } })).toMatchObject({ content: [{ text: 'back' }] });
    const recovered = (await health(origin, '/healthz')).body.upstreams['demo'];
    expect(recovered).toMatchObject({ status: 'ok', last_failure: failedAt });
    expect(Date.parse(recovered?.last_success ?? '')).toBeGreaterThanOrEqual(Date.parse(failedAt?.time ?? ''));
  });

  it('/readyz turns 503 while draining, /healthz stays 200; new connections are refused', async () => {
    const dir = tempDir();
    const slow = await localUpstream(1_500);
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, `listen: "127.0.0.1:0"\nupstreams:\n  - name: slow\n    url: ${slow.url}\ndefault_upstream: slow\n`);
    const daemon = await startDaemon(configPath, ['--no-watch']);
    started.push(daemon.proc);
    const { port } = new URL(daemon.url);
    const origin = new URL(daemon.url).origin;

    // A connection with a slow call in flight: the daemon drains it, so it stays open.
    const socket = netConnect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'work', arguments: {} } });
    socket.write(`POST /mcp HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await expect.poll(async () => ((await health(origin, '/healthz')).body as unknown as { in_flight: number }).in_flight).toBe(1);
    expect((await health(origin, '/readyz')).status).toBe(200);

    daemon.proc.signal('SIGTERM');
    await daemon.proc.waitForMsg('shutting down: draining in-flight requests');
    // A probe that connects anew is refused (the listener is closed) ...
    await expect(fetch(`${origin}/readyz`)).rejects.toThrow();
    // ... one on a connection the daemon still serves gets the answers (after the call's, in order).
    socket.write('GET /readyz HTTP/1.1\r\nHost: gateway\r\n\r\nGET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n');
    await expect.poll(() => responsesIn(received).length, { timeout: 5_000 }).toBe(3);
    const [call, ready, live] = responsesIn(received);
    expect(call?.status).toBe(200);
    expect(JSON.parse(call?.body ?? '')).toMatchObject({ id: 1, result: { content: [{ text: 'done' }] } });
    expect(ready?.status).toBe(503);
    // Answered while the call was still in flight: the upstream had not answered yet.
    expect(JSON.parse(ready?.body ?? '')).toMatchObject({ status: 'draining', generation: 1, in_flight: 1, upstreams: { slow: { status: 'unknown' } } });
    expect(live?.status).toBe(200);
    expect(JSON.parse(live?.body ?? '')).toMatchObject({ status: 'draining' });
    socket.destroy();
    expect(await daemon.proc.exited).toEqual({ code: 0, signal: null });
  });
});

/** The complete HTTP/1.1 responses (each with a Content-Length) in what a socket received. */
function responsesIn(text: string): Array<{ status: number; body: string }> {
  const responses: Array<{ status: number; body: string }> = [];
  let rest = Buffer.from(text, 'utf8');
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) return responses;
    const head = rest.subarray(0, end).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (rest.length < end + 4 + length) return responses;
    responses.push({ status: Number(head.split(' ')[1]), body: rest.subarray(end + 4, end + 4 + length).toString('utf8') });
    rest = rest.subarray(end + 4 + length);
  }
}
