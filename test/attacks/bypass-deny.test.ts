// Attacks on the deny rule: an attacker tries to get the upstream to run the
// denied tool `exec` through `mcpGateway` (policy: deny tools/call ^exec$,
// redact AKIA…/ghp_… both ways). Ground truth is the upstream's own log: the
// raw bytes of every HTTP request it received and every tool it ran. After
// every test the upstream must not have run `exec`.

import { deflateSync, brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../packages/express-adapter/test/fixtures/gateway.js';
import { startRawUpstream, type RawUpstream } from '../../packages/express-adapter/test/fixtures/raw-upstream.js';
import { AWS_KEY, SECRET_PATTERN, startRecordingUpstream, type RecordingUpstream } from './recording-upstream.js';
import { chunked, errorCodeFor, httpBytes, openSession, rawExchange, rpc, send, type WireResponse } from './wire.js';

const DENIED = -32003;
const execCall = (id: unknown = 1) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'exec', arguments: { cmd: 'rm -rf /' } } });
const echoCall = (id: unknown = 1, text = 'hello') => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text } } });
const EXEC_BODY = JSON.stringify(execCall(5));

/** What the upstream received after index `from`, as text (UTF-8). */
const bodiesSince = (upstream: RecordingUpstream | RawUpstream, from: number): string[] =>
  'executed' in upstream ? upstream.received.slice(from).map((request) => request.body.toString('utf8')) : upstream.received.slice(from);

/** True when a forwarded body (one message or a batch) asks for tools/call exec. */
function asksForExec(body: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return /"exec"/.test(body);
  }
  const messages = Array.isArray(parsed) ? parsed.flat(Infinity) : [parsed];
  return messages.some((message) => {
    const record = message as { method?: unknown; params?: { name?: unknown } } | null;
    return record?.method === 'tools/call' && record.params?.name === 'exec';
  });
}

describe.each([
  { mode: 'SSE', json: false },
  { mode: 'JSON', json: true },
])('the deny rule cannot be bypassed ($mode upstream)', ({ json }) => {
  let upstream: RecordingUpstream;
  let gateway: TestGateway;
  let session: string;
  let port: number;

  beforeAll(async () => {
    upstream = await startRecordingUpstream({ json });
    gateway = await startGateway(upstream.url);
    port = Number(new URL(gateway.url).port);
    session = await openSession(gateway.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  let mark = { executed: 0, received: 0 };
  beforeEach(() => {
    mark = { executed: upstream.executed.length, received: upstream.received.length };
  });
  afterEach(() => {
    // The one invariant of this file: whatever the attempt, exec never ran upstream
    // and no request for it reached the upstream.
    expect(upstream.executed.slice(mark.executed).filter((entry) => entry.tool === 'exec')).toEqual([]);
    expect(bodiesSince(upstream, mark.received).filter(asksForExec)).toEqual([]);
  });

  const call = (body: string | Buffer | object, headers: Record<string, string> = {}) => rpc(gateway.url, body, { 'mcp-session-id': session, ...headers });

  /** Sends `body`; expects the gateway to refuse it with -32003 for `id` and forward nothing. */
  async function expectDenied(body: string | Buffer, id: unknown = 5, headers: Record<string, string> = {}): Promise<WireResponse> {
    const before = upstream.received.length;
    const response = await call(body, headers);
    expect(response.status, response.text).toBe(200);
    expect(errorCodeFor(response.messages, id), response.text).toBe(DENIED);
    expect(bodiesSince(upstream, before)).toEqual([]);
    return response;
  }

  describe('JSON unicode escapes', () => {
    it.each([
      ['an escaped slash in the method', String.raw`{"jsonrpc":"2.0","id":5,"method":"tools\u002fcall","params":{"name":"exec","arguments":{}}}`],
      ['a JSON-escaped slash in the method', String.raw`{"jsonrpc":"2.0","id":5,"method":"tools\/call","params":{"name":"exec","arguments":{}}}`],
      ['the whole method escaped', String.raw`{"jsonrpc":"2.0","id":5,"method":"\u0074\u006f\u006f\u006c\u0073\u002f\u0063\u0061\u006c\u006c","params":{"name":"exec"}}`],
      ['an escaped letter in the tool name', String.raw`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"\u0065xec","arguments":{}}}`],
      ['the whole tool name escaped', String.raw`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"\u0065\u0078\u0065\u0063","arguments":{}}}`],
      ['upper-case hex digits in an escape', String.raw`{"jsonrpc":"2.0","id":5,"method":"tools\u002Fcall","params":{"name":"exec"}}`],
      ['escaped keys', String.raw`{"jsonrpc":"2.0","id":5,"me\u0074hod":"tools/call","p\u0061rams":{"n\u0061me":"exec"}}`],
      ['both escaped', String.raw`{"jsonrpc":"2.0","id":5,"method":"tools\u002Fcall","params":{"name":"\u0065\u0078\u0065\u0063"}}`],
    ])('decides on the decoded text: %s', async (_, body) => {
      await expectDenied(body);
    });
  });

  describe('what surrounds the JSON', () => {
    it('a UTF-8 BOM before the body does not hide the call', async () => {
      await expectDenied(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(EXEC_BODY)]));
    });

    it('whitespace of every JSON kind around the tokens does not hide the call', async () => {
      await expectDenied(` \t\r\n{ "jsonrpc" : "2.0" ,\n"id":5 ,\r"method"\t:"tools/call", "params" : { "name" :\n"exec" } }\n\n `);
    });

    it.each([
      ['a second JSON value', `${EXEC_BODY} ${JSON.stringify(echoCall(6))}`],
      ['a NUL byte', `${EXEC_BODY}\u0000`],
      ['a comment', `${EXEC_BODY} // exec`],
      ['a trailing comma inside', EXEC_BODY.replace(/}}$/, ',}}')],
      ['single quotes', EXEC_BODY.replace(/"/g, "'")],
    ])('a body with %s is not JSON: 400 -32700, nothing forwarded', async (_, body) => {
      const before = upstream.received.length;
      const response = await call(body);
      expect(response.status).toBe(400);
      expect(errorCodeFor(response.messages, null)).toBe(-32700);
      expect(bodiesSince(upstream, before)).toEqual([]);
    });
  });

  describe('duplicate keys', () => {
    it('refuses "name":"echo","name":"exec" (the last one wins, for the gateway as for JSON.parse)', async () => {
      await expectDenied('{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","name":"exec","arguments":{}}}');
    });

    it('forwards "name":"exec","name":"echo" as echo only, re-serialized with one name', async () => {
      const before = upstream.received.length;
      const response = await call('{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"exec","name":"echo","arguments":{"text":"hi"}}}');
      expect(response.status).toBe(200);
      const forwarded = bodiesSince(upstream, before);
      expect(forwarded).toHaveLength(1);
      expect(JSON.parse(forwarded[0] as string)).toEqual(echoCall(5, 'hi'));
      expect(forwarded[0]).not.toContain('exec');
    });

    it('refuses an escaped duplicate of the name key ("name":"echo","n\\u0061me":"exec")', async () => {
      await expectDenied(String.raw`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","n\u0061me":"exec"}}`);
    });

    it('refuses duplicate method keys whose last value is tools/call', async () => {
      await expectDenied('{"jsonrpc":"2.0","id":5,"method":"ping","method":"tools/call","params":{"name":"exec"}}');
    });

    it('forwards duplicate method keys whose last value is ping as ping, and the upstream does not run a tool', async () => {
      const before = upstream.received.length;
      const response = await call('{"jsonrpc":"2.0","id":5,"method":"tools/call","method":"ping","params":{"name":"exec"}}');
      expect(response.status).toBe(200);
      const forwarded = bodiesSince(upstream, before);
      expect(forwarded).toHaveLength(1);
      expect(JSON.parse(forwarded[0] as string)).toMatchObject({ method: 'ping' });
      expect(forwarded[0]?.match(/"method"/g)).toHaveLength(1);
    });

    it('refuses duplicate params whose last value names exec', async () => {
      await expectDenied('{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo"},"params":{"name":"exec"}}');
    });

    it('forwards duplicate params whose last value names echo, without the first', async () => {
      const before = upstream.received.length;
      await call('{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"exec","arguments":{"cmd":"x"}},"params":{"name":"echo","arguments":{"text":"ok"}}}');
      const forwarded = bodiesSince(upstream, before);
      expect(forwarded.map((body) => JSON.parse(body) as unknown)).toEqual([echoCall(5, 'ok')]);
    });

    it('redacts the argument value that survives duplicate keys, whichever order', async () => {
      const before = upstream.received.length;
      await call(`{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","arguments":{"text":"${AWS_KEY}","text":"plain"}}}`);
      await call(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"plain","text":"${AWS_KEY}"}}}`);
      const forwarded = bodiesSince(upstream, before);
      expect(forwarded.map((body) => (JSON.parse(body) as { params: { arguments: unknown } }).params.arguments)).toEqual([{ text: 'plain' }, { text: '[REDACTED]' }]);
      expect(forwarded.join('')).not.toMatch(SECRET_PATTERN);
    });
  });

  describe('batches', () => {
    it('refuses a batch mixing allowed and denied calls whole, forwarding nothing', async () => {
      const before = upstream.received.length;
      const response = await call([echoCall(1), execCall(2), echoCall(3)]);
      expect(response.status).toBe(200);
      expect(response.messages.map((message) => (message as { error: { code: number } }).error.code)).toEqual([DENIED, DENIED, DENIED]);
      expect(bodiesSince(upstream, before)).toEqual([]);
    });

    it('refuses nested arrays ([[exec]], [[echo],[exec]]) and forwards nothing', async () => {
      const before = upstream.received.length;
      for (const body of [[[execCall(1)]], [[echoCall(1)], [execCall(2)]], [echoCall(1), [execCall(2)]], [[[[execCall(3)]]]]]) {
        const response = await call(body);
        expect([200, 400]).toContain(response.status);
        expect(response.messages.length).toBeGreaterThan(0);
        for (const message of response.messages) expect(message).toMatchObject({ error: { code: expect.any(Number) } });
      }
      expect(bodiesSince(upstream, before)).toEqual([]);
    });

    it('refuses a batch of one denied call with a batch answer', async () => {
      const before = upstream.received.length;
      const response = await call([execCall(9)]);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual([{ jsonrpc: '2.0', id: 9, error: { code: DENIED, message: 'denied by policy: exec is disabled', data: { rule: 'deny-exec', generation: 1 } } }]);
      expect(bodiesSince(upstream, before)).toEqual([]);
    });

    it.each([
      ['first', 0],
      ['in the middle', 50],
      ['last', 99],
    ])('refuses a batch of 100 small requests (the most one batch may hold) with exec %s', async (_, at) => {
      const batch = Array.from({ length: 100 }, (__, i) => (i === at ? execCall(`id-${i}`) : echoCall(`id-${i}`, `t${i}`)));
      const before = upstream.received.length;
      const response = await call(batch);
      expect(response.status).toBe(200);
      expect(response.messages).toHaveLength(100);
      expect(errorCodeFor(response.messages, `id-${at}`)).toBe(DENIED);
      expect(response.messages.every((message) => (message as { error?: { code: number } }).error?.code === DENIED)).toBe(true);
      expect(bodiesSince(upstream, before)).toEqual([]);
    });

    it('refuses a batch of 100 where exec hides as a notification (no id)', async () => {
      const batch: unknown[] = Array.from({ length: 99 }, (_, i) => echoCall(i + 1));
      batch.splice(40, 0, { jsonrpc: '2.0', method: 'tools/call', params: { name: 'exec' } });
      const before = upstream.received.length;
      const response = await call(batch);
      expect(response.status).toBe(200);
      expect(response.messages).toHaveLength(99);
      expect(bodiesSince(upstream, before)).toEqual([]);
    });

    it('refuses a batch of more than 100 messages whole, exec among them, forwarding nothing', async () => {
      const batch = Array.from({ length: 1000 }, (__, i) => (i === 500 ? execCall(`id-${i}`) : echoCall(`id-${i}`, `t${i}`)));
      const before = upstream.received.length;
      const response = await call(batch);
      expect(response.status).toBe(400);
      expect(response.messages).toMatchObject([{ id: null, error: { code: -32600, message: 'Invalid Request: a batch of 1000 messages is more than the gateway takes (100)' } }]);
      expect(bodiesSince(upstream, before)).toEqual([]);
    });

    it('refuses a batch that reuses an id, one of them exec', async () => {
      const before = upstream.received.length;
      const response = await call([echoCall(1), execCall(1)]);
      expect(response.status).toBe(200);
      expect(response.messages.map((message) => (message as { error: { code: number } }).error.code)).toEqual([-32600, -32600]);
      expect(bodiesSince(upstream, before)).toEqual([]);
    });
  });

  describe('method variants are not tools/call for the policy, and the upstream does not run exec for them', () => {
    it.each(['Tools/Call', 'TOOLS/CALL', 'tools/call ', ' tools/call', 'tools/call\n', '\ttools/call', 'tools/call\u0000', 'tools//call', 'tools/call/', 'tools\u2215call', 'tools/\u200bcall'])(
      'method %j',
      async (method) => {
        const response = await call({ jsonrpc: '2.0', id: 5, method, params: { name: 'exec', arguments: { cmd: 'id' } } });
        // Forwarded (the policy matches methods exactly) — and the upstream answers "method not found".
        expect(response.status).toBe(200);
        expect(errorCodeFor(response.messages, 5), response.text).toBe(-32601);
        expect(response.text).not.toContain('ran ');
      },
    );

    it('a deny rule for tools/call still holds when the same call comes as a notification or with id null', async () => {
      const before = upstream.received.length;
      const notification = await call({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'exec' } });
      expect(notification.status).toBe(403);
      await expectDenied(JSON.stringify(execCall(null)), null);
      expect(bodiesSince(upstream, before)).toEqual([]);
    });
  });

  describe('tool name variants reach the upstream as other names, never as exec', () => {
    it.each(['exec ', ' exec', 'EXEC', 'Exec', 'exec\u0000', 'ex\u200bec', '\u200bexec', 'exec\n', 'exec\r\n', 'exec\t', '\ufeffexec', '\uff45\uff58\uff45\uff43', 'exe\u0441', 'exec/', './exec'])(
      'tool %j',
      async (name) => {
        const response = await call({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name, arguments: { cmd: 'id' } } });
        expect(response.status).toBe(200);
        // The SDK upstream answers an unknown tool with an isError result (or a JSON-RPC error).
        const answer = response.messages.find((message) => (message as { id?: unknown }).id === 5) as { result?: { isError?: boolean }; error?: unknown };
        expect(answer?.error !== undefined || answer?.result?.isError === true, response.text).toBe(true);
        expect(response.text).not.toContain('ran id');
      },
    );
  });

  describe('Content-Type and Content-Encoding', () => {
    it.each([
      ['missing', undefined],
      ['application/json; charset=utf-8', 'application/json; charset=utf-8'],
      ['text/plain', 'text/plain'],
      ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
      ['multipart/form-data', 'multipart/form-data; boundary=x'],
      ['application/json; charset=iso-8859-1', 'application/json; charset=iso-8859-1'],
    ])('Content-Type %s: the body is decided anyway, and forwarded as application/json', async (_, type) => {
      const headers: Record<string, string> = { accept: 'application/json, text/event-stream', 'mcp-session-id': session };
      if (type !== undefined) headers['content-type'] = type;
      const denied = await send(gateway.url, { headers, body: EXEC_BODY });
      expect(errorCodeFor(denied.messages, 5)).toBe(DENIED);
      const before = upstream.received.length;
      const allowed = await send(gateway.url, { headers, body: JSON.stringify(echoCall(6, AWS_KEY)) });
      expect(allowed.status).toBe(200);
      expect(upstream.received.slice(before).map((request) => request.headers['content-type'])).toEqual(['application/json']);
      expect(bodiesSince(upstream, before).join('')).not.toMatch(SECRET_PATTERN);
    });

    it('refuses a form-encoded body that is not JSON (400 -32700) and forwards nothing', async () => {
      const before = upstream.received.length;
      const response = await send(gateway.url, { headers: { 'content-type': 'application/x-www-form-urlencoded', 'mcp-session-id': session }, body: 'jsonrpc=2.0&id=5&method=tools%2Fcall&params[name]=exec' });
      expect(response.status).toBe(400);
      expect(errorCodeFor(response.messages, null)).toBe(-32700);
      expect(bodiesSince(upstream, before)).toEqual([]);
    });

    it('refuses a UTF-16 body (it is not UTF-8 JSON) and forwards nothing', async () => {
      const before = upstream.received.length;
      for (const body of [Buffer.from(EXEC_BODY, 'utf16le'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(EXEC_BODY, 'utf16le')])]) {
        const response = await send(gateway.url, { headers: { 'content-type': 'application/json; charset=utf-16', 'mcp-session-id': session }, body });
        expect(response.status).toBe(400);
      }
      expect(bodiesSince(upstream, before)).toEqual([]);
    });

    it.each([
      ['gzip', gzipSync],
      ['x-gzip', gzipSync],
      ['GZIP', gzipSync],
      [' gzip ', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
    ] as const)('Content-Encoding %j: decoded, decided and forwarded decoded', async (encoding, encode) => {
      const headers = { 'content-encoding': encoding };
      await expectDenied(encode(Buffer.from(EXEC_BODY)), 5, headers);
      const before = upstream.received.length;
      const allowed = await call(encode(Buffer.from(JSON.stringify(echoCall(6, AWS_KEY)))), headers);
      expect(allowed.status).toBe(200);
      const forwarded = upstream.received.slice(before);
      expect(forwarded).toHaveLength(1);
      expect(forwarded[0]?.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(forwarded[0]?.body.toString('utf8') as string)).toEqual(echoCall(6, '[REDACTED]'));
    });

    it.each(['compress', 'zstd', 'gzip, br', 'gzip, gzip', 'identity, gzip', 'base64', 'chunked', 'gzip;q=1'])('Content-Encoding %j: 415, nothing forwarded', async (encoding) => {
      const before = upstream.received.length;
      const response = await call(gzipSync(Buffer.from(EXEC_BODY)), { 'content-encoding': encoding });
      expect(response.status).toBe(415);
      expect(bodiesSince(upstream, before)).toEqual([]);
    });

    it('refuses a body that lies about its encoding, or is compressed without saying so', async () => {
      const before = upstream.received.length;
      const lying = await call(EXEC_BODY, { 'content-encoding': 'gzip' });
      expect(lying.status).toBe(400);
      const undeclared = await call(gzipSync(Buffer.from(EXEC_BODY)));
      expect(undeclared.status).toBe(400);
      const twice = await call(gzipSync(gzipSync(Buffer.from(EXEC_BODY))), { 'content-encoding': 'gzip' });
      expect(twice.status).toBe(400);
      const truncated = gzipSync(Buffer.from(EXEC_BODY));
      const cut = await call(truncated.subarray(0, truncated.length - 12), { 'content-encoding': 'gzip' });
      expect(cut.status).toBe(400);
      expect(bodiesSince(upstream, before)).toEqual([]);
    });
  });

  describe('invalid UTF-8', () => {
    const withBytes = (template: string, bytes: number[]) => {
      const [head, tail] = template.split('@@') as [string, string];
      return Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]);
    };
    it.each([
      ['in the method', '{"jsonrpc":"2.0","id":5,"method":"tools/c@@all","params":{"name":"exec"}}', [0xff]],
      ['an overlong "/" in the method', '{"jsonrpc":"2.0","id":5,"method":"tools@@call","params":{"name":"exec"}}', [0xc0, 0xaf]],
      ['in the tool name', '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"ex@@ec"}}', [0xfe]],
      ['an encoded surrogate in the tool name', '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"exec@@"}}', [0xed, 0xa0, 0x80]],
      ['in an argument', '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"exec","arguments":{"cmd":"@@"}}}', [0xe2, 0x82]],
      ['in a key', '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"exec","@@":1}}', [0x80]],
      ['between tokens', '{"jsonrpc":"2.0",@@"id":5,"method":"tools/call","params":{"name":"exec"}}', [0xa0]],
      ['a truncated sequence at the end', '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"exec"}}@@', [0xf0, 0x9f, 0x98]],
      ['a code point above U+10FFFF', '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"exec","x":"@@"}}', [0xf4, 0x90, 0x80, 0x80]],
    ])('refuses it %s with 400 -32700 and forwards nothing', async (_, template, bytes) => {
      const before = upstream.received.length;
      const response = await call(withBytes(template, bytes));
      expect(response.status).toBe(400);
      expect(errorCodeFor(response.messages, null)).toBe(-32700);
      expect(bodiesSince(upstream, before)).toEqual([]);
    });

    it('refuses a mirrored Mcp-Name header that disagrees with the body, even in raw bytes', async () => {
      const before = upstream.received.length;
      for (const name of ['echo', 'exec\u00ff', '=?base64?ZWNobw==?=']) {
        const response = await rawExchange(port, httpBytes('POST', '/mcp', [['Host', 'x'], ['Content-Type', 'application/json'], ['Mcp-Session-Id', session], ['Mcp-Name', name], ['Connection', 'close'], ['Content-Length', String(EXEC_BODY.length)]], EXEC_BODY));
        expect(response.statuses).toEqual([400]);
        expect(response.raw).toContain('-32020');
      }
      expect(bodiesSince(upstream, before)).toEqual([]);
    });
  });

  describe('a request written one byte per TCP write', () => {
    const headers = (length: number): Array<[string, string]> => [
      ['Host', '127.0.0.1'],
      ['Content-Type', 'application/json'],
      ['Accept', 'application/json, text/event-stream'],
      ['Mcp-Session-Id', session],
      ['Connection', 'close'],
      ['Content-Length', String(length)],
    ];

    it('is still refused when it asks for exec (Content-Length body)', async () => {
      const before = upstream.received.length;
      const response = await rawExchange(port, httpBytes('POST', '/mcp', headers(EXEC_BODY.length), EXEC_BODY), { byteByByte: true, timeoutMs: 15_000 });
      expect(response.statuses).toEqual([200]);
      expect(response.raw).toContain('"code":-32003');
      expect(bodiesSince(upstream, before)).toEqual([]);
    });

    it('is still refused when it asks for exec in 1-byte chunks of a chunked body', async () => {
      const before = upstream.received.length;
      const head: Array<[string, string]> = [...headers(0).slice(0, 5), ['Transfer-Encoding', 'chunked']];
      const response = await rawExchange(port, httpBytes('POST', '/mcp', head, chunked(EXEC_BODY, 1)), { byteByByte: true, timeoutMs: 15_000 });
      expect(response.statuses).toEqual([200]);
      expect(response.raw).toContain('"code":-32003');
      expect(bodiesSince(upstream, before)).toEqual([]);
    });

    it('is still redacted when allowed, a multi-byte character split across writes', async () => {
      const body = JSON.stringify(echoCall(6, `é€😀 ${AWS_KEY} 😀`));
      const before = upstream.received.length;
      const response = await rawExchange(port, httpBytes('POST', '/mcp', headers(Buffer.byteLength(body)), body), { byteByByte: true, timeoutMs: 15_000 });
      expect(response.statuses).toEqual([200]);
      expect(response.raw).not.toMatch(SECRET_PATTERN);
      const forwarded = bodiesSince(upstream, before);
      expect(forwarded.map((text) => JSON.parse(text) as unknown)).toEqual([echoCall(6, 'é€😀 [REDACTED] 😀')]);
    });
  });

  describe('request smuggling', () => {
    const base: Array<[string, string]> = [
      ['Host', '127.0.0.1'],
      ['Content-Type', 'application/json'],
      ['Accept', 'application/json, text/event-stream'],
    ];
    /** A complete second request, calling exec with a valid session: what a smuggler wants the upstream to parse. */
    const smuggled = () =>
      httpBytes('POST', '/mcp', [...base, ['Mcp-Session-Id', session], ['Connection', 'close'], ['Content-Length', String(EXEC_BODY.length)]], EXEC_BODY);

    it.each([
      ['Content-Length and Transfer-Encoding: chunked', () => httpBytes('POST', '/mcp', [...base, ['Content-Length', '4'], ['Transfer-Encoding', 'chunked'], ['Mcp-Session-Id', session]], chunked(EXEC_BODY, 16))],
      ['Transfer-Encoding: chunked and Content-Length', () => httpBytes('POST', '/mcp', [...base, ['Transfer-Encoding', 'chunked'], ['Content-Length', '4'], ['Mcp-Session-Id', session]], chunked(EXEC_BODY, 16))],
      ['two equal Content-Lengths', () => httpBytes('POST', '/mcp', [...base, ['Content-Length', String(EXEC_BODY.length)], ['Content-Length', String(EXEC_BODY.length)], ['Mcp-Session-Id', session]], EXEC_BODY)],
      ['two different Content-Lengths', () => httpBytes('POST', '/mcp', [...base, ['Content-Length', '2'], ['Content-Length', String(EXEC_BODY.length)], ['Mcp-Session-Id', session]], EXEC_BODY)],
      ['Content-Length: 1, 2', () => httpBytes('POST', '/mcp', [...base, ['Content-Length', `2, ${EXEC_BODY.length}`], ['Mcp-Session-Id', session]], EXEC_BODY)],
      ['Transfer-Encoding: chunked, identity', () => httpBytes('POST', '/mcp', [...base, ['Transfer-Encoding', 'chunked, identity'], ['Mcp-Session-Id', session]], chunked(EXEC_BODY, 16))],
      ['Transfer-Encoding: xchunked', () => httpBytes('POST', '/mcp', [...base, ['Transfer-Encoding', 'xchunked'], ['Mcp-Session-Id', session]], chunked(EXEC_BODY, 16))],
      ['a space before the colon', () => httpBytes('POST', '/mcp', [...base, ['Transfer-Encoding ', 'chunked'], ['Mcp-Session-Id', session]], chunked(EXEC_BODY, 16))],
      ['an obs-fold continuation line', () => httpBytes('POST', '/mcp', [...base, ['Transfer-Encoding', '\r\n chunked'], ['Mcp-Session-Id', session]], chunked(EXEC_BODY, 16))],
      ['Content-Length: +N', () => httpBytes('POST', '/mcp', [...base, ['Content-Length', `+${EXEC_BODY.length}`], ['Mcp-Session-Id', session]], EXEC_BODY)],
      ['a bare LF in the headers', () => Buffer.from(`POST /mcp HTTP/1.1\r\nHost: x\nTransfer-Encoding: chunked\r\nMcp-Session-Id: ${session}\r\n\r\n${chunked(EXEC_BODY, 16).toString('latin1')}`, 'latin1')],
      ['a lower-case method', () => httpBytes('post', '/mcp', [...base, ['Content-Length', String(EXEC_BODY.length)], ['Mcp-Session-Id', session]], EXEC_BODY)],
    ])('%s: 400 (or a refusal of exactly the call the gateway read), nothing forwarded', async (_, bytes) => {
      const before = upstream.received.length;
      const response = await rawExchange(port, bytes(), { timeoutMs: 3000 });
      expect(response.statuses.length).toBeGreaterThan(0);
      const refusedWhole = response.statuses.every((status) => status === 400);
      expect(refusedWhole || response.raw.includes('"code":-32003'), response.raw).toBe(true);
      expect(response.closedByServer).toBe(true);
      expect(bodiesSince(upstream, before)).toEqual([]);
    });

    it('Expect: 100-continue, the body sent after the interim answer: still refused', async () => {
      const before = upstream.received.length;
      const response = await rawExchange(port, httpBytes('POST', '/mcp', [...base, ['Mcp-Session-Id', session], ['Expect', '100-continue'], ['Connection', 'close'], ['Content-Length', String(EXEC_BODY.length)]], EXEC_BODY), { timeoutMs: 3000 });
      expect(response.statuses.filter((status) => status !== 100)).toEqual([200]);
      expect(response.raw).toContain('"code":-32003');
      expect(bodiesSince(upstream, before)).toEqual([]);
    });

    it('decides each of two pipelined requests on its own: the second (exec) is refused', async () => {
      const before = upstream.received.length;
      const first = JSON.stringify(echoCall(6, 'first'));
      const bytes = Buffer.concat([
        httpBytes('POST', '/mcp', [...base, ['Mcp-Session-Id', session], ['Content-Length', String(first.length)]], first),
        httpBytes('POST', '/mcp', [...base, ['Mcp-Session-Id', session], ['Connection', 'close'], ['Content-Length', String(EXEC_BODY.length)]], EXEC_BODY),
      ]);
      const response = await rawExchange(port, bytes, { timeoutMs: 5000 });
      expect(response.statuses).toEqual([200, 200]);
      expect(response.raw).toContain('"code":-32003');
      expect(bodiesSince(upstream, before).map((body) => JSON.parse(body) as unknown)).toEqual([echoCall(6, 'first')]);
    });

    it('a Content-Length shorter than the body: the rest is parsed as a next request and decided on its own', async () => {
      const before = upstream.received.length;
      const first = JSON.stringify(echoCall(6, 'short'));
      // The declared length covers the first JSON; what follows is a full second request (exec).
      const bytes = httpBytes('POST', '/mcp', [...base, ['Mcp-Session-Id', session], ['Content-Length', String(first.length)]], Buffer.concat([Buffer.from(first), smuggled()]));
      const response = await rawExchange(port, bytes, { timeoutMs: 3000 });
      expect(response.statuses).toEqual([200, 200]);
      expect(response.raw).toContain('"code":-32003');
      expect(bodiesSince(upstream, before).map((body) => JSON.parse(body) as unknown)).toEqual([echoCall(6, 'short')]);
    });

    it('a Content-Length longer than the body: nothing is forwarded, the lease is released when the client leaves', async () => {
      const before = upstream.received.length;
      const response = await rawExchange(port, httpBytes('POST', '/mcp', [...base, ['Mcp-Session-Id', session], ['Content-Length', String(EXEC_BODY.length + 100)]], EXEC_BODY), { timeoutMs: 500 });
      expect(response.closedByServer).toBe(false);
      expect(bodiesSince(upstream, before)).toEqual([]);
      await expect.poll(() => gateway.handle.inFlight()).toBe(0);
    });
  });
});

describe('a body on a request other than POST (never evaluated by the gateway)', () => {
  let upstream: RecordingUpstream;
  let gateway: TestGateway;
  let session: string;
  let port: number;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    gateway = await startGateway(upstream.url);
    port = Number(new URL(gateway.url).port);
    session = await openSession(gateway.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  /** A complete POST calling exec with a valid session: what a smuggler wants the upstream to parse. */
  const smuggled = () =>
    httpBytes('POST', '/mcp', [['Host', '127.0.0.1'], ['Content-Type', 'application/json'], ['Accept', 'application/json, text/event-stream'], ['Mcp-Session-Id', session], ['Connection', 'close'], ['Content-Length', String(EXEC_BODY.length)]], EXEC_BODY);

  // A method that carries no JSON-RPC message must carry no body: it is refused (400; 405 for methods MCP
  // does not use), so nothing unevaluated reaches the upstream, least of all a second, smuggled request.
  it.each([
    ['GET', 400],
    ['DELETE', 400],
    ['OPTIONS', 400],
    ['PUT', 405],
  ] as const)('a %s with a chunked body smuggles no request to the upstream (answered %i)', async (method, status) => {
    const before = upstream.received.length;
    const ran = upstream.executed.length;
    const answer = await rawExchange(port, httpBytes(method, '/mcp', [['Host', '127.0.0.1'], ['Accept', 'text/event-stream'], ['Mcp-Session-Id', 'not-a-session'], ['Transfer-Encoding', 'chunked'], ['Connection', 'close']], chunked(smuggled(), 64)), { timeoutMs: 2000 });
    expect(answer.statuses).toEqual([status]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(upstream.executed.slice(ran)).toEqual([]);
    expect(upstream.received.slice(before)).toEqual([]);
  });

  it.each(['GET', 'DELETE', 'PUT'])('a %s with a Content-Length body: the unevaluated body does not reach the upstream', async (method) => {
    const before = upstream.received.length;
    const body = JSON.stringify(echoCall(6, AWS_KEY));
    const answer = await rawExchange(port, httpBytes(method, '/mcp', [['Host', '127.0.0.1'], ['Content-Type', 'application/json'], ['Accept', 'text/event-stream'], ['Mcp-Session-Id', 'not-a-session'], ['Content-Length', String(body.length)], ['Connection', 'close']], body), { timeoutMs: 2000 });
    expect(answer.statuses).toEqual([method === 'PUT' ? 405 : 400]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Neither the body nor the secret in it went upstream.
    expect(upstream.received.slice(before)).toEqual([]);
  });

  it('a GET without a body still opens the notification stream upstream', async () => {
    const before = upstream.received.length;
    await rawExchange(port, httpBytes('GET', '/mcp', [['Host', '127.0.0.1'], ['Accept', 'text/event-stream'], ['Mcp-Session-Id', 'not-a-session'], ['Connection', 'close']], ''), { timeoutMs: 2000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(upstream.received.slice(before).map((request) => [request.method, request.body.length])).toEqual([['GET', 0]]);
  });
});

describe('prototype pollution (gateway in this process)', () => {
  let upstream: RawUpstream;
  let gateway: TestGateway;
  let respondWith: (id: unknown) => string = (id) => JSON.stringify({ jsonrpc: '2.0', id, result: { content: [] } });
  const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort();
  let keysBefore: string[];

  beforeAll(async () => {
    keysBefore = prototypeKeys();
    upstream = await startRawUpstream((_req, res, body) => {
      let id: unknown = null;
      try {
        id = (JSON.parse(body) as { id?: unknown }).id ?? null;
      } catch {
        // answered anyway
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(respondWith(id));
    });
    gateway = await startGateway(upstream.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  afterEach(() => {
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(prototypeKeys()).toEqual(keysBefore);
    expect(upstream.received.filter(asksForExec)).toEqual([]);
  });

  it('a deny still holds with __proto__, constructor and prototype keys around the call', async () => {
    const bodies = [
      '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"exec","__proto__":{"polluted":"yes","name":"echo"}}}',
      '{"__proto__":{"polluted":"yes"},"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"exec"}}',
      '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"constructor":{"prototype":{"polluted":"yes"}},"name":"exec","arguments":{"prototype":{"polluted":"yes"}}}}',
      '[{"__proto__":{"polluted":"yes"},"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"exec"}}]',
    ];
    for (const body of bodies) {
      const before = upstream.received.length;
      const response = await rpc(gateway.url, body);
      expect(errorCodeFor(response.messages, 5), body).toBe(DENIED);
      expect(upstream.received.length).toBe(before);
    }
  });

  it('a name that only an inherited __proto__ could supply is not a name: -32602, not forwarded', async () => {
    const before = upstream.received.length;
    const response = await rpc(gateway.url, '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"__proto__":{"name":"exec"}}}');
    expect(errorCodeFor(response.messages, 5)).toBe(-32602);
    expect(upstream.received.length).toBe(before);
  });

  it('forwards __proto__ / constructor / prototype keys as own keys, redacted, polluting nothing', async () => {
    const body = `{"__proto__":{"polluted":"yes"},"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","arguments":{"__proto__":{"text":"${AWS_KEY}","polluted":"yes"},"constructor":{"prototype":{"polluted":"${AWS_KEY}"}},"prototype":{"polluted":"yes"},"${AWS_KEY}":{"__proto__":{"polluted":"yes"}}}}}`;
    const before = upstream.received.length;
    const response = await rpc(gateway.url, body);
    expect(response.status).toBe(200);
    const forwarded = upstream.received.slice(before);
    expect(forwarded).toHaveLength(1);
    const text = forwarded[0] as string;
    expect(text).not.toMatch(SECRET_PATTERN);
    // The keys survive as own keys: the upstream reads the message the policy saw.
    expect(text).toContain('"__proto__":{"text":"[REDACTED]","polluted":"yes"}');
    expect(text).toContain('"constructor":{"prototype":{"polluted":"[REDACTED]"}}');
    expect(text).toContain('"[REDACTED]":{"__proto__":{"polluted":"yes"}}');
  });

  it('redacts __proto__ / constructor keys in a response without polluting anything', async () => {
    respondWith = (id) => `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"__proto__":{"polluted":"yes","text":"${AWS_KEY}"},"constructor":{"prototype":{"polluted":"yes"}},"content":[{"type":"text","text":"ok","__proto__":{"${AWS_KEY}":"x"}}]},"__proto__":{"polluted":"yes"}}`;
    try {
      const response = await rpc(gateway.url, echoCall(7));
      expect(response.status).toBe(200);
      expect(response.raw).not.toMatch(SECRET_PATTERN);
      expect(response.text).toContain('"__proto__":{"polluted":"yes","text":"[REDACTED]"}');
      expect(response.text).toContain('"__proto__":{"[REDACTED]":"x"}');
    } finally {
      respondWith = (id) => JSON.stringify({ jsonrpc: '2.0', id, result: { content: [] } });
    }
  });
});
