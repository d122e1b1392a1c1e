import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamHealth, type UpstreamOutcome } from '../src/index.js';
import { eventually, post } from './fixtures/client.js';
import { startGateway, type TestGateway } from './fixtures/gateway.js';

const call = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: {} } });

/** A port nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** An upstream on `port` that answers every POST with a result, or holds it for `holdMs`. */
async function listenOn(port: number, holdMs = 0): Promise<Server> {
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: (JSON.parse(body) as { id: number }).id, result: {} }));
      if (holdMs > 0) setTimeout(answer, holdMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('onUpstreamOutcome and UpstreamHealth', () => {
  let gateway: TestGateway | undefined;
  let upstream: Server | undefined;
  afterEach(async () => {
    await gateway?.close();
    upstream?.closeAllConnections();
    await new Promise<void>((resolve) => (upstream === undefined ? resolve() : upstream.close(() => resolve())));
    gateway = undefined;
    upstream = undefined;
  });

  it('reports a failure with its kind and the client-safe message, and a later answer makes the upstream ok again', async () => {
    const port = await freePort();
    const health = new UpstreamHealth(['main']);
    const outcomes: UpstreamOutcome[] = [];
    gateway = await startGateway(`http://127.0.0.1:${port}/mcp`, {
      extra: {
        onUpstreamOutcome: (outcome) => {
          outcomes.push(outcome);
          health.record(outcome);
        },
      },
    });
    expect(health.report()).toEqual({ main: { status: 'unknown', last_success: null, last_failure: null } });

    const before = Date.now();
    expect((await post(gateway.url, call(1))).status).toBe(502);
    expect(outcomes).toMatchObject([{ upstream: 'main', ok: false, kind: 'unreachable', message: 'upstream "main" is unreachable' }]);
    // The whole error stays available to the operator's code, socket error included.
    expect(outcomes[0]?.ok === false && outcomes[0].error.detail).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
    const failing = health.report()['main'];
    expect(failing).toEqual({ status: 'failing', last_success: null, last_failure: { time: expect.any(String), kind: 'unreachable', message: 'upstream "main" is unreachable' } });
    expect(Date.parse(failing?.last_failure?.time ?? '')).toBeGreaterThanOrEqual(before - 1);

    upstream = await listenOn(port);
    expect((await post(gateway.url, call(2))).status).toBe(200);
    const recovered = health.report()['main'];
    expect(recovered?.status).toBe('ok');
    expect(Date.parse(recovered?.last_success ?? '')).toBeGreaterThanOrEqual(Date.parse(failing?.last_failure?.time ?? ''));
    // The failure stays on record until a newer one replaces it.
    expect(recovered?.last_failure).toEqual(failing?.last_failure);
  });

  it('does not count a request the client abandoned as the upstream failing', async () => {
    const port = await freePort();
    upstream = await listenOn(port, 1_000);
    const outcomes: UpstreamOutcome[] = [];
    gateway = await startGateway(`http://127.0.0.1:${port}/mcp`, { extra: { onUpstreamOutcome: (outcome) => void outcomes.push(outcome) } });
    const abandoned = fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: call(1), signal: AbortSignal.timeout(200) });
    await expect(abandoned).rejects.toThrow();
    await eventually(() => gateway?.handle.inFlight() === 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(outcomes).toEqual([]);
  });

  it('a listener that throws does not break the request', async () => {
    const port = await freePort();
    upstream = await listenOn(port);
    gateway = await startGateway(`http://127.0.0.1:${port}/mcp`, {
      extra: {
        onUpstreamOutcome: () => {
          throw new Error('listener bug');
        },
      },
    });
    expect((await post(gateway.url, call(1))).json).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
  });
});
