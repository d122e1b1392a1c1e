import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './fixtures/client.js';
import { compilePolicy, parseConfig } from '@mcpgw/core';
import { configText, POLICY, startGateway, type TestGateway } from './fixtures/gateway.js';
import {
  AWS_KEY,
  encodeHeaderValue,
  GITHUB_TOKEN,
  MODERN_VERSION,
  startModernUpstream,
  type ModernUpstream,
} from './fixtures/modern-upstream.js';

// MCP protocol revision 2026-07-28 through the gateway (SPEC §3, §5, §7): POST
// only, one message per POST, no sessions, mirrored headers checked against the
// body, request-scoped SSE streams, MRTR and subscriptions/listen.

type Json = Record<string, any>;

const SECRET = /AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}/;
let nextId = 1;

/** A 2026-07-28 JSON-RPC request: every request carries its protocol version and capabilities in _meta. */
function rpc(method: string, params: Json = {}, id: string | number = nextId++): Json {
  const { _meta, ...rest } = params;
  return {
    jsonrpc: '2.0',
    id,
    method,
    params: {
      ...rest,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
        'io.modelcontextprotocol/clientInfo': { name: 'modern-era-test', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} }, sampling: {} },
        ...(_meta as Json | undefined),
      },
    },
  };
}

/** The headers a conforming 2026-07-28 client mirrors from the body (streamable-http.mdx, Request Metadata). */
function mirrored(message: Json): Record<string, string> {
  const headers: Record<string, string> = { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': message['method'] };
  const params = message['params'] ?? {};
  const field = message['method'] === 'resources/read' ? 'uri' : ['tools/call', 'prompts/get'].includes(message['method']) ? 'name' : null;
  if (field !== null && typeof params[field] === 'string') headers['mcp-name'] = encodeHeaderValue(params[field]);
  // execute_sql declares `region` with x-mcp-header "Region".
  if (message['method'] === 'tools/call' && params.name === 'execute_sql' && typeof params.arguments?.region === 'string') {
    headers['mcp-param-region'] = encodeHeaderValue(params.arguments.region);
  }
  return headers;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** Every JSON-RPC message of the answer: the JSON body, or each SSE event's data. */
  messages: Json[];
  /** The JSON-RPC response (result or error). */
  final: Json | undefined;
}

function sseMessages(text: string): Json[] {
  const out: Json[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split('\n\n')) {
    const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
    if (data.length > 0) out.push(JSON.parse(data.join('\n')) as Json);
  }
  return out;
}

/**
 * POSTs a body with the mirrored headers of `message` (or of `body` when it is
 * one message); `overrides` replaces headers (undefined removes one).
 */
async function send(url: string, body: unknown, overrides: Record<string, string | undefined> = {}, method = 'POST'): Promise<Answer> {
  const base = !Array.isArray(body) && body !== null && typeof body === 'object' ? mirrored(body as Json) : { 'mcp-protocol-version': MODERN_VERSION };
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...base };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  const response = await fetch(url, { method, headers, ...(method === 'POST' ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  let messages: Json[] = [];
  if (type.startsWith('text/event-stream')) messages = sseMessages(text);
  else if (text !== '') {
    try {
      const parsed = JSON.parse(text) as unknown;
      messages = Array.isArray(parsed) ? (parsed as Json[]) : [parsed as Json];
    } catch {
      messages = [];
    }
  }
  const final = messages.find((m) => !('method' in m) && ('result' in m || 'error' in m));
  return { status: response.status, headers: response.headers, text, messages, final };
}

const call = (url: string, name: string, args: Json = {}, extra: Json = {}) => send(url, rpc('tools/call', { name, arguments: args, ...extra }));

/** A live SSE response read event by event as it arrives (nothing buffered until the end). */
interface LiveStream {
  readonly status: number;
  readonly headers: Headers;
  /** The next JSON-RPC message (comment-only events skipped) and when it arrived; rejects after `ms`. */
  next(ms?: number): Promise<{ message: Json; at: number }>;
  /** True if the stream ended (the server closed it). */
  ended(): boolean;
  close(): void;
}

async function openStream(url: string, message: Json, overrides: Record<string, string> = {}): Promise<LiveStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...mirrored(message), ...overrides },
    body: JSON.stringify(message),
    signal: controller.signal,
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let done = false;
  let pending: Promise<Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>> | null = null;
  const read = () =>
    (pending ??= reader.read().then((chunk) => {
      pending = null;
      return chunk;
    }));
  const takeEvent = (): Json | null | undefined => {
    // undefined: no complete event yet; null: a complete event without data (a comment)
    const end = buffer.indexOf('\n\n');
    if (end < 0) return undefined;
    const block = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
    return data.length === 0 ? null : (JSON.parse(data.join('\n')) as Json);
  };
  return {
    status: response.status,
    headers: response.headers,
    ended: () => done,
    async next(ms = 2000) {
      const deadline = Date.now() + ms;
      for (;;) {
        let event = takeEvent();
        while (event === null) event = takeEvent();
        if (event !== undefined) return { message: event, at: performance.now() };
        if (done) throw new Error('the stream ended');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no SSE event within ${ms} ms`);
        let timer: NodeJS.Timeout | undefined;
        const chunk = await Promise.race([read(), new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left)))]);
        clearTimeout(timer);
        if (chunk === 'timeout') throw new Error(`no SSE event within ${ms} ms`);
        if (chunk.done) done = true;
        else buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, '\n');
      }
    },
    close() {
      controller.abort();
      reader.cancel().catch(() => undefined);
    },
  };
}

const seenIds = (upstream: ModernUpstream) => upstream.log.requests.map((record) => record.id);

describe.each([
  { mode: 'JSON responses', sse: false },
  { mode: 'SSE responses', sse: true },
])('2026-07-28 traffic through the gateway ($mode)', ({ sse }) => {
  let upstream: ModernUpstream;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startModernUpstream({ sse });
    gateway = await startGateway(upstream.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('server/discover and tools/list work without initialize; denied tools are hidden', async () => {
    const discover = await send(gateway.url, rpc('server/discover'));
    expect(discover.status).toBe(200);
    expect(discover.headers.get('content-type')).toMatch(sse ? /^text\/event-stream/ : /^application\/json/);
    expect(discover.final?.result).toMatchObject({ resultType: 'complete', supportedVersions: [MODERN_VERSION] });

    const list = await send(gateway.url, rpc('tools/list'));
    expect(list.status).toBe(200);
    const names = (list.final?.result.tools as Json[]).map((tool) => tool.name);
    expect(names).toEqual(['echo', 'execute_sql', 'get_secret', 'search', 'book', 'slow']);
    expect(list.final?.result).toMatchObject({ resultType: 'complete', ttlMs: 60_000, cacheScope: 'public' });
    expect(upstream.log.requests.some((record) => record.method === 'initialize')).toBe(false);
  });

  it('forwards a tools/call with correct mirrored headers and returns its result', async () => {
    const message = rpc('tools/call', { name: 'echo', arguments: { text: 'hello 2026' } });
    const answer = await send(gateway.url, message);
    expect(answer.status).toBe(200);
    expect(answer.final).toEqual({
      jsonrpc: '2.0',
      id: message['id'],
      result: { resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'modern-upstream', version: '1.0.0' } }, content: [{ type: 'text', text: 'hello 2026' }] },
    });
    const seen = upstream.log.calls('echo').at(-1);
    expect(seen?.id).toBe(message['id']);
    expect(seen?.headers).toMatchObject({ 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'echo' });
    expect(seen?.params?.['_meta']).toEqual(message['params']['_meta']);
  });

  it('denies exec with -32003 and never forwards it', async () => {
    const before = upstream.log.requests.length;
    const message = rpc('tools/call', { name: 'exec', arguments: { cmd: 'rm -rf /' } });
    const answer = await send(gateway.url, message);
    expect(answer.status).toBe(200);
    expect(answer.final).toMatchObject({ id: message['id'], error: { code: -32003, message: 'denied by policy: exec is disabled', data: { rule: 'deny-exec' } } });
    expect(upstream.log.requests.slice(before)).toEqual([]);
    expect(upstream.log.calls('exec')).toEqual([]);
  });

  it('rate-limits search to 3 per minute per client (-32029, Retry-After) and forwards only 3', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await call(gateway.url, 'search', { q: `q${i}` }));
    expect(answers.slice(0, 3).map((answer) => answer.final?.result?.content?.[0]?.text)).toEqual(['results for q0', 'results for q1', 'results for q2']);
    const limited = answers[3] as Answer;
    expect(limited.status).toBe(200);
    expect(limited.final?.error).toMatchObject({ code: -32029, message: 'rate limited by policy: limit-search', data: { rule: 'limit-search' } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(upstream.log.calls('search')).toHaveLength(3);
  });

  it('redacts secrets in arguments before they reach the upstream', async () => {
    const answer = await call(gateway.url, 'echo', { text: `use ${AWS_KEY} and ${GITHUB_TOKEN}` });
    expect(answer.final?.result.content).toEqual([{ type: 'text', text: 'use [REDACTED] and [REDACTED]' }]);
    const seen = upstream.log.calls('echo').at(-1);
    expect(seen?.params?.['arguments']).toEqual({ text: 'use [REDACTED] and [REDACTED]' });
    expect(seen?.raw).not.toMatch(SECRET);
  });

  it('redacts secrets in results: text content and structuredContent', async () => {
    const answer = await call(gateway.url, 'get_secret');
    expect(answer.final?.result).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text', text: 'aws=[REDACTED] github=[REDACTED]' }],
      structuredContent: { aws: '[REDACTED]', nested: { token: '[REDACTED]' } },
    });
    expect(answer.text).not.toMatch(SECRET);
  });

  it('redacts resources/read contents', async () => {
    const answer = await send(gateway.url, rpc('resources/read', { uri: 'file:///settings.env' }));
    expect(answer.status).toBe(200);
    expect(answer.final?.result.contents).toEqual([{ uri: 'file:///settings.env', mimeType: 'text/plain', text: 'AWS_ACCESS_KEY_ID=[REDACTED]' }]);
    expect(answer.text).not.toMatch(SECRET);
  });

  it('MRTR: redacts inputRequests of an InputRequiredResult, and inputResponses on the retry', async () => {
    const first = await call(gateway.url, 'book', { trip: 'Lisbon' });
    expect(first.status).toBe(200);
    const interim = first.final?.result as Json;
    expect(interim.resultType).toBe('input_required');
    expect(Object.keys(interim.inputRequests)).toEqual(['confirm', 'summary']);
    expect(interim.inputRequests.confirm).toMatchObject({
      method: 'elicitation/create',
      params: { mode: 'form', message: 'Confirm the booking of Lisbon, charged to account key [REDACTED]' },
    });
    expect(interim.inputRequests.summary.params.messages[0].content.text).toBe('Summarize the itinerary for [REDACTED]');
    expect(interim.requestState).toBe('opaque-state-v1');
    expect(first.text).not.toMatch(SECRET);

    // The client retries the original request (new id) with its answers and the opaque state.
    const inputResponses = {
      confirm: { action: 'accept', content: { confirmed: true, note: `use card token ${GITHUB_TOKEN}` } },
      summary: { role: 'assistant', content: { type: 'text', text: `Itinerary for ${AWS_KEY}` }, model: 'test-model', stopReason: 'endTurn' },
    };
    const retry = await call(gateway.url, 'book', { trip: 'Lisbon' }, { inputResponses, requestState: interim.requestState });
    expect(retry.status).toBe(200);
    const seen = upstream.log.calls('book').at(-1);
    expect(seen?.params?.['inputResponses']).toEqual({
      confirm: { action: 'accept', content: { confirmed: true, note: 'use card token [REDACTED]' } },
      summary: { role: 'assistant', content: { type: 'text', text: 'Itinerary for [REDACTED]' }, model: 'test-model', stopReason: 'endTurn' },
    });
    expect(seen?.params?.['requestState']).toBe('opaque-state-v1');
    expect(seen?.raw).not.toMatch(SECRET);
    expect(retry.final?.result).toMatchObject({ resultType: 'complete', structuredContent: { requestState: 'opaque-state-v1' } });
    expect(retry.text).not.toMatch(SECRET);
  });

  it('audits 2026 requests with method, tool, action and session null', async () => {
    gateway.audits.length = 0;
    await call(gateway.url, 'echo', { text: 'plain' });
    await call(gateway.url, 'echo', { text: AWS_KEY });
    await call(gateway.url, 'get_secret');
    await call(gateway.url, 'exec', { cmd: 'id' });
    await send(gateway.url, rpc('tools/list'));
    await eventually(() => gateway.audits.length === 5);
    expect(gateway.decisions().map((event) => [event.method, event.tool, event.action, event.redactions, event.error_code])).toEqual([
      ['tools/call', 'echo', 'allow', { request: 0, response: 0 }, null],
      ['tools/call', 'echo', 'redact', { request: 1, response: 0 }, null],
      ['tools/call', 'get_secret', 'redact', { request: 0, response: 4 }, null],
      ['tools/call', 'exec', 'deny', { request: 0, response: 0 }, -32003],
      ['tools/list', null, 'allow', { request: 0, response: 0 }, null],
    ]);
    for (const event of gateway.audits) {
      expect(event).toMatchObject({ event: 'decision', upstream: 'main', session: null, client: '127.0.0.1', status: 200, generation: 1 });
      expect(event).not.toHaveProperty('outcome');
    }
    expect(JSON.stringify(gateway.audits)).not.toMatch(SECRET);
  });

  it('never invents an Mcp-Session-Id, in either direction', async () => {
    const answers = [await send(gateway.url, rpc('server/discover')), await call(gateway.url, 'echo', { text: 'x' }), await call(gateway.url, 'book', { trip: 'Oslo' })];
    for (const answer of answers) expect(answer.headers.get('mcp-session-id')).toBeNull();
    expect(upstream.log.requests.filter((record) => record.headers['mcp-session-id'] !== undefined)).toEqual([]);
  });
});

describe('2026-07-28 mirrored headers checked against the body', () => {
  let upstream: ModernUpstream;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startModernUpstream();
    gateway = await startGateway(upstream.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  /** Expects the gateway itself to refuse with 400 / -32020: the upstream never saw the request. */
  const expectGatewayMismatch = (answer: Answer, id: unknown) => {
    expect(answer.status).toBe(400);
    expect(answer.final?.error?.code).toBe(-32020);
    expect(answer.final?.error?.message).toMatch(/^Header mismatch/);
    expect(seenIds(upstream)).not.toContain(id);
  };

  it('refuses an Mcp-Method that disagrees with the body, or a missing one (400, -32020)', async () => {
    const lying = rpc('tools/call', { name: 'echo', arguments: { text: 'x' } });
    expectGatewayMismatch(await send(gateway.url, lying, { 'mcp-method': 'tools/list' }), lying['id']);
    const missing = rpc('tools/call', { name: 'echo', arguments: { text: 'x' } });
    expectGatewayMismatch(await send(gateway.url, missing, { 'mcp-method': undefined }), missing['id']);
    const wrongCase = rpc('tools/list');
    expectGatewayMismatch(await send(gateway.url, wrongCase, { 'mcp-method': 'TOOLS/LIST' }), wrongCase['id']);
  });

  it('refuses an Mcp-Name that disagrees with the body, or a missing one (400, -32020)', async () => {
    // A router behind the gateway would see "echo" while the upstream executes "search".
    const lying = rpc('tools/call', { name: 'search', arguments: { q: 'x' } });
    expectGatewayMismatch(await send(gateway.url, lying, { 'mcp-name': 'echo' }), lying['id']);
    const missing = rpc('tools/call', { name: 'echo', arguments: { text: 'x' } });
    expectGatewayMismatch(await send(gateway.url, missing, { 'mcp-name': undefined }), missing['id']);
    const resource = rpc('resources/read', { uri: 'file:///settings.env' });
    expectGatewayMismatch(await send(gateway.url, resource, { 'mcp-name': 'file:///public.txt' }), resource['id']);
    expect(upstream.log.calls('search')).toEqual([]);
  });

  it('refuses an MCP-Protocol-Version header that disagrees with _meta (400, -32020)', async () => {
    const message = rpc('tools/list');
    expectGatewayMismatch(await send(gateway.url, message, { 'mcp-protocol-version': '2025-11-25' }), message['id']);
  });

  it('decodes a base64-sentinel Mcp-Name: the body value passes, anything else is refused', async () => {
    const uri = 'file:///notes/café-été.txt';
    const good = rpc('resources/read', { uri });
    const goodHeader = `=?base64?${Buffer.from(uri).toString('base64')}?=`;
    const answer = await send(gateway.url, good, { 'mcp-name': goodHeader });
    expect(answer.status).toBe(200);
    expect(answer.final?.result.contents[0].text).toBe(`contents of ${uri}`);
    expect(upstream.log.requests.find((record) => record.id === good['id'])?.headers['mcp-name']).toBe(goodHeader);

    // An ASCII name may be sent encoded too.
    const encodedAscii = rpc('tools/call', { name: 'echo', arguments: { text: 'b64' } });
    expect((await send(gateway.url, encodedAscii, { 'mcp-name': `=?base64?${Buffer.from('echo').toString('base64')}?=` })).status).toBe(200);

    const other = rpc('resources/read', { uri });
    expectGatewayMismatch(await send(gateway.url, other, { 'mcp-name': `=?base64?${Buffer.from('file:///notes/other.txt').toString('base64')}?=` }), other['id']);
    const malformed = rpc('resources/read', { uri });
    expectGatewayMismatch(await send(gateway.url, malformed, { 'mcp-name': '=?base64?not base64!?=' }), malformed['id']);
  });

  it('checks Mcp-Param-Region against the arguments once it has seen the tools/list that declares it', async () => {
    // Before any tools/list the gateway does not know the annotation: the upstream, which knows its schema, refuses.
    const early = rpc('tools/call', { name: 'execute_sql', arguments: { region: 'us-west1', query: 'SELECT 1' } });
    const earlyAnswer = await send(gateway.url, early, { 'mcp-param-region': 'eu-west1' });
    expect(earlyAnswer.status).toBe(400);
    expect(earlyAnswer.final?.error?.code).toBe(-32020);
    expect(seenIds(upstream)).toContain(early['id']);

    expect((await send(gateway.url, rpc('tools/list'))).status).toBe(200);

    const lying = rpc('tools/call', { name: 'execute_sql', arguments: { region: 'us-west1', query: 'SELECT 1' } });
    expectGatewayMismatch(await send(gateway.url, lying, { 'mcp-param-region': 'eu-west1' }), lying['id']);
    const missing = rpc('tools/call', { name: 'execute_sql', arguments: { region: 'us-west1', query: 'SELECT 1' } });
    expectGatewayMismatch(await send(gateway.url, missing, { 'mcp-param-region': undefined }), missing['id']);
    const stray = rpc('tools/call', { name: 'execute_sql', arguments: { query: 'SELECT 1' } });
    expectGatewayMismatch(await send(gateway.url, stray, { 'mcp-param-region': 'us-west1' }), stray['id']);

    const good = await call(gateway.url, 'execute_sql', { region: 'us-west1', query: 'SELECT 1' });
    expect(good.status).toBe(200);
    expect(good.final?.result.content[0].text).toBe('ran SELECT 1 in us-west1');
    const encoded = await call(gateway.url, 'execute_sql', { region: 'région-1', query: 'SELECT 2' });
    expect(encoded.status).toBe(200);
    expect(encoded.final?.result.content[0].text).toBe('ran SELECT 2 in région-1');
  });

  it('refuses a batch sent with 2026 headers (400) and forwards none of it', async () => {
    const a = rpc('tools/call', { name: 'echo', arguments: { text: 'a' } });
    const b = rpc('tools/list');
    const before = upstream.log.requests.length;
    const answer = await send(gateway.url, [a, b], { 'mcp-method': 'tools/call', 'mcp-name': 'echo' });
    expect(answer.status).toBe(400);
    expect(answer.final?.error?.code).toBe(-32600);
    expect(upstream.log.requests.slice(before)).toEqual([]);
  });

  it('answers a header mismatch with the request id (HeaderMismatchError is a response to that request)', async () => {
    // JSON-RPC 2.0: the id is null only when it could not be read; the spec's example answers id 1.
    const message = rpc('tools/call', { name: 'echo', arguments: { text: 'x' } }, 4242);
    const answer = await send(gateway.url, message, { 'mcp-name': 'search' });
    expect(answer.status).toBe(400);
    expect(answer.final).toMatchObject({ jsonrpc: '2.0', id: 4242, error: { code: -32020 } });
  });

  it('audits a request refused for a header mismatch (SPEC §5: one decision per JSON-RPC request)', async () => {
    gateway.audits.length = 0;
    const message = rpc('tools/call', { name: 'echo', arguments: { text: 'x' } });
    await send(gateway.url, message, { 'mcp-name': 'search' });
    await eventually(() => gateway.audits.length > 0, 1000).catch(() => undefined);
    expect(gateway.audits).toEqual([
      expect.objectContaining({ event: 'decision', method: 'tools/call', tool: 'echo', id: message['id'], action: 'deny', status: 400, error_code: -32020, session: null }),
    ]);
  });

  it('redacts a secret in an x-mcp-header argument in its mirrored Mcp-Param header too', async () => {
    await send(gateway.url, rpc('tools/list')); // the gateway knows execute_sql's annotation
    const before = upstream.log.requests.length;
    const answer = await call(gateway.url, 'execute_sql', { region: `tenant-${AWS_KEY}`, query: 'SELECT 1' });
    const seen = upstream.log.requests.slice(before);
    // The secret must not reach the upstream, in the body or in a header ...
    expect(seen).toHaveLength(1);
    expect(JSON.stringify(seen[0]?.headers)).not.toMatch(SECRET);
    expect(seen[0]?.params?.['arguments']).toEqual({ region: 'tenant-[REDACTED]', query: 'SELECT 1' });
    // ... and header and body must still agree, or the upstream refuses the call.
    expect(seen[0]?.headers['mcp-param-region']).toBe('tenant-[REDACTED]');
    expect(answer.status).toBe(200);
    expect(answer.final?.result?.content?.[0]?.text).toBe('ran SELECT 1 in tenant-[REDACTED]');
  });

  it('redacts a secret in a resources/read URI in its mirrored Mcp-Name header too', async () => {
    const uri = `s3://keys/${AWS_KEY}.txt`;
    const before = upstream.log.requests.length;
    const answer = await send(gateway.url, rpc('resources/read', { uri }));
    const seen = upstream.log.requests.slice(before);
    expect(seen).toHaveLength(1);
    expect(JSON.stringify(seen[0]?.headers)).not.toMatch(SECRET);
    expect(seen[0]?.params?.['uri']).toBe('s3://keys/[REDACTED].txt');
    expect(seen[0]?.headers['mcp-name']).toBe('s3://keys/[REDACTED].txt');
    expect(answer.status).toBe(200);
    expect(answer.final?.result?.contents?.[0]?.text).toBe('contents of s3://keys/[REDACTED].txt');
  });

  it('does not refuse a legacy-era (2025-11-25) call for lacking an Mcp-Param header legacy clients never send', async () => {
    await send(gateway.url, rpc('tools/list')); // annotations learned
    // A 2025-11-25 client: no _meta protocol version, no Mcp-* mirrored headers (they did not exist).
    const legacy = { jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: 'execute_sql', arguments: { region: 'us-west1', query: 'SELECT 1' } } };
    const answer = await send(gateway.url, legacy, { 'mcp-protocol-version': '2025-11-25', 'mcp-method': undefined, 'mcp-name': undefined, 'mcp-param-region': undefined });
    // This modern-only upstream refuses it (no _meta); a dual-era upstream would serve it.
    // What matters: the gateway forwarded it instead of answering HeaderMismatch itself.
    expect(answer.final?.error?.code).not.toBe(-32020);
    expect(seenIds(upstream)).toContain(legacy.id);
  });
});

describe('2026-07-28 streams through the gateway', () => {
  let upstream: ModernUpstream;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startModernUpstream({ stepMs: 80 });
    gateway = await startGateway(upstream.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('subscriptions/listen: delivers each notification as it is pushed, redacted; closing it cancels upstream', async () => {
    gateway.audits.length = 0;
    const listen = rpc('subscriptions/listen', { notifications: { toolsListChanged: true, resourceSubscriptions: ['file:///settings.env'] } });
    const stream = await openStream(gateway.url, listen);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.headers.get('x-accel-buffering')).toBe('no');
      expect(stream.headers.get('mcp-session-id')).toBeNull();

      const ack = await stream.next();
      expect(ack.message).toMatchObject({ method: 'notifications/subscriptions/acknowledged', params: { _meta: { 'io.modelcontextprotocol/subscriptionId': listen['id'] } } });
      await eventually(() => upstream.openListens() === 1, 1000);

      // Each push arrives on its own, while the stream stays open.
      expect(upstream.notify('notifications/resources/updated', { uri: `file:///keys/${AWS_KEY}.txt` })).toBe(1);
      const first = await stream.next(1000);
      expect(first.message).toEqual({
        jsonrpc: '2.0',
        method: 'notifications/resources/updated',
        params: { uri: 'file:///keys/[REDACTED].txt', _meta: { 'io.modelcontextprotocol/subscriptionId': listen['id'] } },
      });
      upstream.notify('notifications/tools/list_changed', { note: `rotated ${GITHUB_TOKEN}` });
      const second = await stream.next(1000);
      expect(second.message).toMatchObject({ method: 'notifications/tools/list_changed', params: { note: 'rotated [REDACTED]' } });
      expect(stream.ended()).toBe(false);
    } finally {
      stream.close();
    }
    // Closing the response stream is the cancellation signal (streamable-http.mdx, Cancellation).
    await eventually(() => upstream.log.cancelled.some((entry) => entry.id === listen['id']), 2000);
    expect(upstream.openListens()).toBe(0);
    await eventually(() => gateway.decisions().some((event) => event.method === 'subscriptions/listen'), 1000);
    expect(gateway.decisions().find((event) => event.method === 'subscriptions/listen')).toMatchObject({ session: null, id: listen['id'], outcome: 'client_closed' });
  });

  it('subscriptions/listen stays open across a reload: what is pushed after it is redacted with the new rules', async () => {
    const listen = rpc('subscriptions/listen', { notifications: { toolsListChanged: true } });
    const stream = await openStream(gateway.url, listen);
    const before = gateway.handle.policy;
    try {
      await stream.next(); // acknowledged
      await eventually(() => upstream.openListens() === 1, 1000);
      upstream.notify('notifications/tools/list_changed', { note: 'before marker-1' });
      expect((await stream.next(1000)).message).toMatchObject({ params: { note: 'before marker-1' } });

      const generation = gateway.handle.swap(compilePolicy(parseConfig(configText(upstream.url, `${POLICY}
    - name: redact-markers
      action: redact
      direction: response
      match: { method: subscriptions/listen }
      patterns: ["marker-[0-9]+"]
`))));
      expect(gateway.handle.generations()).toEqual([{ generation, inFlight: 1, current: true }]);
      upstream.notify('notifications/tools/list_changed', { note: 'after marker-2' });
      expect((await stream.next(1000)).message).toMatchObject({ params: { note: 'after [REDACTED]' } });
      expect(stream.ended()).toBe(false);
    } finally {
      stream.close();
      gateway.handle.swap(before);
    }
    await eventually(() => gateway.handle.inFlight() === 0, 2000);
  });

  it('delivers the progress notifications of a slow call before its final response, event by event', async () => {
    const message = rpc('tools/call', { name: 'slow', arguments: { steps: 3 }, _meta: { progressToken: 'p-1' } });
    const stream = await openStream(gateway.url, message);
    const events: Array<{ message: Json; at: number }> = [];
    try {
      for (let i = 0; i < 4; i++) events.push(await stream.next(2000));
    } finally {
      stream.close();
    }
    expect(events.map((event) => event.message['method'] ?? 'response')).toEqual(['notifications/progress', 'notifications/progress', 'notifications/progress', 'response']);
    expect(events.slice(0, 3).map((event) => event.message['params'].message)).toEqual(['step 1 key [REDACTED]', 'step 2 key [REDACTED]', 'step 3 key [REDACTED]']);
    expect(events[3]?.message).toMatchObject({ id: message['id'], result: { content: [{ type: 'text', text: 'slow done' }] } });
    // The first progress reached the client before the upstream had even written its response.
    const answeredAt = upstream.log.calls('slow').find((record) => record.id === message['id'])?.answeredAt;
    expect(answeredAt).not.toBeNull();
    expect((events[0] as { at: number }).at).toBeLessThan(answeredAt as number);
  });

  it('cancels the upstream request when the client closes a slow call stream', async () => {
    const message = rpc('tools/call', { name: 'slow', arguments: { steps: 10 }, _meta: { progressToken: 'p-2' } });
    const stream = await openStream(gateway.url, message);
    expect((await stream.next(2000)).message['method']).toBe('notifications/progress');
    stream.close();
    await eventually(() => upstream.log.cancelled.some((entry) => entry.id === message['id']), 2000);
  });
});

describe('2026-07-28 HTTP methods and sessions through the gateway', () => {
  let upstream: ModernUpstream;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startModernUpstream();
    gateway = await startGateway(upstream.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it.each(['GET', 'DELETE'])('passes %s to the upstream and returns its 405', async (method) => {
    const before = upstream.log.requests.length;
    const answer = await send(gateway.url, undefined, { accept: 'text/event-stream', 'content-type': undefined }, method);
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
    expect(answer.headers.get('mcp-session-id')).toBeNull();
    expect(upstream.log.requests.slice(before).map((record) => record.http)).toEqual([method]);
  });

  it('passes a notification POST through (202) and never mints a session', async () => {
    const { id: _id, ...notification } = rpc('notifications/initialized');
    const answer = await send(gateway.url, notification, { 'mcp-method': undefined });
    expect(answer.status).toBe(202);
    expect(answer.headers.get('mcp-session-id')).toBeNull();
  });

  it('does not treat a stray Mcp-Session-Id on a 2026 request as a session (audit session null)', async () => {
    // 2026-07-28: "An Mcp-Session-Id header on a request: ignore it".
    gateway.audits.length = 0;
    const answer = await send(gateway.url, rpc('tools/call', { name: 'echo', arguments: { text: 'x' } }), { 'mcp-session-id': 'stale-session-from-2025' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('mcp-session-id')).toBeNull();
    await eventually(() => gateway.audits.length === 1, 1000);
    expect(gateway.audits[0]).toMatchObject({ method: 'tools/call', tool: 'echo', session: null });
  });
});
