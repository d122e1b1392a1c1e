// Upstream faults that bad-input-and-faults.test.ts does not cover: the real
// SDK upstream process SIGKILLed mid-stream and restarted on the same port,
// an upstream that trickles its JSON body byte by byte (or stalls after the
// headers), an upstream that resets mid-body, oversized answers, and clients
// that hang up mid-stream 200 times.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGateway, type TestGateway } from '../../packages/express-adapter/test/fixtures/gateway.js';
import { startRawUpstream, type RawUpstream } from '../../packages/express-adapter/test/fixtures/raw-upstream.js';
import { DEMO_UPSTREAM, Proc } from '../daemon/harness.js';
import { openSession, rpc, sseData } from '../attacks/wire.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const SECRET_PATTERN = /AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}/;
const call = (name: string, id: number, args: Record<string, unknown> = {}, meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) },
});

/** The demo upstream (MCP SDK server) as a child process on `port` (0: OS-picked). */
async function demoUpstream(port: number, json: boolean): Promise<{ proc: Proc; url: string; port: number }> {
  const proc = new Proc(process.execPath, [DEMO_UPSTREAM, '--port', String(port), ...(json ? ['--json'] : [])]);
  const line = await Promise.race([
    proc.waitFor((l) => l['event'] === 'listening'),
    proc.exited.then((exit) => {
      throw new Error(`demo upstream exited ${JSON.stringify(exit)}: ${proc.stderr.join('\n')}`);
    }),
  ]);
  const url = String(line['url']);
  return { proc, url, port: Number(new URL(url).port) };
}

/** A POST whose response is read as it streams: `response` resolves on headers, `ended` when the body ends or breaks. */
interface StreamingPost {
  readonly response: Promise<IncomingMessage>;
  readonly chunks: string[];
  readonly ended: Promise<'end' | 'error'>;
  abort(): void;
}

function streamingPost(url: string, body: unknown, headers: Record<string, string>): StreamingPost {
  const target = new URL(url);
  const chunks: string[] = [];
  let settleEnded: (how: 'end' | 'error') => void = () => undefined;
  const ended = new Promise<'end' | 'error'>((done) => {
    settleEnded = done;
  });
  const req = httpRequest({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent: false, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', (res: IncomingMessage) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => chunks.push(chunk));
      res.once('end', () => settleEnded('end'));
      res.once('error', () => settleEnded('error'));
      res.once('close', () => settleEnded(res.complete ? 'end' : 'error'));
      resolve(res);
    });
    req.on('error', (error) => {
      settleEnded('error');
      reject(error);
    });
  });
  response.catch(() => undefined);
  req.end(JSON.stringify(body));
  return { response, chunks, ended, abort: () => req.destroy() };
}

describe.each([
  { mode: 'SSE', json: false },
  { mode: 'JSON', json: true },
])('the SDK upstream process is SIGKILLed during a slow call ($mode answers)', ({ json }) => {
  let upstream: { proc: Proc; url: string; port: number };
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await demoUpstream(0, json);
    gateway = await startGateway(upstream.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.proc.stop();
  });

  it('the client gets a clean end or a 502, the gateway serves the restarted upstream, leases go back to 0', async () => {
    const session = await openSession(gateway.url);
    const slow = streamingPost(gateway.url, call('slow', 7, { steps: 10 }, { progressToken: 'tok' }), { 'mcp-session-id': session });
    // The upstream is inside the call (about 1 s long) once it logs it.
    await upstream.proc.waitFor((line) => line['event'] === 'tool_call' && line['tool'] === 'slow');

    if (json) {
      // JSON mode: nothing was sent yet when the upstream dies.
      await new Promise((resolve) => setTimeout(resolve, 150));
      upstream.proc.child.kill('SIGKILL');
      const response = await slow.response;
      expect(await slow.ended).toBe('end');
      expect(response.statusCode).toBe(502);
      expect(JSON.parse(slow.chunks.join(''))).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32010, message: 'upstream "main" is unreachable', data: { upstream: 'main' } } });
    } else {
      const response = await slow.response;
      expect(response.statusCode).toBe(200);
      await expect.poll(() => slow.chunks.join('').includes('notifications/progress'), { timeout: 3000 }).toBe(true);
      upstream.proc.child.kill('SIGKILL');
      const started = Date.now();
      // The client's stream ends cleanly (no hang) ...
      expect(await slow.ended).toBe('end');
      expect(Date.now() - started).toBeLessThan(2000);
      // ... with only whole events: every data line is complete JSON, and no response for id 7.
      const text = slow.chunks.join('');
      expect(text.endsWith('\n\n')).toBe(true);
      const messages = sseData(text).map((data) => JSON.parse(data) as { id?: unknown; method?: string });
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.every((message) => message.method === 'notifications/progress')).toBe(true);
    }
    await upstream.proc.exited;
    await expect.poll(() => gateway.handle.inFlight(), { timeout: 3000 }).toBe(0);
    await expect.poll(() => gateway.decisions().find((event) => event.id === 7)?.outcome, { timeout: 3000 }).toMatch(json ? /upstream_failed/ : /no_response|upstream_failed/);

    // While it is down: 502 -32010, quickly, without the socket error.
    const down = await rpc(gateway.url, call('echo', 8, { text: 'x' }), { 'mcp-session-id': session });
    expect(down.status).toBe(502);
    expect(down.messages).toEqual([{ jsonrpc: '2.0', id: 8, error: { code: -32010, message: 'upstream "main" is unreachable', data: { upstream: 'main' } } }]);

    // Back on the same port: the old session is gone (upstream state), a new one works.
    upstream = await demoUpstream(upstream.port, json);
    const stale = await rpc(gateway.url, call('echo', 9, { text: 'x' }), { 'mcp-session-id': session });
    expect(stale.status).toBe(404);
    const client = new Client({ name: 'after-restart', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
    expect(await client.callTool({ name: 'echo', arguments: { text: `k ${AWS_KEY}` } })).toMatchObject({ content: [{ type: 'text', text: 'k [REDACTED]' }] });
    const progress: unknown[] = [];
    expect(await client.callTool({ name: 'slow', arguments: { steps: 2 } }, undefined, { onprogress: (event) => void progress.push(event) })).toMatchObject({ content: [{ text: 'done after 2 steps' }] });
    if (!json) expect(progress).toHaveLength(2);
    await expect(client.callTool({ name: 'exec', arguments: { command: 'id' } })).rejects.toThrow(/denied by policy/);
    await client.close();
    await expect.poll(() => gateway.handle.inFlight(), { timeout: 3000 }).toBe(0);
    expect(upstream.proc.lines.filter((line) => line['tool'] === 'exec')).toEqual([]);
  });
});

describe('an upstream that sends its JSON body slowly', () => {
  let upstream: RawUpstream;
  let gateway: TestGateway;
  let behaviour: 'trickle' | 'stall' = 'trickle';
  let upstreamSawClose = false;
  beforeAll(async () => {
    upstream = await startRawUpstream(async (_req, res, body) => {
      const id = (JSON.parse(body) as { id: number }).id;
      const text = JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `slow ${AWS_KEY} ${'.'.repeat(200)}` }] } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.once('close', () => {
        upstreamSawClose = true;
      });
      if (behaviour === 'stall') {
        res.write(text.slice(0, 10)); // headers and 10 bytes, then nothing
        return;
      }
      for (let i = 0; i < text.length && !res.destroyed; i++) {
        res.write(text[i]);
        await new Promise((resolve) => setTimeout(resolve, 12));
      }
      res.end();
    });
    // timeout_ms is 2000 in the fixture config.
    gateway = await startGateway(upstream.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('byte by byte for longer than timeout_ms: the answer completes, redacted (timeout_ms bounds only the wait for headers)', async () => {
    behaviour = 'trickle';
    const started = performance.now();
    const response = await rpc(gateway.url, call('echo', 1));
    const elapsed = performance.now() - started;
    expect(response.status).toBe(200);
    expect(elapsed).toBeGreaterThan(2500);
    expect(response.raw).not.toMatch(SECRET_PATTERN);
    expect(response.messages).toMatchObject([{ id: 1, result: { content: [{ text: expect.stringMatching(/^slow \[REDACTED\] \.{200}$/) }] } }]);
    await expect.poll(() => gateway.handle.inFlight()).toBe(0);
  }, 15_000);

  it('headers then silence: the body must keep coming; a pause longer than timeout_ms ends the request with 504 and aborts upstream', async () => {
    behaviour = 'stall';
    upstreamSawClose = false;
    const started = Date.now();
    const stalled = streamingPost(gateway.url, call('echo', 2), {});
    const response = await stalled.response;
    // The gateway reads a JSON answer whole; the fixture's timeout_ms is 2000.
    expect(response.statusCode).toBe(504);
    expect(await stalled.ended).toBe('end');
    expect(JSON.parse(stalled.chunks.join(''))).toEqual({ jsonrpc: '2.0', id: 2, error: { code: -32011, message: 'upstream "main" stopped sending its response for 2000 ms', data: { upstream: 'main' } } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - started).toBeLessThan(5000);
    await expect.poll(() => gateway.handle.inFlight(), { timeout: 3000 }).toBe(0);
    await expect.poll(() => upstreamSawClose, { timeout: 3000 }).toBe(true);
    await expect.poll(() => gateway.decisions().find((event) => event.id === 2)).toMatchObject({ status: 504, error_code: -32011, outcome: 'upstream_failed' });
  }, 15_000);
});

describe('an upstream that breaks its answer', () => {
  let upstream: RawUpstream;
  let gateway: TestGateway;
  let script: (res: import('node:http').ServerResponse, id: unknown) => void;
  beforeAll(async () => {
    upstream = await startRawUpstream((_req, res, body) => script(res, (JSON.parse(body) as { id: unknown }).id));
    gateway = await startGateway(upstream.url, { extra: { limits: { responseBytes: 1024 * 1024, eventBytes: 256 * 1024 } } });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  afterEach(async () => {
    await expect.poll(() => gateway.handle.inFlight(), { timeout: 3000 }).toBe(0);
  });

  it('resets the connection halfway through a JSON body holding a secret: 502, and the half body never reaches the client', async () => {
    script = (res, id) => {
      const text = JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `${AWS_KEY} ${'x'.repeat(5000)}` }] } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.write(text.slice(0, 2000));
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const response = await rpc(gateway.url, call('echo', 3));
    expect(response.status).toBe(502);
    expect(response.messages).toEqual([{ jsonrpc: '2.0', id: 3, error: { code: -32010, message: 'upstream "main" failed while answering', data: { upstream: 'main' } } }]);
    expect(response.raw).not.toMatch(SECRET_PATTERN);
  });

  it('a gzip bomb as a JSON answer stops at responseBytes: 502 in bounded time', async () => {
    const bomb = gzipSync(Buffer.from(`{"jsonrpc":"2.0","id":4,"result":{"t":"${'a'.repeat(64 * 1024 * 1024)}"}}`));
    script = (res) => void res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(bomb);
    const started = performance.now();
    const response = await rpc(gateway.url, call('echo', 4));
    expect(response.status).toBe(502);
    expect(response.messages).toMatchObject([{ id: 4, error: { code: -32010, message: 'upstream "main" sent a response larger than 1048576 bytes' } }]);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('an SSE event larger than eventBytes: earlier events arrive, then the stream ends cleanly without the oversized one', async () => {
    script = (res, id) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } })}\n\n`);
      res.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { t: `${AWS_KEY}${'b'.repeat(512 * 1024)}` } })}\n\n`);
    };
    const response = await rpc(gateway.url, call('echo', 5));
    expect(response.status).toBe(200);
    expect(response.raw).not.toMatch(SECRET_PATTERN);
    expect(response.messages).toMatchObject([{ method: 'notifications/progress' }]);
    // The upstream sent an event the gateway cannot pass on: its call failed upstream-side.
    await expect.poll(() => gateway.decisions().find((event) => event.id === 5)?.outcome).toBe('upstream_failed');
  });
});

describe.each([
  { mode: 'SSE', json: false },
  { mode: 'JSON', json: true },
])('200 clients hang up mid-call ($mode answers)', ({ json }) => {
  let upstream: { proc: Proc; url: string; port: number };
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await demoUpstream(0, json);
    gateway = await startGateway(upstream.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.proc.stop();
  });

  it('leases go back to 0, every call is audited client_closed, the heap does not grow', async () => {
    const session = await openSession(gateway.url);
    const hangUp = async (id: number) => {
      const call_ = streamingPost(gateway.url, call('slow', id, { steps: 4 }, { progressToken: id }), { 'mcp-session-id': session });
      if (json) await new Promise((resolve) => setTimeout(resolve, 60));
      else await expect.poll(() => call_.chunks.join('').includes('notifications/progress'), { timeout: 3000 }).toBe(true);
      call_.abort();
    };
    const round = async (from: number, count: number) => {
      for (let i = 0; i < count; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => hangUp(from + i + j)));
      await expect.poll(() => gateway.handle.inFlight(), { timeout: 5000 }).toBe(0);
    };
    await round(1000, 20); // warm-up
    gc();
    const before = process.memoryUsage();
    await round(1, 200);
    gc();
    const after = process.memoryUsage();

    const audited = gateway.decisions().filter((event) => typeof event.id === 'number' && event.id >= 1 && event.id <= 200);
    expect(audited).toHaveLength(200);
    expect(new Set(audited.map((event) => event.outcome))).toEqual(new Set(['client_closed']));
    // The upstream still answers normally afterwards.
    const ok = await rpc(gateway.url, call('echo', 500, { text: 'ok' }), { 'mcp-session-id': session });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('ok');
    console.log(`hang-up report ${JSON.stringify({ mode: json ? 'JSON' : 'SSE', heapMiB: { before: mib(before.heapUsed), after: mib(after.heapUsed) }, rssMiB: { before: mib(before.rss), after: mib(after.rss) } })}`);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * 1024 * 1024);
    expect(after.rss - before.rss).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);
});
