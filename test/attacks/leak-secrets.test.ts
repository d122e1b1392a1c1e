// Attacks on redaction: an upstream (or a client) puts a secret in every
// place a message can carry one, and the test checks the raw bytes the
// client receives — and the audit events — for it. Policy: redact
// `AKIA[0-9A-Z]{16}` and `ghp_[A-Za-z0-9]{36}` both ways.

import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, LoggingMessageNotificationSchema, type CreateMessageRequest } from '@modelcontextprotocol/sdk/types.js';
import { startGateway, type TestGateway } from '../../packages/express-adapter/test/fixtures/gateway.js';
import { startRawUpstream, type RawUpstream } from '../../packages/express-adapter/test/fixtures/raw-upstream.js';
import { daemonConfig, startDaemon, startDemoUpstream, tempDir, type Proc } from '../daemon/harness.js';
import { AWS_KEY, BLOB_WITH_SECRET, GITHUB_TOKEN, SECRET_PATTERN, startRecordingUpstream, type RecordingUpstream } from './recording-upstream.js';
import { openSession, rpc, send, sseData } from './wire.js';

const SECRETS_G = new RegExp(SECRET_PATTERN.source, 'g');
const toolCall = (name: string, id: unknown = 1, extra: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {}, ...extra } });

async function sdkClient(url: string, onSampling?: (request: CreateMessageRequest) => void): Promise<Client> {
  const client = new Client({ name: 'leak-test', version: '1.0.0' }, { capabilities: onSampling ? { sampling: {} } : {} });
  if (onSampling) {
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      onSampling(request);
      return { role: 'assistant', content: { type: 'text', text: 'fine' }, model: 'test-model' };
    });
  }
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

describe.each([
  { mode: 'SSE', json: false },
  { mode: 'JSON', json: true },
])('secrets from a real SDK upstream never reach the client ($mode responses)', ({ json }) => {
  let upstream: RecordingUpstream;
  let gateway: TestGateway;
  let session: string;
  let client: Client;
  beforeAll(async () => {
    upstream = await startRecordingUpstream({ json });
    gateway = await startGateway(upstream.url);
    session = await openSession(gateway.url);
    client = await sdkClient(gateway.url);
  });
  afterAll(async () => {
    await client?.close();
    await gateway?.close();
    await upstream?.close();
  });

  it.each(['get_config', 'fail', 'throws', 'keys', 'chatty'])('tools/call %s: the raw answer holds no secret', async (tool) => {
    const response = await rpc(gateway.url, toolCall(tool, 1, { _meta: { progressToken: 'p-1' } }), { 'mcp-session-id': session });
    expect(response.status).toBe(200);
    expect(response.raw).not.toMatch(SECRET_PATTERN);
    if (tool !== 'chatty' || !json) expect(response.raw).toContain('[REDACTED]');
  });

  it('tool result text and structuredContent are redacted', async () => {
    const result = await client.callTool({ name: 'get_config' });
    expect(result.content).toEqual([{ type: 'text', text: 'aws=[REDACTED] github=[REDACTED]' }]);
    expect(result.structuredContent).toEqual({ aws: '[REDACTED]', nested: { token: '[REDACTED]' } });
  });

  it('an isError result is redacted, text and structuredContent', async () => {
    const result = await client.callTool({ name: 'fail' });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: 'failed with [REDACTED]' }]);
    expect(result.structuredContent).toEqual({ why: '[REDACTED]' });
  });

  it('an exception thrown by the tool (its message carries the secret) is redacted', async () => {
    const result = await client.callTool({ name: 'throws' });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result)).not.toMatch(SECRET_PATTERN);
    expect(JSON.stringify(result)).toContain('boom: [REDACTED]');
  });

  it('secrets used as object keys of a result are redacted', async () => {
    const result = await client.callTool({ name: 'keys' });
    expect(result.structuredContent).toEqual({ '[REDACTED]': 'value', nested: { '[REDACTED]': { '[REDACTED]': 1 } } });
  });

  it('resources/read: text contents are redacted; a base64 blob passes as it is (the patterns cannot see inside it)', async () => {
    const text = await client.readResource({ uri: 'file:///settings.env' });
    expect(text.contents).toEqual([{ uri: 'file:///settings.env', mimeType: 'text/plain', text: 'AWS_ACCESS_KEY_ID=[REDACTED]' }]);
    const blob = await client.readResource({ uri: 'file:///key.bin' });
    // Documented limit: base64 hides the secret from every pattern. The blob arrives intact.
    expect(blob.contents).toEqual([{ uri: 'file:///key.bin', mimeType: 'application/octet-stream', blob: BLOB_WITH_SECRET }]);
  });

  it('the audit events of all this carry no secret', async () => {
    await client.callTool({ name: 'get_config' });
    await client.callTool({ name: 'fail' });
    expect(gateway.audits.length).toBeGreaterThan(2);
    expect(JSON.stringify(gateway.audits)).not.toMatch(SECRET_PATTERN);
    expect(gateway.decisions().some((event) => event.tool === 'get_config' && event.redactions.response > 0 && event.action === 'redact')).toBe(true);
  });
});

describe('secrets on the request stream: notifications and server requests (SSE)', () => {
  let upstream: RecordingUpstream;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    gateway = await startGateway(upstream.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('progress and logging notifications are redacted', async () => {
    const client = await sdkClient(gateway.url);
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logs.push(notification.params));
    const progress: unknown[] = [];
    const result = await client.callTool({ name: 'chatty' }, undefined, { onprogress: (event) => void progress.push(event) });
    expect(result.content).toEqual([{ type: 'text', text: 'chatty done' }]);
    expect(progress).toEqual([{ progress: 1, total: 2, message: 'progress [REDACTED]' }]);
    expect(logs).toEqual([{ level: 'info', logger: 'logger-[REDACTED]', data: { line: 'log [REDACTED]' } }]);
    await client.close();
  });

  it('a sampling/createMessage request sent to the client is redacted (messages and systemPrompt)', async () => {
    const seen: CreateMessageRequest[] = [];
    const client = await sdkClient(gateway.url, (request) => void seen.push(request));
    const result = await client.callTool({ name: 'ask' });
    expect(result.content).toEqual([{ type: 'text', text: 'client said: fine' }]);
    expect(seen).toHaveLength(1);
    expect(JSON.stringify(seen)).not.toMatch(SECRET_PATTERN);
    expect(seen[0]?.params).toMatchObject({ systemPrompt: 'key [REDACTED]', messages: [{ role: 'user', content: { type: 'text', text: 'summarize [REDACTED]' } }] });
    await client.close();
  });
});

describe('secrets from a scripted raw upstream', () => {
  let upstream: RawUpstream;
  let gateway: TestGateway;
  /** What the upstream answers next: (res, id) => void. */
  let script: (res: import('node:http').ServerResponse, id: unknown) => void | Promise<void>;

  beforeAll(async () => {
    upstream = await startRawUpstream(async (_req, res, body) => {
      let id: unknown = null;
      try {
        id = (JSON.parse(body) as { id?: unknown }).id ?? null;
      } catch {
        // answered anyway
      }
      await script(res, id);
    });
    gateway = await startGateway(upstream.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const json = (body: string, status = 200, headers: Record<string, string> = {}) => (res: import('node:http').ServerResponse) => void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
  const sse = (events: string) => (res: import('node:http').ServerResponse) => void res.writeHead(200, { 'content-type': 'text/event-stream' }).end(events);
  const ask = () => rpc(gateway.url, toolCall('echo', 1));

  describe('JSON-RPC errors', () => {
    const error = (id: unknown) => JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32000, message: `bad key ${AWS_KEY}`, data: { token: GITHUB_TOKEN, list: [AWS_KEY, { [AWS_KEY]: GITHUB_TOKEN }] } } });

    it('error.message and error.data are redacted in a JSON answer (also with HTTP 500)', async () => {
      for (const status of [200, 500]) {
        script = (res, id) => json(error(id), status)(res);
        const response = await ask();
        expect(response.status).toBe(status);
        expect(response.raw).not.toMatch(SECRET_PATTERN);
        expect(response.messages).toEqual([{ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'bad key [REDACTED]', data: { token: '[REDACTED]', list: ['[REDACTED]', { '[REDACTED]': '[REDACTED]' }] } } }]);
      }
    });

    it('error.message and error.data are redacted in an SSE answer', async () => {
      script = (res, id) => sse(`event: message\ndata: ${error(id)}\n\n`)(res);
      const response = await ask();
      expect(response.raw).not.toMatch(SECRET_PATTERN);
      expect(response.messages).toMatchObject([{ error: { message: 'bad key [REDACTED]', data: { token: '[REDACTED]' } } }]);
    });
  });

  it('a gzip-encoded answer (JSON or SSE) is decoded and redacted', async () => {
    const body = (id: unknown) => JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: AWS_KEY }] } });
    script = (res, id) => void res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(body(id)));
    const viaJson = await ask();
    expect(viaJson.raw).not.toMatch(SECRET_PATTERN);
    expect(viaJson.text).toContain('[REDACTED]');
    script = (res, id) => void res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' }).end(gzipSync(`data: ${body(id)}\n\n`));
    const viaSse = await ask();
    expect(viaSse.raw).not.toMatch(SECRET_PATTERN);
    expect(viaSse.text).toContain('[REDACTED]');
  });

  describe('an SSE event cut in two at every byte position', () => {
    const event = (id: unknown, eol: string) => {
      const progress = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1, message: `é€😀${AWS_KEY}😀` } });
      const answer = JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `x${GITHUB_TOKEN}é` }], structuredContent: { [AWS_KEY]: `€${AWS_KEY}` } } });
      return Buffer.from(`id: 1${eol}event: message${eol}data: ${progress}${eol}${eol}data: ${answer}${eol}${eol}`, 'utf8');
    };

    it.each([
      ['LF', '\n'],
      ['CRLF', '\r\n'],
      ['CR', '\r'],
    ])('%s line ends: no cut lets a secret through', async (_, eol) => {
      const length = event(1, eol).length;
      let cut = 0;
      script = async (res, id) => {
        const bytes = event(id, eol);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(bytes.subarray(0, cut));
        await new Promise((resolve) => setTimeout(resolve, 2));
        res.end(bytes.subarray(cut));
      };
      const failures: string[] = [];
      for (cut = 1; cut < length; cut++) {
        const response = await ask();
        const redactions = response.text.match(/\[REDACTED\]/g)?.length ?? 0;
        if (SECRET_PATTERN.test(response.raw) || redactions !== 4 || response.messages.length !== 2) failures.push(`cut at ${cut}: ${response.text}`);
      }
      expect(failures).toEqual([]);
    });
  });

  it('a data line that is not JSON is redacted as text, however many lines it spans', async () => {
    script = (res) => sse(`data: plain ${AWS_KEY} text\n\ndata: {"broken": "${GITHUB_TOKEN}"\n\ndata: first ${AWS_KEY}\ndata: second ${GITHUB_TOKEN}\n\n`)(res);
    const response = await ask();
    expect(response.raw).not.toMatch(SECRET_PATTERN);
    expect(sseData(response.text)).toEqual(['plain [REDACTED] text', '{"broken": "[REDACTED]"', 'first [REDACTED]\nsecond [REDACTED]']);
  });

  it('a JSON message spread over several data lines is redacted', async () => {
    script = (res, id) => sse(`data: {"jsonrpc":"2.0","id":${JSON.stringify(id)},\ndata: "result":{"content":[{"type":"text","text":"${AWS_KEY}"}]}}\n\n`)(res);
    const response = await ask();
    expect(response.raw).not.toMatch(SECRET_PATTERN);
    expect(response.messages).toMatchObject([{ id: 1, result: { content: [{ text: '[REDACTED]' }] } }]);
  });

  it('secrets the upstream wrote with JSON escapes are redacted (the client would decode them)', async () => {
    const escapedAws = String.raw`\u0041KIAIOSFODNN7EXAMPLE`;
    const escapedGh = `ghp\\u005f${GITHUB_TOKEN.slice(4)}`;
    const body = (id: unknown) => `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"${escapedAws} ${escapedGh}"}],"structuredContent":{"${escapedAws}":"\\u0041\\u004B\\u0049\\u0041IOSFODNN7EXAMPLE"}}}`;
    for (const write of [(res: import('node:http').ServerResponse, id: unknown) => json(body(id))(res), (res: import('node:http').ServerResponse, id: unknown) => sse(`data: ${body(id)}\n\n`)(res)]) {
      script = write;
      const response = await ask();
      expect(response.raw).not.toMatch(SECRET_PATTERN);
      expect(response.raw).not.toContain('\\u0041KIA');
      // What the client decodes holds no secret either.
      expect(JSON.stringify(response.messages)).not.toMatch(SECRET_PATTERN);
      expect(response.messages).toMatchObject([{ result: { content: [{ text: '[REDACTED] [REDACTED]' }], structuredContent: { '[REDACTED]': '[REDACTED]' } } }]);
    }
  });

  it('two different secrets as keys of one object: neither leaks (they collapse into one key)', async () => {
    script = (res, id) => json(JSON.stringify({ jsonrpc: '2.0', id, result: { structuredContent: { [AWS_KEY]: 1, [GITHUB_TOKEN]: 2 } } }))(res);
    const response = await ask();
    expect(response.raw).not.toMatch(SECRET_PATTERN);
    expect(response.messages).toEqual([{ jsonrpc: '2.0', id: 1, result: { structuredContent: { '[REDACTED]': 2 } } }]);
  });

  it.each([
    ['JSON', false],
    ['SSE', true],
  ])('a 2 MiB result (%s) with secrets at both ends and in the middle is redacted whole', async (_, asSse) => {
    const filler = 'abcdefghij'.repeat(1024 * 1024 / 10 / 2); // ~0.5 MiB of text per half
    const text = `${AWS_KEY} ${filler}${GITHUB_TOKEN}${filler}${filler}${filler} ${AWS_KEY}`;
    script = (res, id) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }], structuredContent: { head: AWS_KEY, text, tail: GITHUB_TOKEN } } });
      (asSse ? sse(`data: ${body}\n\n`) : json(body))(res);
    };
    const response = await ask();
    expect(response.status).toBe(200);
    expect(response.raw.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(response.raw).not.toMatch(SECRET_PATTERN);
    expect(response.raw.match(/\[REDACTED\]/g)).toHaveLength(8);
    const result = (response.messages[0] as { result: { content: Array<{ text: string }> } }).result;
    expect(result.content[0]?.text.startsWith('[REDACTED] abcdefghij')).toBe(true);
    expect(result.content[0]?.text.endsWith('ghij [REDACTED]')).toBe(true);
  });

  // A JSON value that is valid JSON but not a JSON-RPC object still reaches the client.
  it.each([
    ['an SSE data line holding a JSON string', (res: import('node:http').ServerResponse, id: unknown) => sse(`data: ${JSON.stringify(`key ${AWS_KEY}`)}\n\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result: {} })}\n\n`)(res)],
    ['an SSE data line holding an array of strings', (res: import('node:http').ServerResponse, id: unknown) => sse(`data: ${JSON.stringify([AWS_KEY, { x: AWS_KEY }])}\n\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result: {} })}\n\n`)(res)],
    ['an SSE data line holding arrays nested three deep', (res: import('node:http').ServerResponse, id: unknown) => sse(`data: ${JSON.stringify([[[{ jsonrpc: '2.0', id, result: { text: AWS_KEY } }]]])}\n\n`)(res)],
    ['a JSON body that is a string', (res: import('node:http').ServerResponse) => json(JSON.stringify(`key ${AWS_KEY}`))(res)],
    ['a JSON batch answer with a string element', (res: import('node:http').ServerResponse, id: unknown) => json(JSON.stringify([{ jsonrpc: '2.0', id, result: {} }, GITHUB_TOKEN]))(res)],
  ])('%s: the secret in it is redacted', async (_, write) => {
    script = write;
    const response = await ask();
    expect(response.raw).not.toMatch(SECRET_PATTERN);
  });

  // The gateway rewrites only application/json and text/event-stream; any other body
  // "passes through untouched" (docs/express.md). A client that parses it anyway (the
  // Python SDK, for one, accepts any type starting with application/json) gets the secret.
  it.each([
    ['text/plain', 'text/plain'],
    ['no Content-Type', undefined],
    ['application/json-rpc', 'application/json-rpc'],
    ['application/problem+json on a 500', 'application/problem+json'],
  ])('a body sent as %s does not carry a secret to the client', async (_, type) => {
    script = (res, id) => {
      const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
      res.writeHead(type === 'application/problem+json' ? 500 : 200, headers).end(JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: AWS_KEY }] } }));
    };
    const response = await ask();
    expect(response.raw).not.toMatch(SECRET_PATTERN);
  });

  describe('what passes through as it is (documented here, see the report)', () => {
    it('SSE id:, event:, comment and unknown-field lines are redacted too; retry: passes', async () => {
      script = (res, id) => sse(`id: ${AWS_KEY}\nevent: ev-${GITHUB_TOKEN}\n: keep-alive ${AWS_KEY}\nretry: 1000\nx-field: ${AWS_KEY}\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result: { text: AWS_KEY } })}\n\n`)(res);
      const response = await ask();
      expect(response.messages).toEqual([{ jsonrpc: '2.0', id: 1, result: { text: '[REDACTED]' } }]);
      expect(response.raw.match(SECRETS_G)).toBeNull();
      expect(response.raw).toContain('id: [REDACTED]\nevent: ev-[REDACTED]\n: keep-alive [REDACTED]\nretry: 1000\nx-field: [REDACTED]\n');
    });

    it('response header values are redacted', async () => {
      script = (res, id) => json(JSON.stringify({ jsonrpc: '2.0', id, result: {} }), 200, { 'x-debug-key': AWS_KEY })(res);
      const response = await ask();
      expect(response.headers['x-debug-key']).toBe('[REDACTED]');
    });

    it('the envelope a server chose (id of a server request, method of a notification) is redacted too; the id of the answer is the client\'s own', async () => {
      script = (res, id) =>
        sse(`data: ${JSON.stringify({ jsonrpc: '2.0', id: `srv-${AWS_KEY}`, method: 'sampling/createMessage', params: { messages: [] } })}\n\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: `notifications/${GITHUB_TOKEN}`, params: { text: AWS_KEY } })}\n\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result: {} })}\n\n`)(res);
      const response = await ask();
      expect(response.messages).toEqual([
        { jsonrpc: '2.0', id: 'srv-[REDACTED]', method: 'sampling/createMessage', params: { messages: [] } },
        { jsonrpc: '2.0', method: 'notifications/[REDACTED]', params: { text: '[REDACTED]' } },
        { jsonrpc: '2.0', id: 1, result: {} },
      ]);
      expect(response.raw.match(SECRETS_G)).toBeNull();
    });
  });
});

describe('the audit never records a secret', () => {
  let upstream: RecordingUpstream;
  let gateway: TestGateway;
  let base: string;
  let session: string;
  const errors: string[] = [];

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    gateway = await startGateway(upstream.url, { extra: { onError: (error) => void errors.push(`${error.message} ${String((error.cause as Error | undefined)?.message ?? '')}`) } });
    base = gateway.url.replace(/\/mcp$/, '');
    session = await openSession(gateway.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  beforeEach(() => {
    gateway.audits.length = 0;
  });

  /** Every audit event so far, as text: no secret may appear in it. */
  const auditText = () => JSON.stringify(gateway.audits);
  const withSession = { 'mcp-session-id': '' };
  beforeAll(() => {
    withSession['mcp-session-id'] = session;
  });

  it('a secret as a tool name (forwarded, unknown upstream)', async () => {
    const response = await rpc(gateway.url, toolCall(AWS_KEY, 1), withSession);
    expect(response.raw).not.toMatch(SECRET_PATTERN); // the upstream's "Tool AKIA… not found" is redacted too
    expect(gateway.audits).toMatchObject([{ tool: '[REDACTED]', method: 'tools/call' }]);
    expect(auditText()).not.toMatch(SECRET_PATTERN);
  });

  it('a secret as a JSON-RPC string id: refused, whatever the message (allowed, denied, invalid, without a name, in a batch, rate limited), and audited without it', async () => {
    await rpc(gateway.url, { jsonrpc: '2.0', id: `id-${GITHUB_TOKEN}`, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } }, withSession);
    await rpc(gateway.url, toolCall('exec', AWS_KEY), withSession);
    await rpc(gateway.url, { jsonrpc: '1.0', id: AWS_KEY, method: 'tools/call' }, withSession);
    await rpc(gateway.url, { jsonrpc: '2.0', id: AWS_KEY, method: 'tools/call', params: { name: 42 } }, withSession);
    await rpc(gateway.url, [toolCall('echo', `a-${AWS_KEY}`), toolCall('exec', `b-${GITHUB_TOKEN}`)], withSession);
    for (let i = 0; i < 4; i++) await rpc(gateway.url, toolCall('search', `${AWS_KEY}-${i}`), withSession);
    // A secret in an id is refused before any rule (the envelope is never rewritten, so it is not forwarded): each is `deny`.
    expect(gateway.audits).toMatchObject(Array(10).fill({ event: 'decision', action: 'deny' }));
    expect(auditText()).not.toMatch(SECRET_PATTERN);
    expect(gateway.decisions().filter((event) => typeof event.id === 'string' && event.id.includes('[REDACTED]'))).toHaveLength(10);
  });

  it('a secret as the method', async () => {
    await rpc(gateway.url, { jsonrpc: '2.0', id: 3, method: `x/${AWS_KEY}`, params: {} }, withSession);
    await rpc(gateway.url, { jsonrpc: '2.0', id: 4, method: GITHUB_TOKEN }, withSession);
    expect(gateway.audits).toHaveLength(2);
    expect(auditText()).not.toMatch(SECRET_PATTERN);
  });

  it('a secret in the URL path and query string', async () => {
    await rpc(`${base}/mcp?key=${AWS_KEY}&token=${GITHUB_TOKEN}`, toolCall('echo', 5), withSession);
    await rpc(`${base}/${AWS_KEY}/mcp?${GITHUB_TOKEN}`, toolCall('echo', 6), withSession);
    expect(gateway.audits).toHaveLength(2);
    expect(auditText()).not.toMatch(SECRET_PATTERN);
  });

  it('secrets in headers: Mcp-Session-Id, Authorization, X-Api-Key, User-Agent, Cookie, X-Forwarded-For, Mcp-Name', async () => {
    await rpc(gateway.url, toolCall('echo', 7), { 'mcp-session-id': AWS_KEY });
    await rpc(gateway.url, toolCall('echo', 8), { ...withSession, authorization: `Bearer ${GITHUB_TOKEN}`, 'x-api-key': AWS_KEY, 'user-agent': `agent ${AWS_KEY}`, cookie: `k=${GITHUB_TOKEN}`, 'x-forwarded-for': AWS_KEY });
    const mismatch = await rpc(gateway.url, toolCall('echo', 9), { ...withSession, 'mcp-name': AWS_KEY });
    expect(mismatch.status).toBe(400);
    expect(gateway.audits).toHaveLength(3);
    expect(gateway.audits[0]).toMatchObject({ session: '[REDACTED]' });
    expect(auditText()).not.toMatch(SECRET_PATTERN);
  });

  it('a failing upstream: the audit of a request with a secret tool name holds no secret', async () => {
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const dead = await startGateway(`http://127.0.0.1:${port}/mcp`);
    try {
      // (A secret id is refused before it could reach the upstream: the tool name carries one here.)
      const response = await rpc(dead.url, toolCall(GITHUB_TOKEN, `id-${AWS_KEY.length}`));
      expect(response.status).toBe(502);
      await expect.poll(() => dead.audits.length).toBe(1);
      expect(JSON.stringify(dead.audits)).not.toMatch(SECRET_PATTERN);
    } finally {
      await dead.close();
    }
  });
});

describe('the daemon audit file never records a secret (raw bytes)', () => {
  let upstream: { proc: Proc; url: string };
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  let dir: string;
  beforeAll(async () => {
    upstream = await startDemoUpstream();
    dir = tempDir('mcpgw-leak-');
    writeFileSync(join(dir, 'mcpgw.yaml'), daemonConfig({ upstreamUrl: upstream.url, dir }));
    daemon = await startDaemon(join(dir, 'mcpgw.yaml'), ['--no-watch']);
  });
  afterAll(async () => {
    await daemon?.proc.stop();
    await upstream?.proc.stop();
  });

  it('tool names, ids, methods, sessions, headers and paths that look like secrets', async () => {
    const session = await openSession(daemon.url);
    const headers = { 'mcp-session-id': session, authorization: `Bearer ${GITHUB_TOKEN}`, 'user-agent': AWS_KEY };
    // Requests whose id is a secret get that id back (it is the client's own, and correlates the answer).
    await rpc(daemon.url, toolCall('echo', `id-${GITHUB_TOKEN}`, { arguments: { text: AWS_KEY } }), headers);
    await rpc(daemon.url, toolCall('exec', AWS_KEY), headers);
    await rpc(daemon.url, { jsonrpc: '1.0', id: GITHUB_TOKEN }, headers);
    const sent = [
      await rpc(daemon.url, toolCall(AWS_KEY, 1), headers),
      await rpc(daemon.url, { jsonrpc: '2.0', id: 2, method: `m/${AWS_KEY}` }, headers),
      await rpc(`${daemon.url}?k=${AWS_KEY}`, toolCall('get_config', 3), headers),
      await rpc(daemon.url, toolCall('echo', 4, { arguments: { text: 'x' } }), { 'mcp-session-id': AWS_KEY }),
      await send(daemon.url, { method: 'GET', headers: { 'mcp-session-id': GITHUB_TOKEN, accept: 'text/event-stream' } }),
    ];
    for (const response of sent) expect(response.raw).not.toMatch(SECRET_PATTERN);
    const auditPath = join(dir, 'audit.jsonl');
    await expect.poll(() => readFileSync(auditPath, 'utf8').split('\n').filter((line) => line.includes('"decision"')).length, { timeout: 5000 }).toBeGreaterThanOrEqual(7);
    const raw = readFileSync(auditPath).toString('latin1');
    expect(raw).not.toMatch(SECRET_PATTERN);
    expect(raw).toContain('[REDACTED]');
  });

  it('the daemon log does not repeat a secret from a body that is not JSON', async () => {
    // V8's JSON.parse message quotes a short source whole: "Unexpected token 'A', "AKIA…" is not valid JSON".
    const before = daemon.proc.lines.length;
    const response = await rpc(daemon.url, AWS_KEY);
    expect(response.status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const logged = daemon.proc.lines.slice(before).map((line) => JSON.stringify(line));
    expect(logged.filter((line) => SECRET_PATTERN.test(line))).toEqual([]);
  });
});
