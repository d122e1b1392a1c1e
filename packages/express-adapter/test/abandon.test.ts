import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayError, UpstreamOutcome } from '../src/index.js';
import { eventually } from './fixtures/client.js';
import { startGateway, type TestGateway } from './fixtures/gateway.js';
import { startRawUpstream, type RawUpstream } from './fixtures/raw-upstream.js';

const call = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'slow', arguments: {} } });
const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('abandon(): a shutdown that gives up on requests in flight', () => {
  let upstream: RawUpstream | undefined;
  let gateway: TestGateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    await upstream?.close();
    gateway = upstream = undefined;
  });

  async function start(respond: (res: import('node:http').ServerResponse) => void) {
    upstream = await startRawUpstream((_req, res) => respond(res));
    const errors: GatewayError[] = [];
    const outcomes: UpstreamOutcome[] = [];
    gateway = await startGateway(upstream.url, { extra: { onError: (error) => errors.push(error), onUpstreamOutcome: (outcome) => outcomes.push(outcome) } });
    return { errors, outcomes };
  }

  it('audits a request still waiting for its upstream once, as abandoned with no status (none was sent), and drops its connection', async () => {
    const { errors, outcomes } = await start(() => undefined);
    const answer = fetch(gateway!.url, { method: 'POST', headers, body: call(7) });
    await eventually(() => upstream!.received.length === 1);
    expect(gateway!.audits).toEqual([]);

    expect(gateway!.abandon()).toBe(1);
    // Written before abandon() returned: a forced exit right after it loses nothing.
    expect(gateway!.audits).toEqual([expect.objectContaining({ event: 'decision', id: 7, tool: 'slow', action: 'allow', status: null, outcome: 'abandoned' })]);
    await expect(answer).rejects.toThrow();
    await eventually(() => gateway!.handle.inFlight() === 0);
    // Nothing more for it when its connection closes, and the gateway's own cancellation is not the upstream's failure.
    expect(gateway!.audits).toHaveLength(1);
    expect(errors).toEqual([]);
    expect(outcomes).toEqual([]);
    expect(gateway!.abandon()).toBe(0);
  });

  it('gives a request whose event stream had begun the status sent', async () => {
    await start((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } })}\n\n`);
    });
    const response = await fetch(gateway!.url, { method: 'POST', headers, body: call(8) });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();

    expect(gateway!.abandon()).toBe(1);
    expect(gateway!.audits).toEqual([expect.objectContaining({ id: 8, status: 200, outcome: 'abandoned' })]);
    await expect(reader.read()).rejects.toThrow();
    await eventually(() => gateway!.handle.inFlight() === 0);
    expect(gateway!.audits).toHaveLength(1);
  });
});
