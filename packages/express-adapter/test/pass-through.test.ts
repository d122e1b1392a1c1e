import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './fixtures/gateway.js';
import { startRawUpstream, type RawUpstream } from './fixtures/raw-upstream.js';

// A server message whose text holds no backslash and no match of any response
// pattern is passed on as it came; anything else is parsed, redacted and
// serialized again. These tests try to get a secret or a denied tool through
// the pass-through: escapes, duplicate keys, batches, SSE.

const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const RULES = `
    - name: deny-exec
      action: deny
      match: { method: tools/call, tool: "^exec$" }
    - name: redact-secrets
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}"]
`;

/** What the upstream answers to the next POST: a body and its content type (`sse-bytes`: an event written a byte at a time). */
let next: { type: 'json' | 'sse' | 'sse-bytes'; body: string } = { type: 'json', body: '' };

let upstream: RawUpstream;
let gateway: TestGateway;

beforeAll(async () => {
  upstream = await startRawUpstream(async (_req, res) => {
    if (next.type === 'sse-bytes') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      for (const byte of Buffer.from(`event: message\ndata: ${next.body}\n\n`)) {
        res.write(Buffer.from([byte]));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    } else if (next.type === 'sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`event: message\ndata: ${next.body}\n\n`);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(next.body);
    }
  });
  gateway = await startGateway(upstream.url, { rules: RULES });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

async function call(method: string, params: Record<string, unknown>, answer: typeof next): Promise<string> {
  return post(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), answer);
}

async function post(body: string, answer: typeof next): Promise<string> {
  next = answer;
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body,
  });
  expect(response.status).toBe(200);
  return response.text();
}

/** The JSON of the one SSE event of an answer. */
const eventData = (text: string): string => {
  const lines = text.split('\n').filter((line) => line.startsWith('data: '));
  expect(lines).toHaveLength(1);
  return (lines[0] as string).slice('data: '.length);
};

describe('server messages with nothing to redact', () => {
  it('are passed on byte for byte (number forms, key order and spacing kept), as JSON and as SSE', async () => {
    const body = '{"jsonrpc":"2.0", "id":1, "result":{"content":[{"type":"text","text":"ok"}],"score":1.0,"big":1e400}}';
    expect(await call('tools/call', { name: 'echo' }, { type: 'json', body })).toBe(body);
    expect(eventData(await call('tools/call', { name: 'echo' }, { type: 'sse', body }))).toBe(body);
  });

  it('are passed on as they came with escapes that cannot hide a match: newlines, quotes, non-ASCII', async () => {
    const body = '{"jsonrpc":"2.0", "id":1, "result":{"content":[{"type":"text","text":"line\\none \\"two\\" caf\\u00e9 \\ud83d\\ude00\\/"}]}}';
    expect(JSON.parse(body).result.content[0].text).toBe('line\none "two" café 😀/');
    expect(await call('tools/call', { name: 'echo' }, { type: 'json', body })).toBe(body);
    expect(eventData(await call('tools/call', { name: 'echo' }, { type: 'sse', body }))).toBe(body);
  });

  it('still record the answer for the audit: error code and isError', async () => {
    const before = gateway.audits.length;
    await call('tools/call', { name: 'echo' }, { type: 'json', body: '{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"nope"}}' });
    await call('tools/call', { name: 'echo' }, { type: 'sse', body: '{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":true}}' });
    const [failed, toolError] = gateway.audits.slice(before);
    expect(failed).toMatchObject({ error_code: -32001, is_error: false, redactions: { request: 0, response: 0 } });
    expect(toolError).toMatchObject({ error_code: null, is_error: true });
  });
});

describe('server messages that must not pass as they came', () => {
  it('a secret is redacted, and counted', async () => {
    const before = gateway.audits.length;
    const out = await call('tools/call', { name: 'echo' }, { type: 'json', body: JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: `key ${AWS_KEY}` }] } }) });
    expect(out).not.toContain(AWS_KEY);
    expect(out).toContain('[REDACTED]');
    expect(gateway.audits[before]).toMatchObject({ redactions: { response: 1 } });
  });

  it('a secret written with JSON escapes is decoded, found and redacted', async () => {
    const escaped = `{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"key \\u0041KIA${AWS_KEY.slice(4)}"}]}}`;
    expect(JSON.parse(escaped).result.content[0].text).toBe(`key ${AWS_KEY}`);
    for (const type of ['json', 'sse'] as const) {
      const out = await call('tools/call', { name: 'echo' }, { type, body: escaped });
      const message = JSON.parse(type === 'json' ? out : eventData(out));
      expect(message.result.content[0].text).toBe('key [REDACTED]');
      expect(out).not.toContain(AWS_KEY.slice(4));
    }
  });

  it('a secret split by escapes, in an event that arrives a byte at a time, is decoded, found and redacted', async () => {
    const escaped = `{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"line\\n\\u0041K\\u0049A${AWS_KEY.slice(4, 10)}\\u0030${AWS_KEY.slice(11)}\\n"}}`;
    expect(JSON.parse(escaped).params.data).toBe(`line\nAKIA${AWS_KEY.slice(4, 10)}0${AWS_KEY.slice(11)}\n`);
    const out = await call('tools/call', { name: 'echo' }, { type: 'sse-bytes', body: escaped });
    expect(JSON.parse(eventData(out)).params.data).toBe('line\n[REDACTED]\n');
  });

  it('a secret in a duplicate key that JSON.parse drops does not reach a first-key-wins client', async () => {
    const body = `{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"${AWS_KEY}","text":"ok"}]}}`;
    for (const type of ['json', 'sse'] as const) {
      const out = await call('tools/call', { name: 'echo' }, { type, body });
      expect(out).not.toContain(AWS_KEY);
      // Serialized again from what was parsed: one "text".
      expect(JSON.parse(type === 'json' ? out : eventData(out))).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'ok' }] } });
    }
  });

  it('a notification with a secret in the value of a duplicate key that JSON.parse drops is serialized again, without it', async () => {
    const body = `{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"${AWS_KEY}","data":"ok"}}`;
    const out = await call('tools/call', { name: 'echo' }, { type: 'sse', body });
    expect(out).not.toContain(AWS_KEY);
    expect(JSON.parse(eventData(out)).params).toEqual({ level: 'info', data: 'ok' });
  });

  it('a secret in a batch, or in a notification on the stream, is redacted', async () => {
    const batch = JSON.stringify([
      { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `found ${AWS_KEY}` } },
      { jsonrpc: '2.0', id: 1, result: { content: [] } },
    ]);
    const out = await call('tools/call', { name: 'echo' }, { type: 'json', body: batch });
    expect(out).not.toContain(AWS_KEY);
    const notification = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1, message: AWS_KEY } });
    expect(eventData(await call('tools/call', { name: 'echo' }, { type: 'sse', body: notification }))).not.toContain(AWS_KEY);
  });

  it('an answer with a duplicate isError, or an id written otherwise than the gateway reads it, reaches the client as the gateway read it', async () => {
    const before = gateway.audits.length;
    for (const type of ['json', 'sse'] as const) {
      const out = await call('tools/call', { name: 'echo' }, { type, body: '{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":true,"isError":false}}' });
      // The audit says is_error false: so must every client's reading.
      expect(JSON.parse(type === 'json' ? out : eventData(out))).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [], isError: false } });
      expect(out.match(/isError/g)).toHaveLength(1);
      const renumbered = await call('tools/call', { name: 'echo' }, { type, body: '{"jsonrpc":"2.0","id":1.0,"result":{"content":[]}}' });
      expect(type === 'json' ? renumbered : eventData(renumbered)).toBe('{"jsonrpc":"2.0","id":1,"result":{"content":[]}}');
    }
    expect(gateway.audits.slice(before)).toMatchObject(Array(4).fill({ event: 'decision', is_error: false }));
  });

  it('an answer whose duplicate id names another request of the batch reaches the client with the id the gateway placed it by', async () => {
    const tools = JSON.stringify({ tools: [{ name: 'echo', inputSchema: { type: 'object' } }, { name: 'exec', inputSchema: { type: 'object' } }] });
    // Placed by its last id (1, the tools/call): not filtered. A first-key-wins client would read id 2, its tools/list.
    const answer = `{"jsonrpc":"2.0","id":2,"result":${tools},"id":1}`;
    const batch = JSON.stringify([
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo' } },
      { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
    ]);
    for (const type of ['json', 'sse'] as const) {
      const out = await post(batch, { type, body: answer });
      expect(out).not.toContain('"id":2');
      expect(JSON.parse(type === 'json' ? out : eventData(out)).id).toBe(1);
    }
  });

  it('a tools/list answer is always filtered, even with nothing to redact and a duplicate key hiding the denied tool', async () => {
    const tools = (names: string[]) => JSON.stringify({ tools: names.map((name) => ({ name, inputSchema: { type: 'object' } })) });
    const plain = `{"jsonrpc":"2.0","id":1,"result":${tools(['echo', 'exec'])}}`;
    const hidden = `{"jsonrpc":"2.0","id":1,"result":${tools(['echo', 'exec'])},"result":${tools(['echo'])}}`;
    for (const body of [plain, hidden]) {
      for (const type of ['json', 'sse'] as const) {
        const out = await call('tools/list', {}, { type, body });
        expect(out).not.toContain('"exec"');
        expect(JSON.parse(type === 'json' ? out : eventData(out)).result.tools.map((tool: { name: string }) => tool.name)).toEqual(['echo']);
      }
    }
  });
});
