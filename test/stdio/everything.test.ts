/**
 * The MCP SDK's StdioClientTransport → `mcpgw stdio` → the official
 * `@modelcontextprotocol/server-everything` in stdio mode, as an MCP
 * client's config entry runs it (SPEC §10): the same policy as over HTTP,
 * both ways, and the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpError, CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { auditEvents, connect, stdioConfig, waitUntil, type Connected } from './harness.js';

const AWS_KEY = 'AKIAABCDEFGHIJKLMNOP';
const GITHUB_TOKEN = `ghp_${'a1B2'.repeat(9)}`;

const RULES = `    - name: deny-image
      action: deny
      match: { method: tools/call, tool: "^get-tiny-image$" }
      message: no images here
    - name: redact-keys
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}"]
    - name: redact-tokens-inbound
      action: redact
      direction: request
      patterns: ["ghp_[A-Za-z0-9]{36}"]
    - name: redact-words-outbound
      action: redact
      direction: response
      patterns: ["demo-secret-[0-9]+"]
    - name: limit-sum
      action: rate_limit
      match: { method: tools/call, tool: "^get-sum$", upstream: everything }
      limit: 2
      window: 1m
      key: global`;

/** The text of a tool result's content. */
const textOf = (result: unknown) => ((result as { content: Array<{ text?: string }> }).content).map((part) => part.text ?? '').join('\n');

describe('mcpgw stdio in front of server-everything, with the SDK stdio client', () => {
  const config = stdioConfig(RULES);
  let connected: Connected;
  const sampled: unknown[] = [];
  const elicited: unknown[] = [];

  beforeAll(async () => {
    connected = await connect({
      config: config.path,
      args: ['--name', 'everything'],
      env: { SECRET_KEY: AWS_KEY, DEMO_WORD: 'demo-secret-42' },
      capabilities: { sampling: {}, elicitation: {} },
      setup: (client) => {
        client.setRequestHandler(CreateMessageRequestSchema, (request) => {
          sampled.push(request.params);
          return { model: 'test-model', role: 'assistant', content: { type: 'text', text: `sampled with ${GITHUB_TOKEN}` } };
        });
        client.setRequestHandler(ElicitRequestSchema, (request) => {
          elicited.push(request.params);
          return { action: 'accept', content: { name: `Ada ${GITHUB_TOKEN}` } };
        });
      },
    });
  });
  afterAll(async () => {
    await connected?.client.close();
  });

  it('tools/list hides the denied tool and lists the rest', async () => {
    const { tools } = await connected.client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-env', 'get-sum', 'trigger-sampling-request', 'trigger-elicitation-request']));
    expect(names).not.toContain('get-tiny-image');
  });

  it('a denied call is refused with -32003 and never reaches the server', async () => {
    const error = await connected.client.callTool({ name: 'get-tiny-image', arguments: {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(McpError);
    expect(error).toMatchObject({ code: -32003, message: expect.stringContaining('denied by policy: no images here') });
  });

  it('a secret in the arguments is redacted before the server sees it (the server echoes what it got)', async () => {
    const result = await connected.client.callTool({ name: 'echo', arguments: { message: `token ${GITHUB_TOKEN}` } });
    // The token rule is request-only: [REDACTED] in the echo is what the server received.
    expect(textOf(result)).toBe('Echo: token [REDACTED]');
  });

  it("secrets in the server's answer are redacted before the client sees them", async () => {
    const text = textOf(await connected.client.callTool({ name: 'get-env', arguments: {} }));
    expect(text).toContain('"SECRET_KEY": "[REDACTED]"');
    expect(text).toContain('"DEMO_WORD": "[REDACTED]"');
    expect(text).not.toContain(AWS_KEY);
    expect(text).not.toContain('demo-secret-42');
  });

  it('a rate limit refuses the call past the limit with -32029 and the retry time', async () => {
    for (let i = 0; i < 2; i++) expect(textOf(await connected.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }))).toContain('3');
    const error = await connected.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: -32029, data: { rule: 'limit-sum', generation: 1, retry_after_ms: expect.any(Number) } });
  });

  it('sampling: the server request reaches the client, and the client answer reaches the server redacted', async () => {
    const result = await connected.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'say hi', maxTokens: 10 } });
    expect(sampled).toHaveLength(1);
    expect(JSON.stringify(sampled[0])).toContain('say hi');
    const text = textOf(result);
    expect(text).toContain('LLM sampling result');
    expect(text).toContain('sampled with [REDACTED]');
    expect(text).not.toContain(GITHUB_TOKEN);
  });

  it('elicitation: the request reaches the client, and its answer reaches the server redacted', async () => {
    const result = await connected.client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
    expect(elicited).toHaveLength(1);
    const text = textOf(result);
    expect(text).toContain('- Name: Ada [REDACTED]');
    expect(text).not.toContain(GITHUB_TOKEN);
  });

  it('progress notifications of a long call stream through as they come', async () => {
    const progress: number[] = [];
    const result = await connected.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.5, steps: 5 } }, undefined, {
      onprogress: (notification) => progress.push(notification.progress),
    });
    // The SDK client handles a notification a microtask after a response that came in the same
    // read: the last progress notification, written just before the answer, can arrive too late
    // for its handler when the two share a read (so it can with the bare server).
    expect(progress.slice(0, 4)).toEqual([1, 2, 3, 4]);
    expect(progress.length === 4 || progress[4] === 5).toBe(true);
    expect(textOf(result)).toContain('Long running operation completed');
  });

  it('every request is audited with its decision, generation and the server name; startup first', async () => {
    const calls = () => auditEvents(config.audit).filter((event) => event['event'] === 'decision' && event['method'] === 'tools/call');
    await waitUntil(() => calls().length >= 9, 5_000, 'decision events');
    const events = auditEvents(config.audit);
    expect(events[0]).toMatchObject({ event: 'startup', mode: 'stdio', server: 'everything', rules: 5, generation: 1 });
    const byTool = (tool: string) => calls().filter((event) => event['tool'] === tool);
    expect(byTool('get-tiny-image')).toEqual([expect.objectContaining({ action: 'deny', rules: ['deny-image'], error_code: -32003, upstream: 'everything', status: null, generation: 1 })]);
    expect(byTool('echo')[0]).toMatchObject({ action: 'redact', redactions: { request: 1, response: 0 }, error_code: null });
    expect(byTool('get-env')[0]).toMatchObject({ action: 'redact', redactions: { request: 0, response: 2 } });
    expect(byTool('get-sum').map((event) => event['action'])).toEqual(['allow', 'allow', 'rate_limit']);
    expect(events.find((event) => event['method'] === 'tools/list')).toMatchObject({ action: 'allow', error_code: null, is_error: false });
    // No secret reaches the audit log.
    const text = JSON.stringify(events);
    expect(text).not.toContain(AWS_KEY);
    expect(text).not.toContain(GITHUB_TOKEN);
  });
});
