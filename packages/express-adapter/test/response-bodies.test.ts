import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './fixtures/gateway.js';
import { startRawUpstream, type RawUpstream } from './fixtures/raw-upstream.js';

const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const call = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: {} } });

/** UTF-16 big-endian bytes of a text (Node has only the little-endian codec). */
const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();

describe('answer bodies in charsets and codings', () => {
  let upstream: RawUpstream;
  let gateway: TestGateway;
  let answer: (res: ServerResponse) => void;
  beforeAll(async () => {
    upstream = await startRawUpstream((_req, res) => answer(res));
    gateway = await startGateway(upstream.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const fetchAnswer = async () => {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: call(1) });
    return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
  };

  it.each([
    ['utf-16le', (text: string) => Buffer.from(text, 'utf16le')],
    ['UTF-16BE', utf16be],
    ['"utf-16"', (text: string) => Buffer.from(text, 'utf16le')],
    ['windows-1252', (text: string) => Buffer.from(text, 'latin1')],
  ])('a text body in charset %s is redacted as the text the client will read, and sent as UTF-8', async (charset, encode) => {
    answer = (res) => void res.writeHead(200, { 'content-type': `text/plain; charset=${charset}; format=flowed` }).end(encode(`key=${AWS_KEY} café`));
    const { status, type, bytes } = await fetchAnswer();
    expect(status).toBe(200);
    expect(type).toBe('text/plain; format=flowed; charset=utf-8');
    expect(bytes.toString('utf8')).toBe('key=[REDACTED] café');
  });

  it('a text body in another charset than UTF-8 is always sent as the text read, in UTF-8: its bytes may hold what the charset hides', async () => {
    // ASCII bytes that happen to be valid UTF-16LE: read as declared, nothing matches; a client that ignores the charset would read the key.
    answer = (res) => void res.writeHead(200, { 'content-type': 'text/plain; charset=utf-16le' }).end(Buffer.from(`key ${AWS_KEY}!!`, 'latin1'));
    const { status, type, bytes } = await fetchAnswer();
    expect(status).toBe(200);
    expect(type).toBe('text/plain; charset=utf-8');
    expect(bytes.toString('latin1')).not.toContain(AWS_KEY);
    expect(bytes.toString('utf8')).toBe(Buffer.from(`key ${AWS_KEY}!!`, 'latin1').toString('utf16le'));
    // Nothing hidden: the same text, now in UTF-8.
    answer = (res) => void res.writeHead(200, { 'content-type': 'text/plain; charset=utf-16le' }).end(Buffer.from('nothing secret here', 'utf16le'));
    expect((await fetchAnswer()).bytes.toString('utf8')).toBe('nothing secret here');
  });

  it('a body that is JSON is read as JSON whatever its Content-Type says: escaped secrets are redacted, tools lists filtered', async () => {
    const escaped = '{"jsonrpc":"2.0","id":1,"result":{"text":"\\u0041KIAIOSFODNN7EXAMPLE"}}';
    answer = (res) => void res.writeHead(200, { 'content-length': Buffer.byteLength(escaped) }).end(escaped);
    let result = await fetchAnswer();
    expect(JSON.parse(result.bytes.toString('utf8'))).toEqual({ jsonrpc: '2.0', id: 1, result: { text: '[REDACTED]' } });
    // An answer to no request the gateway knows, as text/plain after a byte order mark: still read as JSON, its tools list filtered.
    const stray = JSON.stringify({ jsonrpc: '2.0', id: 'never-asked', result: { tools: [{ name: 'exec', inputSchema: {} }, { name: 'echo', inputSchema: {} }] } });
    answer = (res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end(`\ufeff${stray}`);
    result = await fetchAnswer();
    expect(JSON.parse(result.bytes.toString('utf8'))).toMatchObject({ result: { tools: [{ name: 'echo' }] } });
  });

  it('a JSON answer in UTF-16 is read in its charset: the secret in it is redacted', async () => {
    answer = (res) => void res.writeHead(200, { 'content-type': 'application/json; charset=utf-16le' }).end(Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { text: AWS_KEY } }), 'utf16le'));
    const { status, type, bytes } = await fetchAnswer();
    expect(status).toBe(200);
    expect(type).toBe('application/json; charset=utf-8');
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({ jsonrpc: '2.0', id: 1, result: { text: '[REDACTED]' } });
  });

  it('a charset the gateway cannot decode, or bytes not valid in the declared one: 502, nothing passed on', async () => {
    answer = (res) => void res.writeHead(200, { 'content-type': 'text/plain; charset=x-mystery' }).end(`key=${AWS_KEY}`);
    let result = await fetchAnswer();
    expect(result.status).toBe(502);
    expect(JSON.parse(result.bytes.toString('utf8'))).toMatchObject({ error: { message: 'upstream "main" sent an answer the gateway cannot read: its charset "x-mystery" is not one the gateway can read' } });
    answer = (res) => void res.writeHead(200, { 'content-type': 'text/plain; charset=utf-16le' }).end(Buffer.from(`key=${AWS_KEY}!`, 'latin1'));
    result = await fetchAnswer();
    expect(result.status).toBe(502);
    expect(result.bytes.toString('latin1')).not.toContain(AWS_KEY);
  });

  it('an error that quotes what the upstream sent is redacted: a secret in a charset or a coding never reaches the client', async () => {
    // Lowercase survives the charset's lowercasing: the token still matches the policy's pattern.
    const token = `ghp_${'a1b2c3'.repeat(6)}`;
    answer = (res) => void res.writeHead(200, { 'content-type': `text/plain; charset=${token}` }).end('x');
    let result = await fetchAnswer();
    expect(result.status).toBe(502);
    expect(JSON.parse(result.bytes.toString('utf8'))).toMatchObject({ error: { code: -32010, message: 'upstream "main" sent an answer the gateway cannot read: its charset "[REDACTED]" is not one the gateway can read' } });
    answer = (res) => void res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': token }).end('x');
    result = await fetchAnswer();
    expect(result.status).toBe(502);
    expect(JSON.parse(result.bytes.toString('utf8'))).toMatchObject({ error: { code: -32010, message: 'upstream "main" sent its answer with Content-Encoding "[REDACTED]", which the gateway cannot read' } });
  });

  it('a Content-Encoding the gateway cannot read is refused, not passed on as if it were plain', async () => {
    answer = (res) => void res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'zstd' }).end(`key=${AWS_KEY}`);
    const { status, bytes } = await fetchAnswer();
    expect(status).toBe(502);
    expect(JSON.parse(bytes.toString('utf8'))).toMatchObject({ error: { message: 'upstream "main" sent its answer with Content-Encoding "zstd", which the gateway cannot read' } });
    expect(bytes.toString('latin1')).not.toContain(AWS_KEY);
  });

  it.each([
    ['Content-Type', { 'content-type': `application/json; note=${AWS_KEY}` }],
    ['ETag', { etag: `"${AWS_KEY}"` }],
    ['Cache-Control', { 'cache-control': `private, x=${AWS_KEY}` }],
    ['Vary', { vary: AWS_KEY }],
    ['Date', { date: AWS_KEY }],
    ['Last-Modified', { 'last-modified': AWS_KEY }],
  ])('a secret in the %s header is redacted like any header value', async (_, headers) => {
    answer = (res) => void res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} }));
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: call(1) });
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    expect(JSON.stringify([...response.headers])).not.toContain(AWS_KEY);
    expect(JSON.stringify([...response.headers])).toContain('[REDACTED]');
  });

  it('a header whose name holds a secret is left out', async () => {
    answer = (res) => void res.writeHead(200, { 'content-type': 'application/json', [`x-${AWS_KEY}`]: '1', 'x-kept': 'yes' }).end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} }));
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: call(1) });
    await response.arrayBuffer();
    expect([...response.headers.keys()].join(',').toUpperCase()).not.toContain(AWS_KEY);
    expect(response.headers.get('x-kept')).toBe('yes');
  });

  it('an Mcp-Session-Id a pattern matches cannot be rewritten without breaking the session: 502, not passed on', async () => {
    answer = (res) => void res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': `s-${AWS_KEY}` }).end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} }));
    const { status, bytes } = await fetchAnswer();
    expect(status).toBe(502);
    expect(bytes.toString('latin1')).not.toContain(AWS_KEY);
  });

  it('the method and id a server chose are redacted too; the id of an answer to the client is its own and stays', async () => {
    const events = [
      { jsonrpc: '2.0', method: `notifications/${AWS_KEY}`, params: {} },
      { jsonrpc: '2.0', id: `req-${AWS_KEY}`, method: 'sampling/createMessage', params: {} },
      { jsonrpc: '2.0', id: `stray-${AWS_KEY}`, result: {} },
      { jsonrpc: '2.0', id: 1, result: { ok: true } },
    ];
    answer = (res) => void res.writeHead(200, { 'content-type': 'text/event-stream' }).end(events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join(''));
    const { bytes } = await fetchAnswer();
    const text = bytes.toString('utf8');
    expect(text).not.toContain(AWS_KEY);
    const delivered = text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)) as unknown);
    expect(delivered).toEqual([
      { jsonrpc: '2.0', method: 'notifications/[REDACTED]', params: {} },
      { jsonrpc: '2.0', id: 'req-[REDACTED]', method: 'sampling/createMessage', params: {} },
      { jsonrpc: '2.0', id: 'stray-[REDACTED]', result: {} },
      { jsonrpc: '2.0', id: 1, result: { ok: true } },
    ]);
  });

  it('a successful answer to a GET that is not an event stream: 502 (clients disagree on how to read it); an error status passes', async () => {
    answer = (res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end(`data: {"jsonrpc":"2.0","method":"notifications/message","params":{"data":"\\u0041KIAIOSFODNN7EXAMPLE"}}\n\n`);
    const refused = await fetch(gateway.url, { headers: { accept: 'text/event-stream' } });
    expect(refused.status).toBe(502);
    expect(await refused.text()).toContain('answered a GET with \\"text/plain\\", not an event stream');
    answer = (res) => void res.writeHead(405, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Method not allowed"}}');
    expect((await fetch(gateway.url, { headers: { accept: 'text/event-stream' } })).status).toBe(405);
  });
});
