import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RefusalAuditEvent } from '../src/index.js';
import { eventually, post } from './fixtures/client.js';
import { startGateway, type TestGateway } from './fixtures/gateway.js';
import { startRawUpstream, type RawUpstream } from './fixtures/raw-upstream.js';

const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';

describe('every refusal is audited', () => {
  let upstream: RawUpstream;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startRawUpstream((_req, res) => void res.writeHead(202).end());
    gateway = await startGateway(upstream.url, {
      rules: `
    - name: no-roots-changes
      action: deny
      match: { method: notifications/roots/list_changed }
    - name: redact-keys
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}"]
`,
      extra: { limits: { bodyBytes: 1024 } },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  const refusals = () => gateway.audits.filter((event): event is RefusalAuditEvent & (typeof gateway.audits)[number] => (event as { event: string }).event === 'request_refused') as unknown as RefusalAuditEvent[];

  it('a denied notification: a decision event, as for a request', async () => {
    gateway.audits.length = 0;
    const response = await post(gateway.url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' }));
    expect(response.status).toBe(403);
    await eventually(() => gateway.audits.length === 1);
    expect(gateway.audits[0]).toMatchObject({ event: 'decision', method: 'notifications/roots/list_changed', id: null, action: 'deny', rules: ['no-roots-changes'], status: 403, error_code: -32003 });
  });

  it.each([
    ['a parse error', { body: '{"jsonrpc":', headers: {} }, 'parse_error', 400, -32700],
    ['a body over the limit', { body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(2000) } }), headers: {} }, 'body_too_large', 413, -32600],
    ['a Content-Encoding the gateway cannot read', { body: 'x', headers: { 'content-encoding': 'zstd' } }, 'unsupported_encoding', 415, -32600],
    ['a 2026-era batch', { body: JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'ping' }]), headers: { 'mcp-protocol-version': '2026-07-28' } }, 'invalid_request', 400, -32600],
    ['an empty batch', { body: '[]', headers: {} }, 'invalid_request', 400, -32600],
  ])('%s: a request_refused event', async (_, { body, headers }, reason, status, code) => {
    gateway.audits.length = 0;
    const response = await post(gateway.url, body, headers);
    expect(response.status).toBe(status);
    await eventually(() => gateway.audits.length === 1);
    expect(gateway.audits[0]).toMatchObject({ event: 'request_refused', upstream: 'main', http_method: 'POST', reason, status, error_code: code, client: '127.0.0.1' });
  });

  it('an Origin refused: a request_refused event whose message holds no secret', async () => {
    gateway.audits.length = 0;
    const response = await post(gateway.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { origin: `https://${AWS_KEY}.example` });
    expect(response.status).toBe(403);
    await eventually(() => gateway.audits.length === 1);
    expect(gateway.audits[0]).toMatchObject({ event: 'request_refused', reason: 'origin_forbidden', status: 403, message: 'Origin "https://[REDACTED].example" is not allowed' });
    expect(JSON.stringify(gateway.audits)).not.toContain(AWS_KEY);
  });

  it('a body on a GET, a method MCP does not use: request_refused events', async () => {
    gateway.audits.length = 0;
    expect((await fetch(gateway.url, { method: 'PUT', body: '{}' })).status).toBe(405);
    const withBody = await fetch(gateway.url, { method: 'DELETE', body: gzipSync('x'), headers: { 'content-type': 'application/json' } });
    expect(withBody.status).toBe(400);
    await eventually(() => gateway.audits.length === 2);
    expect(gateway.audits.map((event) => (event as RefusalAuditEvent).reason)).toEqual(['method_not_allowed', 'invalid_request']);
  });

  it('a flood of refusals is thinned: a few a second are written, and the next one counts those left out', async () => {
    gateway.audits.length = 0;
    for (let i = 0; i < 200; i++) await post(gateway.url, '{');
    // Ten at once, then the flood is left out; a second later its newest one is written with the count of the rest.
    expect(refusals().length).toBeGreaterThanOrEqual(10);
    expect(refusals().length).toBeLessThan(40);
    const accounted = () => refusals().reduce((sum, event) => sum + 1 + (event.suppressed ?? 0), 0);
    await eventually(() => accounted() === 200, 3000);
    expect(refusals().some((event) => (event.suppressed ?? 0) > 0)).toBe(true);
    expect(refusals().length).toBeLessThan(40);
  });
});
