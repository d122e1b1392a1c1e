import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connect, eventually, post } from './fixtures/client.js';
import { compilePolicy, parseConfig } from '@mcpgw/core';
import { configText, POLICY, startGateway, type TestGateway } from './fixtures/gateway.js';
import { readChunks, startRawUpstream, writeByteByByte } from './fixtures/raw-upstream.js';
import { AWS_KEY, GITHUB_TOKEN, startUpstream, type TestUpstream } from './fixtures/upstream.js';

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('2025-era transport through the gateway', () => {
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

  it('carries a sampling request from server to client and the client answer back, redacted both ways', async () => {
    const seen: string[] = [];
    const { client } = await connect(gateway.url, {
      sampling: (text) => {
        seen.push(text);
        return `ok, keep ${AWS_KEY}`;
      },
    });
    const result = await client.callTool({ name: 'ask' });
    // The server's request reached the client redacted ...
    expect(seen).toEqual(['summarize [REDACTED]']);
    // ... and the client's answer reached the server redacted (it echoes what it got).
    expect(result.content).toEqual([{ type: 'text', text: 'client said: ok, keep [REDACTED]' }]);
    await client.close();
  });

  it('passes the GET stream through, redacting server-initiated messages', async () => {
    const { client } = await connect(gateway.url);
    const logs: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      logs.push(String(notification.params.data));
    });
    // The SDK client opens its GET stream after initialization; wait until the upstream can push on it.
    await eventually(() => gateway.handle.inFlight() >= 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await upstream.broadcast(`token ${GITHUB_TOKEN}`);
    await eventually(() => logs.length > 0);
    expect(logs).toEqual(['token [REDACTED]']);
    await client.close();
  });

  it('passes DELETE through: the session ends upstream', async () => {
    const { client, transport } = await connect(gateway.url);
    const session = transport.sessionId as string;
    await transport.terminateSession();
    expect(upstream.log.deletedSessions).toContain(session);
    await client.close();
  });

  it('keeps a notification stream open across a reload: it moves to the new generation, whose rules apply to what comes next', async () => {
    const { client } = await connect(gateway.url);
    const logs: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logs.push(String(notification.params.data)));
    await eventually(() => gateway.handle.inFlight() >= 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const getsBefore = upstream.log.gets;
    await upstream.broadcast('before marker-1');
    await eventually(() => logs.length === 1);

    const generation = gateway.handle.swap(compilePolicy(parseConfig(configText(upstream.url, `${POLICY}
    - name: redact-markers
      action: redact
      patterns: ["marker-[0-9]+"]
`))));
    // The old generation has no lease left: the stream moved instead of holding it.
    expect(gateway.handle.generations()).toEqual([{ generation, inFlight: 1, current: true }]);
    await upstream.broadcast('after marker-2');
    await eventually(() => logs.length === 2);
    expect(logs).toEqual(['before marker-1', 'after [REDACTED]']);
    // The same stream carried both: the client did not have to open another.
    expect(upstream.log.gets).toBe(getsBefore);
    await client.close();
    await eventually(() => gateway.handle.inFlight() === 0);
  });

  it('keeps Mcp-Session-Id and MCP-Protocol-Version both ways', async () => {
    const init = await post(gateway.url, initialize);
    const session = init.headers.get('mcp-session-id');
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    const listed = await post(gateway.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), {
      'mcp-session-id': session as string,
      'mcp-protocol-version': '2025-06-18',
    });
    expect(listed.status).toBe(200);
    expect(listed.text).toContain('"echo"');
  });
});

describe('an in-flight request stays on its generation', () => {
  const rules = (tag: string) => `
    - name: tag-${tag}
      action: redact
      direction: response
      patterns: ["done"]
      replacement: "${tag}"
`;
  let upstream: TestUpstream;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startUpstream();
    gateway = await startGateway(upstream.url, { rules: rules('gen1') });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('a slow call admitted under generation 1 finishes under its rules after a swap; a call after the swap gets generation 2', async () => {
    const { client } = await connect(gateway.url);
    gateway.audits.length = 0;
    const slow = client.callTool({ name: 'slow', arguments: { ms: 600 } });
    await eventually(() => upstream.log.calls.some((call) => call.name === 'slow'));
    const { compilePolicy, parseConfig } = await import('@mcpgw/core');
    const { configText } = await import('./fixtures/gateway.js');
    expect(gateway.handle.swap(compilePolicy(parseConfig(configText(upstream.url, rules('gen2')))))).toBe(2);
    const fresh = await client.callTool({ name: 'echo', arguments: { text: 'done' } });
    expect(fresh.content).toEqual([{ type: 'text', text: 'gen2' }]);
    expect((await slow).content).toEqual([{ type: 'text', text: 'slow gen1' }]);
    await client.close();
    await eventually(() => gateway.decisions().filter((e) => e.method === 'tools/call').length === 2);
    const byTool = Object.fromEntries(gateway.decisions().filter((e) => e.method === 'tools/call').map((e) => [e.tool, e.generation]));
    expect(byTool).toEqual({ slow: 1, echo: 2 });
    await eventually(() => gateway.handle.generations().length === 1);
  });
});

describe('SSE parsing', () => {
  it('redacts a secret in an event delivered one byte at a time, and forwards events as they complete', async () => {
    const upstream = await startRawUpstream(async (_req, res, body) => {
      const { id } = JSON.parse(body) as { id: number };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1, message: `k=${AWS_KEY} ünïcødé ✓` } };
      await writeByteByByte(res, `event: message\r\nid: 7\r\ndata: ${JSON.stringify(progress)}\r\n\r\n`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const result = { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `secret ${GITHUB_TOKEN}` }] } };
      await writeByteByByte(res, `: keep-alive\n\ndata: ${JSON.stringify(result)}\n\n`);
      res.end();
    });
    const gateway = await startGateway(upstream.url);
    try {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'x', _meta: { progressToken: 1 } } }),
      });
      const arrivals: Array<{ at: number; text: string }> = [];
      const started = Date.now();
      const all = await readChunks(response, (text) => arrivals.push({ at: Date.now() - started, text }));
      expect(all).not.toMatch(/AKIA|ghp_/);
      expect(all).toBe(
        'event: message\nid: 7\n' +
          `data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1, message: 'k=[REDACTED] ünïcødé ✓' } })}\n\n` +
          ': keep-alive\n\n' +
          `data: ${JSON.stringify({ jsonrpc: '2.0', id: 5, result: { content: [{ type: 'text', text: 'secret [REDACTED]' }] } })}\n\n`,
      );
      // The progress event was written out before the final one existed.
      const firstEvent = arrivals.find((a) => a.text.includes('progress'));
      const lastEvent = arrivals.find((a) => a.text.includes('"id":5'));
      expect((lastEvent?.at ?? 0) - (firstEvent?.at ?? 0)).toBeGreaterThan(200);
      await eventually(() => gateway.audits.length === 1);
      expect(gateway.audits[0]).toMatchObject({ action: 'redact', redactions: { request: 0, response: 2 } });
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
