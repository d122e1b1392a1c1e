import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy, parseConfig, PolicyHandle } from '@mcpgw/core';
import { mcpGateway, type McpGatewayMiddleware } from '../src/index.js';
import { connect } from './fixtures/client.js';
import { startUpstream, type TestUpstream } from './fixtures/upstream.js';

// docs/express.md: mount the gateway with app.use('/mcp', gateway); routes[].path
// is still the exact request path on the gateway (SPEC §2), whatever the mount.

let alpha: TestUpstream;
let beta: TestUpstream;
let running: Array<{ server: Server; gateway: McpGatewayMiddleware }> = [];

beforeAll(async () => {
  [alpha, beta] = await Promise.all([startUpstream(), startUpstream()]);
});
afterAll(async () => {
  await Promise.all([alpha?.close(), beta?.close()]);
});
afterEach(async () => {
  for (const { server, gateway } of running) {
    gateway.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  running = [];
});

function gatewayFor(routing: string): McpGatewayMiddleware {
  const config = parseConfig(`
upstreams:
  - name: alpha
    url: ${alpha.url}
  - name: beta
    url: ${beta.url}
${routing}
policy:
  rules:
    - name: deny-exec
      action: deny
      match: { method: tools/call, tool: "^exec$" }
`);
  return mcpGateway({
    handle: new PolicyHandle(compilePolicy(config)),
    upstreams: config.upstreams,
    routes: config.routes,
    ...(config.default_upstream === undefined ? {} : { defaultUpstream: config.default_upstream }),
  });
}

/** The app after `build` mounted its gateway, with a later route `GET /status` and Express's own 404. */
async function listen(gateway: McpGatewayMiddleware, build: (app: Express) => void): Promise<string> {
  const app = express();
  build(app);
  app.get('/status', (_req, res) => void res.json({ status: 'app' }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  running.push({ server, gateway });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Calls `echo` with an SDK client at `url`; returns which upstream saw the call. */
async function echoVia(url: string, text: string): Promise<string[]> {
  const { client } = await connect(url);
  await client.callTool({ name: 'echo', arguments: { text } });
  await client.close();
  const saw = (upstream: TestUpstream) => upstream.log.calls.some((call) => call.args['text'] === text);
  return [...(saw(alpha) ? ['alpha'] : []), ...(saw(beta) ? ['beta'] : [])];
}

describe("mcpGateway mounted with app.use('/mcp', gateway)", () => {
  it('matches routes against the full request path: /mcp and /mcp/beta reach their own upstreams', async () => {
    const gateway = gatewayFor(`routes:
  - path: /mcp
    upstream: alpha
  - path: /mcp/beta
    upstream: beta`);
    const base = await listen(gateway, (app) => app.use('/mcp', gateway));

    expect(await echoVia(`${base}/mcp`, 'to the mount path')).toEqual(['alpha']);
    expect(await echoVia(`${base}/mcp/beta`, 'to a path below it')).toEqual(['beta']);
    const { client } = await connect(`${base}/mcp`);
    await expect(client.callTool({ name: 'exec', arguments: { cmd: 'id' } })).rejects.toMatchObject({ code: -32003 });
    await client.close();
    // A path is exact: /mcp/ is no route here, so Express answers it (404).
    expect((await fetch(`${base}/mcp/`, { method: 'POST', body: '{}' })).status).toBe(404);
    // Routes after the gateway still answer.
    expect(await (await fetch(`${base}/status`)).json()).toEqual({ status: 'app' });
  });

  it('matches the full path in a router mounted under another prefix too', async () => {
    const gateway = gatewayFor(`routes:
  - path: /api/mcp
    upstream: beta`);
    const base = await listen(gateway, (app) => {
      const router = express.Router();
      router.use('/mcp', gateway);
      app.use('/api', router);
    });
    expect(await echoVia(`${base}/api/mcp`, 'through a router')).toEqual(['beta']);
  });

  it('with default_upstream, serves every path under /mcp and leaves the app its other routes', async () => {
    const gateway = gatewayFor('default_upstream: alpha');
    const base = await listen(gateway, (app) => app.use('/mcp', gateway));
    expect(await echoVia(`${base}/mcp`, 'default, mounted')).toEqual(['alpha']);
    expect(await echoVia(`${base}/mcp/anything`, 'default, below the mount')).toEqual(['alpha']);
    expect(await (await fetch(`${base}/status`)).json()).toEqual({ status: 'app' });
  });

  it('mounted at the root with default_upstream, it captures every later route', async () => {
    const gateway = gatewayFor('default_upstream: alpha');
    const base = await listen(gateway, (app) => app.use(gateway));
    const status = await fetch(`${base}/status`, { headers: { accept: 'text/event-stream' } });
    // The upstream answered (no MCP session), not the app's /status route.
    expect(status.status).toBe(400);
    expect(await status.text()).not.toContain('"app"');
  });
});
