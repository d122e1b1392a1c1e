// Answers that arrive on another stream than the POST that asked for them:
// a resumed GET stream (Last-Event-ID, the SDK's 2025-11-25 polling), the
// standalone GET stream, or another request's stream. Each is redacted with
// the scope of the request it answers, wherever it arrives; an answer the
// gateway cannot place is redacted with every response rule (fail closed).

import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startGateway, type TestGateway } from '../../packages/express-adapter/test/fixtures/gateway.js';
import { startRawUpstream, type RawUpstream } from '../../packages/express-adapter/test/fixtures/raw-upstream.js';
import { AWS_KEY, startPollingUpstream, type PollingUpstream } from './polling-upstream.js';
import { rpc } from './wire.js';

const SECRET = /AKIA[0-9A-Z]{16}/;

// Redaction scoped to tools/call: it must follow a call's answer to whatever stream carries it.
const RULES = `
    - name: deny-exec
      action: deny
      match: { method: tools/call, tool: "^exec$" }
    - name: redact-call-results
      action: redact
      direction: response
      match: { method: tools/call }
      patterns: ["AKIA[0-9A-Z]{16}"]
`;

describe('an SDK server that ends the POST stream early, and the SDK client that resumes it', () => {
  let upstream: PollingUpstream;
  let gateway: TestGateway;
  let client: Client;
  const logs: unknown[] = [];
  beforeAll(async () => {
    upstream = await startPollingUpstream();
    gateway = await startGateway(upstream.url, { rules: RULES });
    client = new Client({ name: 'resuming-client', version: '1.0.0' });
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logs.push(notification.params.data));
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
  });
  afterAll(async () => {
    await client?.close();
    await gateway?.close();
    await upstream?.close();
  });

  it('a tool result delivered on the resumed GET stream is redacted with its call\'s rules, and audited when it arrives', async () => {
    const resumesBefore = upstream.gets.filter((id) => id !== undefined).length;
    const result = await client.callTool({ name: 'read_env', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'read_env: aws_access_key_id=[REDACTED]' }]);
    // It really came on a resumed stream.
    expect(upstream.gets.filter((id) => id !== undefined).length).toBeGreaterThan(resumesBefore);
    await expect.poll(() => gateway.decisions().find((event) => event.method === 'tools/call' && event.tool === 'read_env')).toMatchObject({
      action: 'redact',
      rules: ['redact-call-results'],
      redactions: { request: 0, response: 1 },
      error_code: null,
      resumed: true,
    });
    expect(gateway.decisions().find((event) => event.tool === 'read_env')).not.toHaveProperty('outcome');
  });

  it('a notification on the resumed stream is redacted with every response rule: the gateway cannot tell which call it belongs to', async () => {
    await expect.poll(() => logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs)).not.toMatch(SECRET);
    expect(logs).toContain('log [REDACTED]');
  });

  it('a tools/list answer delivered on the resumed stream is filtered', async () => {
    const listed = await client.listTools();
    expect(listed.tools.map((tool) => tool.name)).toEqual(['read_env']);
  });

  it('no lease is held once the answers are in', async () => {
    await client.callTool({ name: 'read_env', arguments: {} });
    // The client's standalone GET stream stays open: it holds one lease, nothing more.
    await expect.poll(() => gateway.handle.inFlight()).toBeLessThanOrEqual(1);
  });
});

describe('an upstream that answers on the wrong stream', () => {
  const SESSION = 'wrong-stream-session';
  let upstream: RawUpstream;
  let gateway: TestGateway;
  let getStream: ServerResponse | null = null;
  let postsAnswered = 0;
  beforeAll(async () => {
    upstream = await startRawUpstream((req, res, body) => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': SESSION });
        res.flushHeaders();
        getStream = res;
        return;
      }
      const message = JSON.parse(body) as { id?: unknown; method: string };
      if (message.method === 'initialize') {
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': SESSION });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 'wrong-stream', version: '1' } } }));
        return;
      }
      // Every other POST: an event stream that ends at once after a priming event (which
      // makes it resumable, as in 2025-11-25 polling); its answer goes elsewhere.
      postsAnswered++;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': SESSION });
      res.end(`id: prime-${String(message.id)}\ndata: \n\n`);
    });
    gateway = await startGateway(upstream.url, { rules: RULES });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('the answer to a call, sent on the standalone GET stream, is redacted with the call\'s rules; an answer to no known request with every response rule, and a tools list in it filtered', async () => {
    const headers = { 'mcp-session-id': SESSION, 'mcp-protocol-version': '2025-06-18' };
    await rpc(gateway.url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } });
    const stream = await fetch(gateway.url, { headers: { accept: 'text/event-stream', ...headers } });
    expect(stream.status).toBe(200);
    await expect.poll(() => getStream !== null).toBe(true);

    const call = await rpc(gateway.url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'read_env', arguments: {} } }, headers);
    expect(call.status).toBe(200);
    expect(postsAnswered).toBe(1);

    const events = [
      { jsonrpc: '2.0', id: 5, result: { content: [{ type: 'text', text: `call answer ${AWS_KEY}` }] } },
      { jsonrpc: '2.0', id: 'never-asked', result: { content: [{ type: 'text', text: `stray answer ${AWS_KEY}` }], tools: [{ name: 'exec', inputSchema: {} }, { name: 'read_env', inputSchema: {} }] } },
    ];
    (getStream as unknown as ServerResponse).end(events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join(''));
    const text = await stream.text();
    expect(text).not.toMatch(SECRET);
    const delivered = text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>);
    expect(delivered).toEqual([
      { jsonrpc: '2.0', id: 5, result: { content: [{ type: 'text', text: 'call answer [REDACTED]' }] } },
      { jsonrpc: '2.0', id: 'never-asked', result: { content: [{ type: 'text', text: 'stray answer [REDACTED]' }], tools: [{ name: 'read_env', inputSchema: {} }] } },
    ]);
    await expect.poll(() => gateway.decisions().find((event) => event.id === 5)).toMatchObject({ action: 'redact', redactions: { response: 1 }, resumed: true });
  });
});

describe('requests of one session that share an id', () => {
  const SESSION = 'shared-id-session';
  let upstream: RawUpstream;
  let gateway: TestGateway;
  let held: ServerResponse | null = null;
  beforeAll(async () => {
    upstream = await startRawUpstream((_req, res, body) => {
      const message = JSON.parse(body) as { id: unknown; params: { name: string } };
      res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': SESSION });
      if (message.params.name === 'read_secret') {
        // Held: its answer goes out on the other request's stream, which has the same id.
        held = res;
        res.flushHeaders();
        return;
      }
      res.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: `secret ${AWS_KEY}` }] } })}\n\n`);
      held?.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'fine' }] } })}\n\n`);
    });
    gateway = await startGateway(upstream.url, {
      rules: `
    - name: redact-secret-reads
      action: redact
      direction: response
      match: { method: tools/call, tool: "^read_secret$" }
      patterns: ["AKIA[0-9A-Z]{16}"]
`,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('an answer to the id cannot be told apart: it is redacted with every response rule, whichever stream carries it', async () => {
    const headers = { 'mcp-session-id': SESSION, 'mcp-protocol-version': '2025-06-18' };
    const secretRead = rpc(gateway.url, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'read_secret', arguments: {} } }, headers);
    await expect.poll(() => held !== null).toBe(true);
    const echo = await rpc(gateway.url, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'echo', arguments: {} } }, headers);
    expect(echo.raw).not.toMatch(SECRET);
    expect(echo.messages).toEqual([{ jsonrpc: '2.0', id: 9, result: { content: [{ type: 'text', text: 'secret [REDACTED]' }] } }]);
    expect((await secretRead).messages).toEqual([{ jsonrpc: '2.0', id: 9, result: { content: [{ type: 'text', text: 'fine' }] } }]);
  });
});

describe('an answer the upstream never sends after ending a resumable stream', () => {
  let upstream: RawUpstream;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startRawUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'quiet-session' });
      res.end('id: prime-1\ndata: \n\n');
    });
    gateway = await startGateway(upstream.url, { rules: RULES, extra: { limits: { outstandingMs: 300 } } });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('is audited as having no response once the gateway stops waiting for it, and the wait holds no lease', async () => {
    const headers = { 'mcp-session-id': 'quiet-session', 'mcp-protocol-version': '2025-11-25' };
    const response = await rpc(gateway.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'read_env', arguments: {} } }, headers);
    expect(response.status).toBe(200);
    await expect.poll(() => gateway.handle.inFlight()).toBe(0);
    // Not at once: a resumed stream may still bring the answer.
    expect(gateway.decisions().find((event) => event.id === 3)).toBeUndefined();
    await expect.poll(() => gateway.decisions().find((event) => event.id === 3)).toMatchObject({ action: 'allow', status: 200, outcome: 'no_response' });
  });
});
