import { createServer } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayError, UpstreamOutcome } from '../src/index.js';
import { eventually, post } from './fixtures/client.js';
import { startGateway, type TestGateway } from './fixtures/gateway.js';
import { startRawUpstream } from './fixtures/raw-upstream.js';
import { AWS_KEY, startUpstream, type TestUpstream } from './fixtures/upstream.js';

/** A port nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const call = (name: string, id: number | string = 1, args: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

describe('bad requests', () => {
  let upstream: Awaited<ReturnType<typeof startRawUpstream>>;
  let gateway: TestGateway;
  beforeAll(async () => {
    // Answers every POST with a JSON result echoing what it received.
    upstream = await startRawUpstream((_req, res, body) => {
      let id: unknown = null;
      try {
        id = (JSON.parse(body) as { id?: unknown }).id ?? null;
      } catch {
        // answered below anyway
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: body }] } }));
    });
    gateway = await startGateway(upstream.url, { extra: { limits: { bodyBytes: 64 * 1024 } } });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const forwardedSince = (before: number) => upstream.received.slice(before);

  it.each([
    ['malformed JSON', '{"jsonrpc": "2.0", "id": 1, "method": ', 400, -32700],
    ['a bare string', '"hello"', 400, -32600],
    ['an object that is not JSON-RPC', '{"hello": "world"}', 400, -32600],
    ['an empty batch', '[]', 400, -32600],
    ['an empty body', '', 400, -32700],
  ])('answers %s with a JSON-RPC error and forwards nothing', async (_, body, status, code) => {
    const before = upstream.received.length;
    const response = await post(gateway.url, body);
    expect(response.status).toBe(status);
    expect(response.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code } });
    expect(forwardedSince(before)).toEqual([]);
  });

  it('answers -32602 for a tools/call without a string name, with HTTP 200', async () => {
    const response = await post(gateway.url, JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: ['exec'] } }));
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ id: 9, error: { code: -32602 } });
  });

  it('refuses invalid UTF-8 rather than forwarding a different text', async () => {
    const bytes = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ex'), Buffer.from([0xff, 0xfe]), Buffer.from('ec"}}')]);
    const response = await post(gateway.url, bytes);
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: { code: -32700, message: 'Parse error: the body is not valid UTF-8' } });
  });

  it('refuses bodies over the limit with 413, declared or not', async () => {
    const big = JSON.stringify(call('echo', 1, { text: 'x'.repeat(70 * 1024) }));
    expect((await post(gateway.url, big)).status).toBe(413);
    // Chunked, no content-length: the limit applies while reading.
    const chunked = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // A compression bomb stops at the limit of the decoded size.
    const bomb = gzipSync(Buffer.from(JSON.stringify(call('echo', 1, { text: 'a'.repeat(10 * 1024 * 1024) }))));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect((await post(gateway.url, bomb, { 'content-encoding': 'gzip' })).status).toBe(413);
  });

  it('refuses deeply nested JSON without overflowing the stack', async () => {
    const deep = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}}}`;
    const response = await post(gateway.url, deep);
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: { code: -32700 } });
  });

  it('decodes gzip and deflate bodies and enforces the policy on them', async () => {
    for (const [encoding, encode] of [['gzip', gzipSync], ['deflate', deflateSync]] as const) {
      const denied = await post(gateway.url, encode(Buffer.from(JSON.stringify(call('exec', 3)))), { 'content-encoding': encoding });
      expect(denied.json).toMatchObject({ id: 3, error: { code: -32003 } });
      const before = upstream.received.length;
      const redacted = await post(gateway.url, encode(Buffer.from(JSON.stringify(call('echo', 4, { text: AWS_KEY })))), { 'content-encoding': encoding });
      expect(redacted.status).toBe(200);
      expect(forwardedSince(before)).toHaveLength(1);
      expect(forwardedSince(before)[0]).toContain('[REDACTED]');
      expect(forwardedSince(before)[0]).not.toContain(AWS_KEY);
    }
  });

  it('refuses an unknown Content-Encoding with 415', async () => {
    const response = await post(gateway.url, 'whatever', { 'content-encoding': 'compress' });
    expect(response.status).toBe(415);
  });

  it('decides from the body whatever the Content-Type says', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8']) {
      const response = await post(gateway.url, JSON.stringify(call('exec', 7)), { 'content-type': type });
      expect(response.json).toMatchObject({ id: 7, error: { code: -32003 } });
    }
  });

  it('forwards exactly what it evaluated: duplicate keys collapse to the last, as JSON.parse reads them', async () => {
    const before = upstream.received.length;
    const response = await post(gateway.url, '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"exec","name":"echo","arguments":{}}}');
    expect(response.status).toBe(200);
    expect(JSON.parse(forwardedSince(before)[0] as string)).toEqual(call('echo', 1));
    const denied = await post(gateway.url, '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","name":"exec"}}');
    expect(denied.json).toMatchObject({ error: { code: -32003 } });
  });

  it('refuses a batch whole when one element is refused, one error per request, forwarding nothing', async () => {
    const before = upstream.received.length;
    const batch = [call('echo', 1), call('exec', 2), { jsonrpc: '2.0', method: 'notifications/progress', params: {} }, call('search', 3)];
    const response = await post(gateway.url, JSON.stringify(batch));
    expect(response.status).toBe(200);
    expect(response.json).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32003, message: 'not forwarded: another message in this batch was refused', data: { generation: 1 } } },
      { jsonrpc: '2.0', id: 2, error: { code: -32003, message: 'denied by policy: exec is disabled', data: { rule: 'deny-exec', generation: 1 } } },
      { jsonrpc: '2.0', id: 3, error: { code: -32003, message: 'not forwarded: another message in this batch was refused', data: { generation: 1 } } },
    ]);
    expect(forwardedSince(before)).toEqual([]);
  });

  it('refuses a batch that uses one id twice, answering each of those requests with -32600 and HTTP 200', async () => {
    const before = upstream.received.length;
    const response = await post(gateway.url, JSON.stringify([call('echo', 1), call('echo', 1)]));
    expect(response.status).toBe(200);
    const twice = { code: -32600, message: 'Invalid Request: the id 1 is used twice in one batch' };
    expect(response.json).toEqual([
      { jsonrpc: '2.0', id: 1, error: twice },
      { jsonrpc: '2.0', id: 1, error: twice },
    ]);
    expect(forwardedSince(before)).toEqual([]);
  });

  it('forwards an allowed batch with each element redacted', async () => {
    const before = upstream.received.length;
    const response = await post(gateway.url, JSON.stringify([call('echo', 1, { t: AWS_KEY }), call('search', 2)]));
    expect(response.status).toBe(200);
    expect(JSON.parse(forwardedSince(before)[0] as string)).toEqual([call('echo', 1, { t: '[REDACTED]' }), call('search', 2)]);
  });

  it('answers a rate-limited call with -32029 and Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await post(gateway.url, JSON.stringify(call('search', 100 + i)), { 'x-forwarded-for': 'ignored' }));
    const refused = answers.at(-1);
    expect(refused?.status).toBe(200);
    expect(refused?.json).toMatchObject({ id: 103, error: { code: -32029, message: 'rate limited by policy: limit-search', data: { rule: 'limit-search', retry_after_ms: expect.any(Number) } } });
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
  });

  it('refuses a denied notification at the HTTP level (it has no id to answer)', async () => {
    const gatewayDenyingNotifications = await startGateway(upstream.url, { rules: `
    - name: no-roots-changes
      action: deny
      match: { method: notifications/roots/list_changed }
` });
    try {
      const response = await post(gatewayDenyingNotifications.url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' }));
      expect(response.status).toBe(403);
      expect(response.json).toMatchObject({ id: null, error: { code: -32003 } });
    } finally {
      await gatewayDenyingNotifications.close();
    }
  });

  it('checks Origin: a foreign origin gets 403, localhost origins and no origin pass', async () => {
    const before = upstream.received.length;
    const evil = await post(gateway.url, JSON.stringify(call('echo')), { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(forwardedSince(before)).toEqual([]);
    expect((await post(gateway.url, JSON.stringify(call('echo')), { origin: 'http://localhost:6274' })).status).toBe(200);
    expect((await post(gateway.url, JSON.stringify(call('echo')), { origin: 'http://127.0.0.1:3000' })).status).toBe(200);
    expect((await post(gateway.url, JSON.stringify(call('echo')))).status).toBe(200);
  });

  it('lets configured origins through', async () => {
    const open = await startGateway(upstream.url, { extra: { allowedOrigins: ['https://app.example.com'] } });
    try {
      expect((await post(open.url, JSON.stringify(call('echo')), { origin: 'https://app.example.com' })).status).toBe(200);
      expect((await post(open.url, JSON.stringify(call('echo')), { origin: 'http://localhost:3000' })).status).toBe(403);
    } finally {
      await open.close();
    }
  });

  it('leaves paths it does not serve to the rest of the app', async () => {
    const routed = await startGateway(upstream.url, { extra: { defaultUpstream: undefined, routes: [{ path: '/only', upstream: 'main' }] } });
    try {
      const base = routed.url.replace('/mcp', '');
      expect((await post(`${base}/elsewhere`, JSON.stringify(call('echo')))).status).toBe(404);
      expect((await post(`${base}/only`, JSON.stringify(call('echo')))).status).toBe(200);
    } finally {
      await routed.close();
    }
  });
});

describe('upstream faults', () => {
  it('answers 502 -32010 naming the upstream when it refuses connections, keeps the socket error for the operator, and keeps serving', async () => {
    const port = await freePort();
    const errors: GatewayError[] = [];
    const outcomes: UpstreamOutcome[] = [];
    const gateway = await startGateway(`http://127.0.0.1:${port}/mcp`, { extra: { onError: (error) => void errors.push(error), onUpstreamOutcome: (outcome) => void outcomes.push(outcome) } });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await post(gateway.url, JSON.stringify(call('echo', i)));
        expect(response.status).toBe(502);
        expect(response.json).toEqual({ jsonrpc: '2.0', id: i, error: { code: -32010, message: 'upstream "main" is unreachable', data: { upstream: 'main' } } });
        // Nothing of the socket error reaches the client: no code, no internal address.
        expect(response.text).not.toMatch(/ECONN|127\.0\.0\.1|:\d{4,5}/);
      }
      await eventually(() => gateway.handle.inFlight() === 0);
      expect(errors.map((error) => error.detail)).toEqual(Array(3).fill(`connect ECONNREFUSED 127.0.0.1:${port}`));
      expect(gateway.audits).toMatchObject(
        [0, 1, 2].map((id) => ({ id, status: 502, error_code: -32010, outcome: 'upstream_failed', upstream_error: `upstream "main" is unreachable: connect ECONNREFUSED 127.0.0.1:${port}` })),
      );
      expect(outcomes).toMatchObject(Array(3).fill({ upstream: 'main', ok: false, kind: 'unreachable', message: 'upstream "main" is unreachable' }));
    } finally {
      await gateway.close();
    }
  });

  it('answers every request of a batch with its own -32010 error when the upstream is unreachable', async () => {
    const gateway = await startGateway(`http://127.0.0.1:${await freePort()}/mcp`);
    try {
      const response = await post(gateway.url, JSON.stringify([call('echo', 1), { jsonrpc: '2.0', method: 'notifications/progress', params: {} }, call('echo', 'two')]));
      expect(response.status).toBe(502);
      const error = { code: -32010, message: 'upstream "main" is unreachable', data: { upstream: 'main' } };
      expect(response.json).toEqual([
        { jsonrpc: '2.0', id: 1, error },
        { jsonrpc: '2.0', id: 'two', error },
      ]);
      await eventually(() => gateway.audits.length === 2);
      expect(gateway.audits).toMatchObject([{ id: 1, error_code: -32010 }, { id: 'two', error_code: -32010 }]);
    } finally {
      await gateway.close();
    }
  });

  it('answers 502 -32010 without the DNS error when the upstream host does not resolve', async () => {
    const errors: GatewayError[] = [];
    const gateway = await startGateway('http://mcpgw-no-such-host.invalid/mcp', { extra: { onError: (error) => void errors.push(error) } });
    try {
      const response = await post(gateway.url, JSON.stringify(call('echo', 1)));
      expect(response.status).toBe(502);
      expect(response.json).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32010, message: 'upstream "main" is unreachable', data: { upstream: 'main' } } });
      expect(errors[0]?.detail).toMatch(/^getaddrinfo E[A-Z_]+ mcpgw-no-such-host\.invalid/);
    } finally {
      await gateway.close();
    }
  });

  it('answers 504 -32011 when the upstream accepts and never answers', async () => {
    const silent = await startRawUpstream(() => new Promise(() => undefined));
    const outcomes: UpstreamOutcome[] = [];
    const gateway = await startGateway(silent.url, { extra: { onUpstreamOutcome: (outcome) => void outcomes.push(outcome) } });
    try {
      const started = Date.now();
      const response = await post(gateway.url, JSON.stringify(call('echo', 1)));
      expect(response.status).toBe(504);
      expect(response.json).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32011, message: 'upstream "main" did not answer within 2000 ms', data: { upstream: 'main' } } });
      expect(Date.now() - started).toBeLessThan(4000);
      await eventually(() => gateway.handle.inFlight() === 0);
      expect(gateway.audits).toMatchObject([{ status: 504, error_code: -32011, outcome: 'upstream_failed', upstream_error: 'upstream "main" did not answer within 2000 ms' }]);
      expect(outcomes).toMatchObject([{ upstream: 'main', ok: false, kind: 'timeout' }]);
    } finally {
      await gateway.close();
      await silent.close();
    }
  });

  it('ends the client stream cleanly when the upstream dies mid-stream', async () => {
    const dying = await startRawUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } })}\n\n`);
      setTimeout(() => res.socket?.destroy(), 50);
    });
    const gateway = await startGateway(dying.url);
    try {
      const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call('echo', 1)) });
      const text = await response.text();
      expect(text).toContain('notifications/progress');
      await eventually(() => gateway.handle.inFlight() === 0);
      // The stream had started: the client's stream ends, the audit and the operator's error say why.
      expect(gateway.audits).toMatchObject([{ id: 1, outcome: 'upstream_failed', upstream_error: expect.stringMatching(/^upstream "main" failed while answering: /) }]);
    } finally {
      await gateway.close();
      await dying.close();
    }
  });

  it('answers 502 when the upstream sends malformed JSON', async () => {
    const broken = await startRawUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"jsonrpc":"2.0","result": "${AWS_KEY}`);
    });
    const gateway = await startGateway(broken.url);
    try {
      const response = await post(gateway.url, JSON.stringify(call('echo', 1)));
      expect(response.status).toBe(502);
      expect(response.text).not.toContain(AWS_KEY);
    } finally {
      await gateway.close();
      await broken.close();
    }
  });
});

describe('leases', () => {
  let upstream: TestUpstream;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startUpstream();
    gateway = await startGateway(upstream.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('go back to zero after many requests, with clients aborting mid-stream', async () => {
    const init = await post(gateway.url, JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }));
    const session = init.headers.get('mcp-session-id') as string;
    await post(gateway.url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), { 'mcp-session-id': session });
    // Ids whose answer began: the gateway admitted them, so each must be audited.
    const answered = new Set<number>();
    const work = Array.from({ length: 60 }, async (_, i) => {
      const controller = new AbortController();
      const request = fetch(gateway.url, {
        method: 'POST',
        signal: controller.signal,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session },
        body: JSON.stringify({ jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { name: i % 2 ? 'slow' : 'echo', arguments: i % 2 ? { ms: 300 } : { text: 'x' }, _meta: { progressToken: i } } }),
      });
      if (i % 3 === 0) setTimeout(() => controller.abort(), 20 + (i % 7) * 15);
      try {
        const response = await request;
        answered.add(i + 1);
        await response.text();
      } catch {
        // aborted by us
      }
    });
    await Promise.all(work);
    await eventually(() => gateway.handle.inFlight() === 0, 5000);
    expect(gateway.handle.generations()).toEqual([{ generation: 1, inFlight: 0, current: true }]);
    const aborted = gateway.decisions().filter((event) => event.outcome === 'client_closed');
    expect(aborted.length).toBeGreaterThan(0);
    // A request aborted before it left the client never reached the gateway
    // (under load a 20 ms abort can come first): every other one is audited, once.
    const audited = gateway.decisions().filter((event) => event.method === 'tools/call').map((event) => Number(event.id));
    expect(new Set(audited).size).toBe(audited.length);
    expect(audited.every((id) => id >= 1 && id <= 60)).toBe(true);
    for (const id of answered) expect(audited).toContain(id);
    expect(answered.size).toBeGreaterThanOrEqual(40);
  });
});
