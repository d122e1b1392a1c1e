import { createServer, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { compilePolicy, parseConfig, PolicyHandle } from '@mcpgw/core';
import { mcpGateway, type GatewayAuditEvent } from '../src/index.js';
import { startGateway, type TestGateway } from './fixtures/gateway.js';
import { startRawUpstream } from './fixtures/raw-upstream.js';

const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';

interface Seen {
  readonly url: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** An upstream that records what reaches it and answers each request with an empty result. */
async function recordingUpstream(path = '/mcp') {
  const seen: Seen[] = [];
  const upstream = await startRawUpstream((req, res, body) => {
    seen.push({ url: req.url, headers: req.headers, body });
    const id = (JSON.parse(body || '{}') as { id?: unknown }).id ?? null;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', id, result: {} }));
  });
  return { upstream, seen, url: upstream.url.replace(/\/mcp$/, path) };
}

/** A POST written by hand; with `expectContinue`, the body is held back until the gateway says 100 Continue. */
function post(url: string, body: string, headers: Record<string, string> = {}, expectContinue = false): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': Buffer.byteLength(body), ...headers, ...(expectContinue ? { expect: '100-continue' } : {}) },
        timeout: 5000,
      },
      (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    if (expectContinue) req.once('continue', () => req.end(body));
    else req.end(body);
  });
}

const ping = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });

/** Runs `test` with the gateway in front of a recording upstream at `path`, and closes both. */
async function throughGateway(path: string, test: (gateway: TestGateway, seen: Seen[], upstreamUrl: string) => Promise<void>): Promise<void> {
  const { upstream, seen, url } = await recordingUpstream(path);
  const gateway = await startGateway(url);
  try {
    await test(gateway, seen, url);
  } finally {
    await gateway.close();
    await upstream.close();
  }
}

describe('what the upstream receives', () => {
  it("goes to the upstream URL's own path and query, whatever path and query the client used", () =>
    throughGateway('/deep/mcp?tenant=a', async (gateway, seen) => {
      expect((await post(`${gateway.url}?tenant=b&x=1`, ping(1))).status).toBe(200);
      expect(seen[0]?.url).toBe('/deep/mcp?tenant=a');
    }));

  it("carries the upstream's Host and X-Forwarded-For, -Port, -Proto and -Host naming the client side", () =>
    throughGateway('/mcp', async (gateway, seen, url) => {
      await post(gateway.url, ping(1), { 'x-forwarded-for': '203.0.113.9' });
      const headers = seen[0]?.headers ?? {};
      expect(headers.host).toBe(new URL(url).host);
      const gatewayHost = new URL(gateway.url).host;
      // A value the client sent is kept, and the address the gateway saw is appended.
      expect(headers['x-forwarded-for']).toBe('203.0.113.9,127.0.0.1');
      expect(headers['x-forwarded-proto']).toBe('http');
      expect(headers['x-forwarded-host']).toBe(gatewayHost);
      expect(headers['x-forwarded-port']).toBe(new URL(gateway.url).port);
    }));

  it("still carries the gateway's X-Forwarded-* and Host when the client names them in Connection, without the client's values", () =>
    throughGateway('/mcp', async (gateway, seen, url) => {
      const headers = {
        connection: 'keep-alive, X-Forwarded-For, x-forwarded-host, X-Forwarded-Proto, x-forwarded-port, host, x-client-hop',
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
        'x-forwarded-port': '443',
        'x-client-hop': 'dropped',
      };
      expect((await post(gateway.url, ping(1), headers)).status).toBe(200);
      const forwarded = seen[0]?.headers ?? {};
      expect(forwarded.host).toBe(new URL(url).host);
      expect(forwarded['x-forwarded-for']).toBe('127.0.0.1');
      expect(forwarded['x-forwarded-proto']).toBe('http');
      expect(forwarded['x-forwarded-host']).toBe(new URL(gateway.url).host);
      expect(forwarded['x-forwarded-port']).toBe(new URL(gateway.url).port);
      expect(forwarded).not.toHaveProperty('x-client-hop');
    }));

  it('answers a client that sends Expect: 100-continue, and forwards the checked body without the header', () =>
    throughGateway('/mcp', async (gateway, seen) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { text: `key ${AWS_KEY}` } } });
      const answer = await post(gateway.url, body, {}, true);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ jsonrpc: '2.0', id: 7, result: {} });
      expect(seen).toHaveLength(1);
      expect(seen[0]?.headers).not.toHaveProperty('expect');
      expect(seen[0]?.body).not.toContain(AWS_KEY);
      expect(JSON.parse(seen[0]?.body ?? '')).toMatchObject({ params: { arguments: { text: 'key [REDACTED]' } } });
      expect(Number(seen[0]?.headers['content-length'])).toBe(Buffer.byteLength(seen[0]?.body ?? ''));
      // A denied call with Expect is refused like any other, and nothing reaches the upstream.
      const denied = await post(gateway.url, JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'exec', arguments: {} } }), {}, true);
      expect(denied.status).toBe(200);
      expect(JSON.parse(denied.text)).toMatchObject({ id: 8, error: { code: -32003 } });
      expect(seen).toHaveLength(1);
    }));

  it('reaches an upstream at an IPv6 literal address', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.socket.remoteAddress ?? '');
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { over: 'ipv6' } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    const { port } = server.address() as AddressInfo;
    const gateway = await startGateway(`http://[::1]:${port}/mcp`);
    try {
      const answer = await post(gateway.url, ping(1));
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ result: { over: 'ipv6' } });
      expect(seen).toEqual(['::1']);
    } finally {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('mcpGateway on a plain node:http server (no Express)', () => {
  it('routes on the request path, ignores the query, takes the absolute form, and calls next() for other paths', async () => {
    const { upstream, seen, url } = await recordingUpstream();
    const config = parseConfig(`
upstreams:
  - name: main
    url: ${url}
routes:
  - path: /mcp
    upstream: main
policy:
  rules:
    - name: redact-secrets
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}"]
`);
    const audits: GatewayAuditEvent[] = [];
    const gateway = mcpGateway({ handle: new PolicyHandle(compilePolicy(config)), upstreams: config.upstreams, routes: config.routes, onAudit: (event) => audits.push(event) });
    const unrouted: string[] = [];
    const server = createServer((req, res) =>
      gateway(req as Parameters<typeof gateway>[0], res as Parameters<typeof gateway>[1], () => {
        unrouted.push(req.url ?? '');
        res.writeHead(404).end();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: AWS_KEY } } });
      expect((await post(`${origin}/mcp?tenant=a`, call)).status).toBe(200);
      expect(seen[0]?.body).toContain('[REDACTED]');
      expect(audits).toMatchObject([{ action: 'redact', upstream: 'main', client: '127.0.0.1' }]);
      // The absolute form of the request target (RFC 9112 §3.2.2), as a client speaking to a proxy sends it.
      const absolute = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: new URL(origin).port, path: `${origin}/mcp`, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(ping(2));
      });
      expect(absolute).toBe(200);
      expect(seen).toHaveLength(2);
      expect((await post(`${origin}/other`, ping(3))).status).toBe(404);
      expect((await post(`${origin}/mcp/`, ping(4))).status).toBe(404);
      expect(unrouted).toEqual(['/other', '/mcp/']);
      expect(seen).toHaveLength(2);
    } finally {
      gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await upstream.close();
    }
  });
});
