// Finding 4 of the attack review in review-findings.test.ts, measured on the
// heap (slow tier: a heap bound belongs with the soak and the fault suites,
// not in npm test). The registry kept the whole TrackedRequest, and so the
// whole forwarded request message (decision.message: up to limits.bodyBytes,
// 4 MiB by default), for 10 minutes, also for requests whose HTTP exchange is
// over and whose answer will never come (a session the upstream does not
// know: 404, id null). 20,000 entries x 4 MiB: the bound on entries is not a
// bound on memory. Cause: outstanding-requests.ts Entry.tracked (the whole
// TrackedRequest: decision.message, origin.context.headers) kept after the
// exchange closed; exchange.ts #closed leaves unanswered entries in place.
//
// The margin: 64 calls of 1 MiB each would keep 64 MiB if each body were
// remembered; the bound is 16 MiB, a quarter of that, well above what the
// gateway's buffers and the test's own allocations move the heap by.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../packages/express-adapter/test/fixtures/gateway.js';
import { startRawUpstream, type RawUpstream } from '../../packages/express-adapter/test/fixtures/raw-upstream.js';
import { rpc } from './wire.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function gatewayFor(handler: Parameters<typeof startRawUpstream>[0]): Promise<{ upstream: RawUpstream; gateway: TestGateway }> {
  const upstream = await startRawUpstream(handler);
  const gateway = await startGateway(upstream.url);
  cleanups.push(() => upstream.close(), () => gateway.close());
  return { upstream, gateway };
}

describe('finding 4: each remembered request keeps its whole request body alive for outstandingMs', () => {
  it('64 refused 1 MiB calls in made-up sessions leave no 64 MiB behind', async () => {
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const { upstream, gateway } = await gatewayFor((_req, res) => {
      // What the SDK server answers a session it does not know.
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
    });
    const big = 'x'.repeat(1024 * 1024);
    // Warm up (code, buffers), then measure.
    for (let i = 0; i < 4; i++) await rpc(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: big } } }, { 'mcp-session-id': `warm-${i}` });
    upstream.received.length = 0;
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 64; i++) {
      const answer = await rpc(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: `${i}${big}` } } }, { 'mcp-session-id': `made-up-${i}` });
      expect(answer.status).toBe(404);
    }
    upstream.received.length = 0;
    await sleep(50);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown).toBeLessThan(16 * 1024 * 1024);
  });
});
