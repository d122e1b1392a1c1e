import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Exchange } from './exchange.js';
import { GatewayError } from './gateway-error.js';
import { responseHeaders } from './http-headers.js';
import { UTF8 } from './read-body.js';
import { rewriteServerBody } from './rewrite-server-message.js';
import { SseRewriteStream } from './sse-transform.js';

/** Media types read as JSON: `application/json`, `application/json-rpc`, `application/*+json`, `text/json`. */
const isJsonType = (type: string) => type === 'application/json' || type === 'application/json-rpc' || type === 'text/json' || (type.startsWith('application/') && type.endsWith('+json'));

/**
 * Sends an upstream response to the client under the exchange's policy:
 * JSON is parsed, rewritten and sent; an SSE stream is rewritten event by
 * event as it arrives; any other body is redacted as text with every pattern
 * of the policy (a client may parse it anyway). Response header values are
 * redacted too. Nothing reaches the client unread.
 */
export function deliverResponse(exchange: Exchange, upstream: IncomingMessage, fromPost: boolean): void {
  const { res } = exchange;
  if (res.destroyed || res.writableEnded) {
    upstream.destroy();
    return;
  }
  const session = upstream.headers['mcp-session-id'];
  exchange.noteSession(typeof session === 'string' ? session : undefined);

  const type = (upstream.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'text/event-stream') return deliverSse(exchange, upstream, fromPost);
  void deliverWhole(exchange, upstream, fromPost, isJsonType(type));
}

/** A response body read whole: JSON rewritten message by message, anything else as text. */
async function deliverWhole(exchange: Exchange, upstream: IncomingMessage, fromPost: boolean, json: boolean): Promise<void> {
  const { res } = exchange;
  let body: Buffer;
  try {
    body = await readAll(upstream, exchange);
  } catch (error) {
    upstream.destroy();
    return exchange.fail(error instanceof GatewayError ? error : new GatewayError('upstream_unavailable', `upstream "${exchange.upstream.name}" failed while answering`, { cause: error }));
  }
  const policy = exchange.lease.policy;
  const headers = responseHeaders(upstream.headers, ['content-length', 'content-encoding'], (value) => policy.redactText(value));
  if (body.length === 0) {
    res.writeHead(upstream.statusCode ?? 200, headers);
    return void res.end();
  }

  let out: string | Buffer;
  const answered = [];
  if (json) {
    let text: string;
    let parsed: unknown;
    try {
      text = UTF8.decode(body);
      parsed = JSON.parse(text);
    } catch (cause) {
      return exchange.fail(new GatewayError('upstream_bad_response', `upstream "${exchange.upstream.name}" sent malformed JSON`, { cause }));
    }
    const rewritten = rewriteServerBody(exchange, parsed, fromPost, text);
    out = rewritten.text;
    answered.push(...rewritten.answered);
  } else {
    out = redactBytes(body, (text) => policy.redactText(text));
  }
  res.writeHead(upstream.statusCode ?? 200, { ...headers, 'content-length': Buffer.byteLength(out) });
  res.end(out);
  for (const tracked of answered) exchange.answered(tracked);
}

/** Text redacted as UTF-8; bytes that are not UTF-8 as Latin-1, which keeps every byte that is not replaced. */
function redactBytes(body: Buffer, redact: (text: string) => string): Buffer {
  const encoding = isUtf8(body) ? 'utf8' : 'latin1';
  const text = body.toString(encoding);
  const redacted = redact(text);
  return redacted === text ? body : Buffer.from(redacted, encoding);
}

function deliverSse(exchange: Exchange, upstream: IncomingMessage, fromPost: boolean): void {
  const { res } = exchange;
  const policy = exchange.lease.policy;
  const redactText = (text: string) => policy.redactText(text);
  res.writeHead(upstream.statusCode ?? 200, {
    ...responseHeaders(upstream.headers, ['content-length', 'content-encoding'], redactText),
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const transform = new SseRewriteStream(
    (data) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        // Not JSON: not a JSON-RPC message, but it still reaches the client — redact it with every pattern.
        return redactText(data);
      }
      const { text, answered } = rewriteServerBody(exchange, parsed, fromPost, data);
      // The response event goes to the client stream now: its request is complete.
      for (const tracked of answered) exchange.answered(tracked);
      return text;
    },
    // `id:`, `event:`, comments and unknown fields reach the client too.
    redactText,
    exchange.runtime.limits.eventBytes,
  );
  pipeEndingCleanly(decoded(upstream), res, exchange, transform);
}

/**
 * Collects a response body (decoded), at most `limits.responseBytes`. Once
 * the body has started, it must keep coming: a pause longer than the
 * upstream's timeout fails the request (504) rather than hold it for ever.
 */
function readAll(response: IncomingMessage, exchange: Exchange): Promise<Buffer> {
  const source = decoded(response);
  const limit = exchange.runtime.limits.responseBytes;
  const { name, timeoutMs } = exchange.upstream;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const idle = setTimeout(() => {
      source.destroy();
      reject(new GatewayError('upstream_timeout', `upstream "${name}" stopped sending its response for ${timeoutMs} ms`, { data: { upstream: name } }));
    }, timeoutMs);
    idle.unref();
    source.on('data', (chunk: Buffer) => {
      idle.refresh();
      size += chunk.length;
      if (size > limit) {
        clearTimeout(idle);
        source.destroy();
        reject(new GatewayError('upstream_bad_response', `upstream "${name}" sent a response larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    source.once('end', () => {
      clearTimeout(idle);
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    source.once('error', (error) => {
      clearTimeout(idle);
      reject(error);
    });
    response.once('close', () => {
      clearTimeout(idle);
      if (!response.complete) reject(new Error('the upstream closed the connection'));
    });
  });
}

/**
 * Pipes upstream → transform → client. If the upstream fails mid-stream the
 * client's response is ended cleanly (no half-written event); if the client
 * goes away the upstream is destroyed by the exchange.
 */
function pipeEndingCleanly(source: Readable, res: Exchange['res'], exchange: Exchange, transform: SseRewriteStream): void {
  const endClient = () => {
    if (!res.writableEnded && !res.destroyed) res.end();
  };
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
