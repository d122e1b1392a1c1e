import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Exchange } from './exchange.js';
import { GatewayError } from './gateway-error.js';
import { responseHeaders } from './http-headers.js';
import { rewriteServerBody } from './rewrite-server-message.js';
import { SseRewriteStream } from './sse-transform.js';

/**
 * Sends an upstream response to the client under the exchange's policy:
 * JSON is parsed, rewritten and sent; an SSE stream is rewritten event by
 * event as it arrives; anything else passes through untouched.
 */
export function deliverResponse(exchange: Exchange, upstream: IncomingMessage, fromPost: boolean): void {
  const { res } = exchange;
  if (res.destroyed || res.writableEnded) {
    upstream.destroy();
    return;
  }
  const session = upstream.headers['mcp-session-id'];
  exchange.noteSession(typeof session === 'string' ? session : undefined);

  const type = (upstream.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return void deliverJson(exchange, upstream, fromPost);
  if (type === 'text/event-stream') return deliverSse(exchange, upstream, fromPost);
  res.writeHead(upstream.statusCode ?? 502, responseHeaders(upstream.headers));
  pipeEndingCleanly(upstream, res, exchange);
}

async function deliverJson(exchange: Exchange, upstream: IncomingMessage, fromPost: boolean): Promise<void> {
  const { res } = exchange;
  let body: Buffer;
  try {
    body = await readAll(upstream, exchange.runtime.limits.responseBytes, exchange.upstream.name);
  } catch (error) {
    upstream.destroy();
    return exchange.fail(error instanceof GatewayError ? error : new GatewayError('upstream_unavailable', `upstream "${exchange.upstream.name}" failed while answering`, { cause: error }));
  }
  const headers = responseHeaders(upstream.headers, ['content-length', 'content-encoding']);
  if (body.length === 0) {
    res.writeHead(upstream.statusCode ?? 200, headers);
    return void res.end();
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (cause) {
    return exchange.fail(new GatewayError('upstream_bad_response', `upstream "${exchange.upstream.name}" sent malformed JSON`, { cause }));
  }
  const { text, answered } = rewriteServerBody(exchange, parsed, fromPost);
  res.writeHead(upstream.statusCode ?? 200, { ...headers, 'content-length': Buffer.byteLength(text) });
  res.end(text);
  for (const tracked of answered) exchange.answered(tracked);
}

function deliverSse(exchange: Exchange, upstream: IncomingMessage, fromPost: boolean): void {
  const { res } = exchange;
  res.writeHead(upstream.statusCode ?? 200, {
    ...responseHeaders(upstream.headers, ['content-length', 'content-encoding']),
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const policy = exchange.lease.policy;
  const transform = new SseRewriteStream((data) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      // Not JSON: not a JSON-RPC message, but it still reaches the client — redact it with every pattern.
      return policy.redactText(data);
    }
    const { text, answered } = rewriteServerBody(exchange, parsed, fromPost);
    // The response event goes to the client stream now: its request is complete.
    for (const tracked of answered) exchange.answered(tracked);
    return text;
  }, exchange.runtime.limits.eventBytes);
  pipeEndingCleanly(decoded(upstream), res, exchange, transform);
}

/** Collects a response body (decoded), at most `limit` bytes. */
function readAll(response: IncomingMessage, limit: number, upstream: string): Promise<Buffer> {
  const source = decoded(response);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    source.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        source.destroy();
        reject(new GatewayError('upstream_bad_response', `upstream "${upstream}" sent a JSON response larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    source.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    source.once('error', reject);
    response.once('close', () => {
      if (!response.complete) reject(new Error('the upstream closed the connection'));
    });
  });
}

/**
 * Pipes upstream → (transform →) client. If the upstream fails mid-stream the
 * client's response is ended cleanly (no half-written event); if the client
 * goes away the upstream is destroyed by the exchange.
 */
function pipeEndingCleanly(source: Readable, res: Exchange['res'], exchange: Exchange, transform?: SseRewriteStream): void {
  const endClient = () => {
    if (!res.writableEnded && !res.destroyed) res.end();
  };
  if (transform === undefined) {
    source.on('error', endClient);
    source.pipe(res);
    return;
  }
  source.on('error', () => {
    if (!transform.writableEnded) transform.end();
  });
  transform.on('error', (error) => {
    source.destroy();
    exchange.runtime.onError?.(new GatewayError('upstream_bad_response', error.message, { cause: error }), exchange.upstream.name);
    endClient();
  });
  source.pipe(transform).pipe(res);
}

function decoded(upstream: IncomingMessage): Readable {
  switch ((upstream.headers['content-encoding'] ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return upstream.pipe(createGunzip());
    case 'deflate':
      return upstream.pipe(createInflate());
    case 'br':
      return upstream.pipe(createBrotliDecompress());
    default:
      return upstream;
  }
}
