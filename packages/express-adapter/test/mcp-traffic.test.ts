import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, eventually } from './fixtures/client.js';
import { startGateway, type TestGateway } from './fixtures/gateway.js';
import { AWS_KEY, GITHUB_TOKEN, startUpstream, type TestUpstream } from './fixtures/upstream.js';

// The same behaviour whether the upstream answers with SSE streams or JSON bodies.
describe.each([
  { mode: 'SSE responses', json: false },
  { mode: 'JSON responses', json: true },
])('MCP traffic through the gateway ($mode)', ({ json }) => {
  let upstream: TestUpstream;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startUpstream({ json });
    gateway = await startGateway(upstream.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('initializes and round-trips the session id', async () => {
    const { client, transport } = await connect(gateway.url);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(client.getServerVersion()).toMatchObject({ name: 'test-upstream' });
    // A follow-up request carries the session: the upstream would refuse it otherwise.
    expect((await client.ping())).toEqual({});
    await client.close();
  });

  it('hides denied tools from tools/list', async () => {
    const { client } = await connect(gateway.url);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('echo');
    expect(names).not.toContain('exec');
    await client.close();
  });

  it('refuses a denied call with -32003 and never forwards it', async () => {
    const { client } = await connect(gateway.url);
    const before = upstream.log.calls.length;
    await expect(client.callTool({ name: 'exec', arguments: { cmd: 'rm -rf /' } })).rejects.toMatchObject({
      code: -32003,
      message: expect.stringContaining('denied by policy: exec is disabled'),
    });
    expect(upstream.log.calls.slice(before).map((call) => call.name)).not.toContain('exec');
    await client.close();
  });

  it('redacts secrets in arguments before they reach the upstream', async () => {
    const { client } = await connect(gateway.url);
    const result = await client.callTool({ name: 'echo', arguments: { text: `use ${AWS_KEY} and ${GITHUB_TOKEN}` } });
    expect(result.content).toEqual([{ type: 'text', text: 'use [REDACTED] and [REDACTED]' }]);
    const seen = upstream.log.calls.filter((call) => call.name === 'echo').at(-1);
    expect(seen?.args).toEqual({ text: 'use [REDACTED] and [REDACTED]' });
    await client.close();
  });

  it('redacts secrets in results: text content and structuredContent', async () => {
    const { client } = await connect(gateway.url);
    const result = await client.callTool({ name: 'get_config' });
    expect(result.content).toEqual([{ type: 'text', text: 'aws=[REDACTED] github=[REDACTED]' }]);
    expect(result.structuredContent).toEqual({ aws: '[REDACTED]', nested: { token: '[REDACTED]' } });
    expect(JSON.stringify(result)).not.toMatch(/AKIA|ghp_/);
    await client.close();
  });

  it('redacts resources/read contents and error results', async () => {
    const { client } = await connect(gateway.url);
    const resource = await client.readResource({ uri: 'file:///settings.env' });
    expect(resource.contents[0]).toMatchObject({ text: 'AWS_ACCESS_KEY_ID=[REDACTED]' });
    const failed = await client.callTool({ name: 'fail' });
    expect(failed).toMatchObject({ isError: true, content: [{ type: 'text', text: 'failed with [REDACTED]' }] });
    await client.close();
  });

  it('delivers progress notifications of a slow call, redacted', async () => {
    const { client } = await connect(gateway.url);
    const progress: string[] = [];
    const result = await client.callTool({ name: 'slow', arguments: { ms: 150 } }, undefined, {
      onprogress: (update) => progress.push(update.message ?? ''),
    });
    expect(result.content).toEqual([{ type: 'text', text: 'slow done' }]);
    if (!json) {
      // With JSON responses the server has no stream to send progress on.
      expect(progress).toEqual(['step 1 key [REDACTED]', 'step 2 key [REDACTED]', 'step 3 key [REDACTED]']);
    }
    await client.close();
  });

  it('audits one decision per request with the SPEC fields', async () => {
    gateway.audits.length = 0;
    const { client, transport } = await connect(gateway.url);
    await client.callTool({ name: 'get_config' });
    await client.callTool({ name: 'echo', arguments: { text: AWS_KEY } });
    await client.callTool({ name: 'fail' });
    await expect(client.callTool({ name: 'exec', arguments: { cmd: 'x' } })).rejects.toThrow();
    await client.close();
    await eventually(() => gateway.decisions().filter((event) => event.method === 'tools/call').length === 4);
    const calls = gateway.decisions().filter((event) => event.method === 'tools/call');
    expect(calls.map((event) => [event.tool, event.action, event.redactions, event.error_code, event.is_error])).toEqual([
      ['get_config', 'redact', { request: 0, response: 4 }, null, false],
      ['echo', 'redact', { request: 1, response: 0 }, null, false],
      ['fail', 'redact', { request: 0, response: 1 }, null, true],
      ['exec', 'deny', { request: 0, response: 0 }, -32003, false],
    ]);
    for (const event of calls) {
      expect(event).toMatchObject({ event: 'decision', generation: 1, upstream: 'main', session: transport.sessionId, client: '127.0.0.1', status: 200 });
      expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(event.duration_ms).toBeGreaterThanOrEqual(0);
      expect(event).not.toHaveProperty('outcome');
    }
    expect(JSON.stringify(gateway.audits)).not.toMatch(/AKIA|ghp_/);
  });
});
