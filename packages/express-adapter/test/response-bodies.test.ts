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

  it('a text body with nothing to redact is passed on as its own bytes, in its own charset', async () => {
    const body = Buffer.from('nothing secret here', 'utf16le');
    answer = (res) => void res.writeHead(200, { 'content-type': 'text/plain; charset=utf-16le' }).end(body);
    const { type, bytes } = await fetchAnswer();
    expect(type).toBe('text/plain; charset=utf-16le');
    expect(bytes.equals(body)).toBe(true);
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

  it('a Content-Encoding the gateway cannot read is refused, not passed on as if it were plain', async () => {
    answer = (res) => void res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'zstd' }).end(`key=${AWS_KEY}`);
    const { status, bytes } = await fetchAnswer();
    expect(status).toBe(502);
    expect(JSON.parse(bytes.toString('utf8'))).toMatchObject({ error: { message: 'upstream "main" sent its answer with Content-Encoding "zstd", which the gateway cannot read' } });
    expect(bytes.toString('latin1')).not.toContain(AWS_KEY);
  });
});
