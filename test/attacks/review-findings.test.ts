// Findings of the attack review of 3854b0c..aeb94a6 (answers placed across
// streams, notification streams across reloads, refusal audit thinning,
// answer decoding, whole-batch decisions). Each `describe` is one finding;
// its tests fail until the gateway is fixed (tests named "control" pass: they
// show the mechanism works without the attack). Tests of things that held
// are at the end. Finding 4 is measured in review-findings-heap.slow.test.ts.
// Findings 1, 2, 7 and 9 (and the race of 5) already fail at
// 3854b0c; 3, 4, 6 and 8 come with today's changes.

import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { compilePolicy, parseConfig, PolicyHandle } from '@mcpgw/core';
import { mcpGateway, type GatewayAuditEvent } from '../../packages/express-adapter/src/index.js';
import { configText, POLICY, startGateway, type TestGateway } from '../../packages/express-adapter/test/fixtures/gateway.js';
import { startRawUpstream, type RawUpstream } from '../../packages/express-adapter/test/fixtures/raw-upstream.js';
import { rpc, sseData } from './wire.js';

const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
/** The same key as a JSON string escape: the text holds no match, the parsed string does. */
const ESCAPED_KEY = '\\u0041KIAIOSFODNN7EXAMPLE';
const SECRET = /AKIA[0-9A-Z]{16}/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Json = Record<string, any>;

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** The gateway in an Express app, like the fixture's, but with its middleware (closeStreams) and the handle's options at hand. */
async function ownGateway(upstreamUrl: string, handleOptions: ConstructorParameters<typeof PolicyHandle>[1] = {}) {
  const config = parseConfig(configText(upstreamUrl));
  const handle = new PolicyHandle(compilePolicy(config), handleOptions);
  const audits: GatewayAuditEvent[] = [];
  const middleware = mcpGateway({ handle, upstreams: config.upstreams, defaultUpstream: 'main', onAudit: (event) => audits.push(event) });
  const app = express();
  app.use(middleware);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  cleanups.push(async () => {
    middleware.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, handle, audits, middleware };
}

/** A scripted upstream and the fixture's gateway in front of it (the fixture's POLICY, or `rules`). */
async function gatewayFor(handler: Parameters<typeof startRawUpstream>[0], rules?: string): Promise<{ upstream: RawUpstream; gateway: TestGateway }> {
  const upstream = await startRawUpstream(handler);
  const gateway = await startGateway(upstream.url, rules === undefined ? {} : { rules });
  cleanups.push(() => upstream.close(), () => gateway.close());
  return { upstream, gateway };
}

/**
 * The part of a 2025-era server an SDK client needs before it calls tools:
 * initialize (answered with a session), notifications/initialized (202), and
 * the standalone GET stream (405 unless `onGet` serves it). Returns whether
 * it answered the request.
 */
function handshake(req: IncomingMessage, res: ServerResponse, body: string, onGet?: (res: ServerResponse, count: number) => boolean): boolean {
  if (req.method === 'GET') {
    handshake.gets++;
    if (onGet?.(res, handshake.gets) === true) return true;
    res.writeHead(405).end();
    return true;
  }
  if (req.method === 'DELETE') {
    res.writeHead(200).end();
    return true;
  }
  const message = JSON.parse(body) as Json;
  if (message['method'] === 'initialize') {
    res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'session-1' });
    res.end(JSON.stringify({ jsonrpc: '2.0', id: message['id'], result: { protocolVersion: '2025-06-18', capabilities: { tools: {}, logging: {} }, serverInfo: { name: 'raw', version: '1' } } }));
    return true;
  }
  if (message['id'] === undefined) {
    res.writeHead(202).end();
    return true;
  }
  return false;
}
handshake.gets = 0;

async function sdkClient(url: string, onLog?: (data: unknown) => void): Promise<Client> {
  const client = new Client({ name: 'review-client', version: '1.0.0' });
  if (onLog !== undefined) client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => onLog(notification.params.data));
  // Errors the transport reports (a failed reconnect) are not what these tests look at.
  client.onerror = () => undefined;
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  cleanups.push(() => client.close());
  return client;
}

// ---------------------------------------------------------------------------
// Finding 1: the SSE parser and the SDK client's parser disagree on the first
// line of a stream. eventsource-parser (what the SDK client uses) drops a
// leading "ï»¿" (U+00EF U+00BB U+00BF: a UTF-8 BOM decoded as Latin-1) from
// the first chunk it is fed; the gateway strips only U+FEFF. So the gateway
// sees the first line as an unknown field (redacted as text: JSON escapes not
// resolved, no tools list filtered), the client sees `data:`.
// Cause: packages/express-adapter/src/sse-parser.ts #takeLine (BOM) and #line
// (field vs data); sse-transform.ts passes field lines to redactText only.
// ---------------------------------------------------------------------------
describe('finding 1: an SSE stream whose first line starts with "ï»¿" is data to the SDK client, a field line to the gateway', () => {
  const MOJIBAKE_BOM = '\u00ef\u00bb\u00bf';

  async function start() {
    return gatewayFor((req, res, body) => {
      if (handshake(req, res, body)) return;
      const message = JSON.parse(body) as Json;
      const answer =
        message['method'] === 'tools/list'
          ? { jsonrpc: '2.0', id: message['id'], result: { tools: [{ name: 'exec', inputSchema: { type: 'object' } }, { name: 'echo', inputSchema: { type: 'object' } }] } }
          : { jsonrpc: '2.0', id: message['id'], result: { content: [{ type: 'text', text: `key ${AWS_KEY}` }] } };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${MOJIBAKE_BOM}data: ${JSON.stringify(answer).replace(AWS_KEY, ESCAPED_KEY)}\n\n`);
    });
  }

  it('a secret in a tool result reaches the SDK client', async () => {
    const { gateway } = await start();
    const client = await sdkClient(gateway.url);
    const result = await client.callTool({ name: 'echo', arguments: {} });
    expect(JSON.stringify(result)).not.toMatch(SECRET);
  });

  it('a denied tool is listed to the SDK client', async () => {
    const { gateway } = await start();
    const client = await sdkClient(gateway.url);
    const listed = await client.listTools();
    expect(listed.tools.map((tool) => tool.name)).toEqual(['echo']);
  });
});

// ---------------------------------------------------------------------------
// Finding 2: the SDK client reads a GET stream's body as SSE whatever its
// Content-Type (client/streamableHttp.js _startOrAuthSse -> _handleSseStream,
// no media type check); the gateway decides SSE from the Content-Type only,
// and reads any other body as a whole text, redacted as text.
// Cause: deliver-response.ts deliverResponse (`type === 'text/event-stream'`)
// and deliverWhole (a body that is not JSON -> policy.redactText).
// ---------------------------------------------------------------------------
describe('finding 2: a GET stream sent as text/plain is SSE to the SDK client, text to the gateway', () => {
  /** A gateway whose upstream answers the first standalone GET with one notification carrying a secret, under `contentType`. */
  async function gatewayWithGetNote(contentType: string): Promise<TestGateway> {
    handshake.gets = 0;
    const { gateway } = await gatewayFor((req, res, body) => {
      handshake(req, res, body, (get, count) => {
        if (count > 1) return false;
        const note = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `log ${AWS_KEY}` } };
        get.writeHead(200, { 'content-type': contentType });
        get.end(`data: ${JSON.stringify(note).replace(AWS_KEY, ESCAPED_KEY)}\n\n`);
        return true;
      });
    });
    return gateway;
  }

  // Fixed by refusing (502) a successful GET answer that is not an event stream: no reading of it is safe for every client.
  it('a secret in a notification on the standalone GET stream never reaches the SDK client', async () => {
    const gateway = await gatewayWithGetNote('text/plain');
    const logs: unknown[] = [];
    await sdkClient(gateway.url, (data) => logs.push(data));
    // The SDK client's GET was answered (with 502 by the gateway); give a leak every chance to show.
    await expect.poll(() => handshake.gets).toBeGreaterThan(0);
    await sleep(500);
    expect(JSON.stringify(logs)).not.toMatch(SECRET);
  });

  it('the same notification with Content-Type text/event-stream is redacted (control)', async () => {
    const gateway = await gatewayWithGetNote('text/event-stream');
    const logs: unknown[] = [];
    await sdkClient(gateway.url, (data) => logs.push(data));
    await expect.poll(() => logs.length).toBeGreaterThan(0);
    expect(logs).toEqual(['log [REDACTED]']);
  });
});

// ---------------------------------------------------------------------------
// Finding 3: an id two outstanding requests of a session share is detected
// only among the requests the registry remembers. Once a session holds 1,000
// remembered requests (OUTSTANDING_PER_SESSION) a new request is not
// remembered, and neither is its ambiguity: the answer to one request,
// arriving on the stream of another with the same id, gets that other
// request's (weaker) scope. Cause: outstanding-requests.ts add() (`count >=
// maxPerSession` returns before the duplicate check can matter for later
// requests; `ambiguous` lives only on the stored entry and the new request),
// exchange.ts answering() (own request first), rewrite-server-message.ts
// (everyResponseRule only when tracked.ambiguous).
// ---------------------------------------------------------------------------
describe('finding 3: past 1,000 remembered requests in a session, an id shared by two requests is no longer ambiguous', () => {
  const RULES = `
    - name: redact-secret-tool
      action: redact
      direction: response
      match: { method: tools/call, tool: "^get_secret$" }
      patterns: ["AKIA[0-9A-Z]{16}"]
`;
  const SESSION = 'session-ambiguity';

  async function start() {
    const held: ServerResponse[] = [];
    const env = await gatewayFor((req, res, body) => {
      const message = JSON.parse(body) as Json | Json[];
      if (!String(req.headers.accept).includes('text/event-stream')) {
        // What the SDK server answers a POST that does not accept SSE: 406, id null.
        res.writeHead(406, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Not Acceptable' }, id: null }));
        return;
      }
      const call = message as Json;
      if (call['params']?.name === 'get_secret') {
        // The secret tool is slow: its POST stream stays open.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': working\n\n');
        held.push(res);
        return;
      }
      // The server's id -> stream map was overwritten by the second request with id 7
      // (as the SDK server's _requestToStreamMapping is): the secret tool's answer comes here.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: call['id'], result: { content: [{ type: 'text', text: `secret ${AWS_KEY}` }] } }));
    }, RULES);
    cleanups.unshift(() => held.forEach((res) => res.destroy()));
    return env;
  }

  async function sameIdTwice(url: string) {
    const headers = { 'mcp-session-id': SESSION };
    const secretCall = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'get_secret', arguments: {} } }),
    });
    const held = await secretCall;
    cleanups.unshift(() => held.body?.cancel());
    return rpc(url, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: {} } }, headers);
  }

  it('control: with few requests remembered, the answer to a shared id is redacted with every response rule', async () => {
    const { gateway } = await start();
    const answer = await sameIdTwice(gateway.url);
    expect(answer.text).not.toMatch(SECRET);
    expect(answer.text).toContain('[REDACTED]');
  });

  it('after a batch of 1,000 requests the upstream refused (406, id null), the answer passes with the other request\'s scope', async () => {
    const { gateway } = await start();
    // Batches hold at most 100 messages (limits.batchMessages): 10 of them.
    for (let b = 0; b < 10; b++) {
      const filler = Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', id: 10_000 + b * 100 + i, method: 'ping' }));
      const refused = await rpc(gateway.url, filler, { 'mcp-session-id': SESSION, accept: 'application/json' });
      expect(refused.status).toBe(406);
    }
    const answer = await sameIdTwice(gateway.url);
    expect(answer.text).not.toMatch(SECRET);
  });
});

describe('finding 3 (variant): the ambiguity of an id is forgotten when the one remembered request with it is answered', () => {
  const RULES = `
    - name: redact-secret-tool
      action: redact
      direction: response
      match: { method: tools/call, tool: "^get_secret$" }
      patterns: ["AKIA[0-9A-Z]{16}"]
`;
  it('A (id 7) and B (id 7, the secret tool) outstanding; A answered; C (id 7): B\'s answer on C\'s stream is still redacted', async () => {
    const held = new Map<string, ServerResponse>();
    const { gateway } = await gatewayFor((_req, res, body) => {
      const call = JSON.parse(body) as Json;
      const tag = String(call['params']?.arguments?.tag);
      if (tag === 'C') {
        // This server routes an answer to the stream it first saw for the id, and that
        // stream is gone: B's answer goes to the stream of the newest request with id 7.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: `secret ${AWS_KEY}` }] } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': working\n\n');
      held.set(tag, res);
    }, RULES);
    cleanups.unshift(() => held.forEach((res) => res.destroy()));
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': 'session-abc' };
    const call = (tag: string, name: string) =>
      fetch(gateway.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: { tag } } }) });
    const a = await call('A', 'echo');
    await expect.poll(() => held.has('A')).toBe(true);
    const b = await call('B', 'get_secret');
    cleanups.unshift(() => b.body?.cancel());
    await expect.poll(() => held.has('B')).toBe(true);
    // A is answered on its own stream.
    held.get('A')?.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'A done' }] } })}\n\n`);
    expect(await a.text()).toContain('A done');
    // B is still outstanding; C reuses the id.
    const c = await call('C', 'echo');
    expect(await c.text()).not.toMatch(SECRET);
  });
});

// ---------------------------------------------------------------------------
// Finding 4 (each remembered request kept its whole request body alive for
// outstandingMs) is a heap measurement: review-findings-heap.slow.test.ts, in
// the slow tier.
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// Finding 5: a 2026-era subscriptions/listen stream joins the streams that
// move to each new generation only after its body has been read and decided;
// its lease is taken when the request arrives. A swap while the body is being
// read is missed: the stream stays on the old generation for its whole life
// (new redact rules never apply to it, the old generation never drains).
// Cause: exchange.ts constructor (lease acquired) vs #post (#longLived() only
// after `await readMessages` and `await evaluateBatch`); mcp-gateway.ts
// onSwap repins only runtime.streams, closeStreams() ends only those.
// ---------------------------------------------------------------------------
describe('finding 5: a swap while a subscriptions/listen body is being read is never applied to that stream', () => {
  const LISTEN = {
    jsonrpc: '2.0',
    id: 'listen-1',
    method: 'subscriptions/listen',
    params: {
      notifications: { toolsListChanged: true },
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'review', version: '1' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  };

  it('a notification pushed after the swap is redacted with the new rules, and generation 1 drains', async () => {
    const listens: ServerResponse[] = [];
    const { gateway, upstream } = await gatewayFor((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: {} })}\n\n`);
      listens.push(res);
    });
    cleanups.unshift(() => listens.forEach((res) => res.destroy()));
    const body = Buffer.from(JSON.stringify(LISTEN));
    const received: string[] = [];
    const req = httpRequest(gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'content-length': body.length,
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'subscriptions/listen',
      },
    });
    req.on('response', (res) => res.on('data', (chunk: Buffer) => received.push(chunk.toString('utf8'))));
    cleanups.unshift(() => void req.destroy());
    req.flushHeaders();
    req.write(body.subarray(0, 10));
    await expect.poll(() => gateway.handle.inFlight(1)).toBe(1);

    gateway.handle.swap(compilePolicy(parseConfig(configText(upstream.url, `${POLICY}
    - name: redact-markers
      action: redact
      direction: response
      patterns: ["marker-[0-9]+"]
`))));
    req.end(body.subarray(10));
    await expect.poll(() => listens.length).toBe(1);
    await expect.poll(() => received.join('')).toContain('acknowledged');

    listens[0]?.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed', params: { note: 'after marker-2' } })}\n\n`);
    await expect.poll(() => received.join('')).toContain('list_changed');
    expect(received.join('')).not.toContain('marker-2');
    expect(gateway.handle.inFlight(1)).toBe(0);
  });
});

// ---------------------------------------------------------------------------
// Finding 6: the envelope of a server message (its method, a server-chosen
// id) is to be redacted with every pattern of the policy (docs/policy.md,
// docs/express.md). The pass-through shortcut only asks whether a
// *response* pattern occurs; a request-direction pattern in a server
// notification's method goes out unless the text happens to hold a backslash.
// Cause: rewrite-server-message.ts rewriteServerBody/patternsMayOccur uses
// policy.responsePatternsMayOccur (response patterns), while redactEnvelope
// uses policy.redactText (all patterns).
// ---------------------------------------------------------------------------
describe('finding 6: a pattern in a server notification\'s method gets the same treatment whether or not the event holds a backslash', () => {
  // Fixed by redacting a server's method and id with the response rules (as the rest of a
  // server message), which the pass-through check covers: a request-only rule applies to neither.
  it.each([
    ['response', 'notifications/[REDACTED]'],
    ['request', `notifications/${AWS_KEY}`],
  ])('a %s-direction rule', async (direction, expected) => {
    const rules = `
    - name: redact-keys
      action: redact
      direction: ${direction}
      patterns: ["AKIA[0-9A-Z]{16}"]
`;
    const { gateway } = await gatewayFor((_req, res, body) => {
      const message = JSON.parse(body) as Json;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: {"jsonrpc":"2.0","method":"notifications/${AWS_KEY}","params":{}}\n\n`);
      res.write(`data: {"jsonrpc":"2.0","method":"notifications/${AWS_KEY}","params":{"note":"a\\\\b"}}\n\n`);
      res.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id: message['id'], result: {} })}\n\n`);
    }, rules);
    const answer = await rpc(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: {} } });
    const methods = sseData(answer.text).map((data) => (JSON.parse(data) as Json)['method']);
    expect(methods.slice(0, 2)).toEqual([expected, expected]);
  });
});

describe('finding 5 (shutdown): closeStreams() misses a subscriptions/listen whose body is still being read', () => {
  it('a listen stream admitted before closeStreams() is ended by it, and holds no lease', async () => {
    const listens: ServerResponse[] = [];
    const upstream = await startRawUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: {} })}\n\n`);
      listens.push(res);
    });
    cleanups.push(() => upstream.close());
    const gateway = await ownGateway(upstream.url);
    cleanups.unshift(() => listens.forEach((res) => res.destroy()));
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 'listen-2', method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } } }));
    let ended = false;
    const req = httpRequest(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': body.length, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
    });
    req.on('response', (res) => {
      res.resume();
      res.once('end', () => (ended = true));
    });
    req.on('error', () => undefined);
    cleanups.unshift(() => void req.destroy());
    req.flushHeaders();
    req.write(body.subarray(0, 10));
    await expect.poll(() => gateway.handle.inFlight()).toBe(1);
    // What the daemon does on SIGTERM: end every notification stream, then wait for in-flight requests to finish.
    gateway.middleware.closeStreams();
    req.end(body.subarray(10));
    // Once decided, it is ended at once, not forwarded: the drain does not wait for it.
    await expect.poll(() => ended).toBe(true);
    await sleep(100);
    expect({ forwarded: listens.length, inFlight: gateway.handle.inFlight() }).toEqual({ forwarded: 0, inFlight: 0 });
  });
});

// ---------------------------------------------------------------------------
// Finding 7: a whole body that is not UTF-8 and declares no charset is
// redacted as Latin-1 but sent as its own bytes. A client decoding it as
// UTF-8 (fetch's text(), a browser, the SDK's TextDecoderStream on a GET)
// sees characters the redactor never saw: a pattern with non-ASCII characters
// matches what the client reads, not what the gateway read.
// Cause: body-text.ts bodyText (Latin-1 fallback) and deliverWhole (`out` is
// the upstream's bytes when nothing was replaced).
// ---------------------------------------------------------------------------
describe('finding 7: a non-UTF-8 body without a charset is redacted as Latin-1, read by clients as UTF-8', () => {
  it('a secret written in UTF-8 next to one invalid byte reaches a UTF-8 reader', async () => {
    const rules = `
    - name: redact-cyrillic-secret
      action: redact
      patterns: ["секрет-[0-9]+"]
`;
    const { gateway } = await gatewayFor((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(Buffer.concat([Buffer.from('error: секрет-42 '), Buffer.from([0xff])]));
    }, rules);
    const answer = await rpc(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: {} } });
    expect(answer.text).not.toContain('секрет-42');
  });
});

// ---------------------------------------------------------------------------
// Finding 8: the registry's global bound (20,000) is shared by every client,
// and anyone can fill it: requests in made-up sessions, which the upstream
// refuses (404, id null), are remembered for 10 minutes, 1,000 per made-up
// session, so 20 batch POSTs evict every other client's remembered requests.
// A request whose answer then arrives on its resumed stream is audited as
// `no_response` although it was answered, and its answer, no longer placed,
// is redacted with every response rule. Cause: outstanding-requests.ts (one
// global bound, no bound per client; a session the upstream refuses still
// gets entries: exchange.ts #post adds before forwarding and nothing removes
// an entry whose answer is an id-null error).
// ---------------------------------------------------------------------------
describe('finding 8: one client can evict every other session\'s remembered requests', () => {
  const RULES = `
    - name: redact-secret-tool
      action: redact
      direction: response
      match: { method: tools/call, tool: "^get_secret$" }
      patterns: ["AKIA[0-9A-Z]{16}"]
`;
  async function victimAnswer(flood: boolean) {
    const { gateway } = await gatewayFor((req, res, body) => {
      const session = String(req.headers['mcp-session-id']);
      if (session.startsWith('made-up-')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (req.method === 'POST') {
        // 2025-11-25 polling: a priming event, then the stream ends; the answer comes on the resumed GET.
        res.end('id: ev-1\ndata: \n\n');
        return;
      }
      void body;
      res.end(`id: ev-2\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: `note ${AWS_KEY}` }] } })}\n\n`);
    }, RULES);
    const victim = { 'mcp-session-id': 'victim' };
    const call = await rpc(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_notes', arguments: {} } }, victim);
    expect(call.status).toBe(200);

    for (let s = 0; s < (flood ? 20 : 0); s++) {
      const batch = Array.from({ length: 1000 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' }));
      await rpc(gateway.url, batch, { 'mcp-session-id': `made-up-${s}` });
    }

    const resumed = await fetch(gateway.url, { headers: { accept: 'text/event-stream', 'last-event-id': 'ev-1', ...victim } });
    const text = await resumed.text();
    await expect.poll(() => gateway.decisions().find((event) => event.tool === 'read_notes')).toBeDefined();
    return { text, audit: gateway.decisions().find((event) => event.tool === 'read_notes') };
  }

  it('control: without the flood, the answer on the resumed stream gets its call\'s (empty) scope and a resumed audit', async () => {
    const { text, audit } = await victimAnswer(false);
    expect(text).toContain(AWS_KEY);
    expect(audit).toMatchObject({ resumed: true });
    expect(audit).not.toHaveProperty('outcome');
  });

  it('after 20 batches in made-up sessions: the same answer is redacted with every rule, and the call is audited as no_response', async () => {
    const { text, audit } = await victimAnswer(true);
    expect({ delivered: text.includes(AWS_KEY), outcome: audit?.outcome ?? null }).toEqual({ delivered: true, outcome: null });
  });
});

// ---------------------------------------------------------------------------
// Finding 9: a request refused because the rate-limit store failed (500,
// -32603) leaves no audit event at all: no `decision` (nothing was tracked:
// evaluateBatch threw) and no `request_refused` (exchange.run audits only
// refusals under 500). With an external store (Redis) down, every
// rate-limited request is refused without a trace in the audit log.
// Cause: exchange.ts run() catch (`failure.status < 500`) and #post (nothing
// tracked before evaluateBatch resolves).
// ---------------------------------------------------------------------------
describe('finding 9: a request refused because the rate-limit store failed is not audited', () => {
  it('tools/call under a rate_limit rule, store throwing: 500, and an audit event for it', async () => {
    const upstream = await startRawUpstream((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}'));
    cleanups.push(() => upstream.close());
    const gateway = await ownGateway(upstream.url, {
      rateLimits: {
        hitAll() {
          throw new Error('store unreachable');
        },
      },
    });
    const answer = await rpc(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search', arguments: {} } });
    expect(answer.status).toBe(500);
    await sleep(50);
    expect(gateway.audits.length).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------
// Finding 10: a batch of invalid messages is an amplifier. Each element is
// decided, answered and audited on its own: `{}` (3 bytes) costs a ~109-byte
// JSON-RPC error in the response and one `decision` audit event, none of it
// thinned (the request_refused thinning exists because such refusals "cost a
// client nothing to send"; these cost nothing either). One 4 MiB POST of
// `[{},{},...]` (1.4 million elements) here: a 152 MB response, 1,398,100
// audit events (the daemon writes each as a line), the event loop blocked for
// ~3.8 s and ~1.5 GB more RSS. Already so at 3854b0c (worse: 5.9 s).
// Cause: read-messages.ts (no bound on a batch's length), core decide-batch.ts
// (one Decision per element), exchange.ts #post/#track (one tracked request
// and audit event per refused element), refusal-response.ts (one reply each).
// ---------------------------------------------------------------------------
describe('finding 10: one POST of a batch of invalid messages costs a response and audit events far larger than itself', () => {
  it('256 KiB of `{}` elements: fewer than 1,000 audit events and a response at most 4x the request', async () => {
    const { gateway } = await gatewayFor((_req, res) => void res.writeHead(500).end());
    const count = Math.floor((256 * 1024 - 2) / 3);
    const body = `[${Array(count).fill('{}').join(',')}]`;
    const answer = await rpc(gateway.url, body);
    await sleep(100);
    const decisions = (gateway.audits as unknown as Array<{ event: string }>).filter((event) => event.event === 'decision').length;
    expect({ decisions: decisions < 1000, responseWithin4x: answer.raw.length <= 4 * body.length }).toEqual({ decisions: true, responseWithin4x: true });
  });
});

// ---------------------------------------------------------------------------
// What held: tried, and the gateway did what it says.
// ---------------------------------------------------------------------------
describe('held', () => {
  const SCOPED = `
    - name: deny-exec
      action: deny
      match: { method: tools/call, tool: "^exec$" }
    - name: redact-secret-tool
      action: redact
      direction: response
      match: { method: tools/call, tool: "^get_secret$" }
      patterns: ["AKIA[0-9A-Z]{16}"]
`;

  it('id type confusion: a request with id 1 answered with id "1" (or 1.0 asked, 1 answered) fails closed, never gets another request\'s scope', async () => {
    const { gateway } = await gatewayFor((_req, res, body) => {
      const call = JSON.parse(body) as Json;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"jsonrpc":"2.0","id":${call['params'].arguments.answerId},"result":{"content":[{"type":"text","text":"${AWS_KEY}"}],"tools":[{"name":"exec"}]}}`);
    }, SCOPED);
    const session = { 'mcp-session-id': 'ids' };
    const asString = await rpc(gateway.url, '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"answerId":"\\"1\\""}}}', session);
    expect(asString.text).not.toMatch(SECRET);
    expect(asString.text).not.toContain('exec');
    // 1.0 and 1 are one id to JSON: the answer is the call's own (scope: nothing to redact for echo).
    // (Another session: in this one the first call, never answered with its own id, is still outstanding, and id 1 is ambiguous.)
    const asFloat = await rpc(gateway.url, '{"jsonrpc":"2.0","id":1.0,"method":"tools/call","params":{"name":"echo","arguments":{"answerId":"1"}}}', { 'mcp-session-id': 'ids-2' });
    expect(asFloat.messages).toEqual([{ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: AWS_KEY }], tools: [{ name: 'exec' }] } }]);
  });

  it('an answer on a resumed GET of a session with nothing outstanding is redacted with every rule, its tools list filtered', async () => {
    const { gateway } = await gatewayFor((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: {"jsonrpc":"2.0","id":99,"result":{"text":"${AWS_KEY}","tools":[{"name":"exec"},{"name":"echo"}]}}\n\n`);
    }, SCOPED);
    const resumed = await fetch(gateway.url, { headers: { accept: 'text/event-stream', 'last-event-id': 'x', 'mcp-session-id': 'empty' } });
    const messages = sseData(await resumed.text()).map((data) => JSON.parse(data) as Json);
    expect(messages).toEqual([{ jsonrpc: '2.0', id: 99, result: { text: '[REDACTED]', tools: [{ name: 'echo' }] } }]);
  });

  it('a secret under an own "__proto__" key of an answer is redacted, and the key kept', async () => {
    const { gateway } = await gatewayFor((_req, res, body) => {
      const call = JSON.parse(body) as Json;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"jsonrpc":"2.0","id":${call['id']},"result":{"__proto__":{"text":"${AWS_KEY}"},"content":[]}}`);
    });
    const answer = await rpc(gateway.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: {} } });
    expect(answer.text).not.toMatch(SECRET);
    expect(answer.text).toContain('"__proto__":{"text":"[REDACTED]"}');
  });

  it('a flood of refused requests is thinned but every refusal is counted', async () => {
    const { gateway } = await gatewayFor((_req, res) => void res.writeHead(500).end());
    for (let i = 0; i < 25; i++) await rpc(gateway.url, '{not json');
    await sleep(1200);
    const refused = (gateway.audits as unknown as Array<{ event: string; reason: string; suppressed?: number }>).filter((event) => event.event === 'request_refused');
    expect(refused.length).toBeLessThan(25);
    expect(refused.reduce((sum, event) => sum + 1 + (event.suppressed ?? 0), 0)).toBe(25);
  });

  it('no lease is left behind by a 101, a close without an answer, an unknown coding, or a session id a pattern matches', async () => {
    let mode = '';
    const { gateway, upstream } = await gatewayFor((req, res) => {
      if (mode === '101') {
        res.socket?.write('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n');
        res.socket?.destroy();
      } else if (mode === 'close') res.socket?.destroy();
      else if (mode === 'coding') res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'zstd' }).end('x');
      else res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': AWS_KEY }).end('{"jsonrpc":"2.0","id":1,"result":{}}');
      void req;
    });
    void upstream;
    for (const m of ['101', 'close', 'coding', 'session']) {
      mode = m;
      const answer = await rpc(gateway.url, { jsonrpc: '2.0', id: 1, method: 'ping' });
      expect([m, answer.status, answer.text]).not.toContain(AWS_KEY);
      expect([m, answer.status]).toEqual([m, 502]);
    }
    await expect.poll(() => gateway.handle.inFlight()).toBe(0);
  });

  it('max_keys: a batch that brings two new keys to a budget with one place left is refused whole, and counts nothing', async () => {
    const { MemoryRateLimitStore } = await import('@mcpgw/core');
    const store = new MemoryRateLimitStore();
    const hit = (key: string, now: number) => ({ key, group: 'g', maxKeys: 2, limit: 5, windowMs: 1000, now });
    expect(store.hitAll([hit('a', 0)]).every((verdict) => verdict.allowed)).toBe(true);
    const verdicts = store.hitAll([hit('b', 1), hit('c', 1)]);
    expect(verdicts.map((verdict) => verdict.reason ?? 'ok')).toEqual(['ok', 'key_budget_full']);
    // Nothing of the refused call was counted: b alone still fits.
    expect(store.hitAll([hit('b', 2)])[0]?.allowed).toBe(true);
    expect(store.size).toBe(2);
  });
});
