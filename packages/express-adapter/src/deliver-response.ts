import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { bodyText, withCharset } from './body-text.js';
import type { HttpExchange as Exchange } from './exchange.js';
import { GatewayError, McpgwError, upstreamError } from '@mcpgw/core';
import { contentCoding, decodedBody, describeFailure, nestingDepth } from '@mcpgw/core/internal';
import { headerSafe, responseHeaders } from './http-headers.js';
import { SseRewriteStream } from './sse-transform.js';

/** Media types read as JSON: `application/json`, `application/json-rpc`, `application/*+json`, `text/json`. */
const isJsonType = (type: string) => type === 'application/json' || type === 'application/json-rpc' || type === 'text/json' || (type.startsWith('application/') && type.endsWith('+json'));

/**
 * Sends an upstream response to the client under the exchange's policy:
 * JSON is parsed, rewritten and sent; an SSE stream is rewritten event by
 * event as it arrives; any other body is redacted as text with every pattern
 * of the policy (a client may parse it anyway). Response header values are
 * redacted too. Nothing reaches the client unread.
 *
 * Whatever the upstream sends, a failure stays in this exchange: the client
 * gets a 502 (or, once a stream has started, a clean end), the requests are
 * audited as failed, and the gateway goes on serving.
 */
export function deliverResponse(exchange: Exchange, upstream: IncomingMessage): void {
  const { res } = exchange;
  if (res.destroyed || res.writableEnded) {
    upstream.destroy();
    return;
  }
  const failed = (error: unknown) => {
    upstream.destroy();
    exchange.fail(answerError(error, exchange));
  };
  try {
    const session = upstream.headers['mcp-session-id'];
    // A session id cannot be rewritten (the client sends it back) nor passed on if it holds what a pattern matches.
    if (typeof session === 'string' && exchange.lease.policy.redactText(session) !== session) {
      throw upstreamError('upstream_bad_response', exchange.upstream.name, 'assigned an Mcp-Session-Id that a redact pattern matches; it is not passed on');
    }
    exchange.core.noteSession(typeof session === 'string' ? session : undefined);
    const type = (upstream.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    // MCP answers a GET with an event stream (or an error). A client may read any successful
    // answer to its GET as one whatever its Content-Type (the MCP SDK does), while another reads
    // it as the type says: such an answer cannot be checked for both, and is refused.
    const status = upstream.statusCode ?? 200;
    if (type !== 'text/event-stream' && exchange.req.method === 'GET' && status >= 200 && status < 300 && status !== 204) {
      throw upstreamError('upstream_bad_response', exchange.upstream.name, `answered a GET with ${type === '' ? 'no Content-Type' : `"${type}"`}, not an event stream`);
    }
    const source = decodedBody(upstream);
    if (source === undefined) {
      throw upstreamError('upstream_bad_response', exchange.upstream.name, `sent its answer with Content-Encoding "${contentCoding(upstream)}", which the gateway cannot read`);
    }
    if (type === 'text/event-stream') return deliverSse(exchange, upstream, source);
    deliverWhole(exchange, upstream, source, isJsonType(type)).catch(failed);
  } catch (error) {
    failed(error);
  }
}

/** A response body read whole: JSON rewritten message by message, anything else as text. */
async function deliverWhole(exchange: Exchange, upstream: IncomingMessage, source: Readable, json: boolean): Promise<void> {
  const { res } = exchange;
  const body = await readAll(upstream, source, exchange);
  const policy = exchange.lease.policy;
  const headers = responseHeaders(upstream, ['content-length', 'content-encoding'], (value) => policy.redactText(value));
  if (body.length === 0) {
    res.writeHead(upstream.statusCode ?? 200, headers);
    return void res.end();
  }

  const decoded = bodyText(body, upstream.headers['content-type'], json);
  if (typeof decoded === 'string') throw unreadable(exchange, decoded);
  let text: string;
  const answered = [];
  // Decided from the body, whatever its Content-Type says: JSON a client may parse is read as JSON
  // (its escapes resolved before redaction, a tools list in it filtered).
  const parsed = readServerJson(exchange, decoded.text, 'it');
  if (parsed === NOT_JSON && json) throw upstreamError('upstream_bad_response', exchange.upstream.name, 'sent malformed JSON');
  if (parsed !== NOT_JSON) {
    const rewritten = exchange.core.rewrite(parsed, decoded.text);
    text = rewritten.text;
    answered.push(...rewritten.answered);
  } else {
    text = policy.redactText(decoded.text);
  }
  // Rewritten, or read in another charset than UTF-8 (whose bytes may hold what the declared
  // charset hides): the text as read, in UTF-8 saying so. A string goes out with the headers in
  // one write.
  let out: string | Buffer = text;
  let contentType = decoded.contentType;
  if (decoded.encoding === 'lossy') {
    if (text !== decoded.text) {
      contentType = withCharset(upstream.headers['content-type'] ?? 'text/plain', 'utf-8');
    } else {
      // Nothing to change in the UTF-8 reading: its own bytes go, unless a client reading them
      // as Latin-1 would see what a pattern matches; then that reading, redacted, as Latin-1.
      const asLatin1 = body.toString('latin1');
      const redacted = policy.redactText(asLatin1);
      out = redacted === asLatin1 ? body : Buffer.from(redacted, 'latin1');
    }
  }
  contentType = contentType === upstream.headers['content-type'] ? undefined : headerSafe(policy.redactText(contentType as string));
  res.writeHead(upstream.statusCode ?? 200, { ...headers, ...(contentType === undefined ? {} : { 'content-type': contentType }), 'content-length': Buffer.byteLength(out) });
  res.end(out);
  for (const tracked of answered) exchange.answered(tracked);
}

const NOT_JSON = Symbol('not JSON');

/**
 * A server's text (a whole body, or one SSE event's data, `what` in the
 * error) parsed as JSON — after a leading byte order mark, which JSON.parse
 * refuses and other parsers skip — or {@link NOT_JSON}. JSON nested deeper
 * than the gateway's bound (the one client messages get) is refused as
 * unreadable: redaction cannot follow it. (JSON.parse itself is iterative:
 * parsing first is safe at any depth.)
 */
function readServerJson(exchange: Exchange, text: string, what: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return NOT_JSON;
  }
  const depth = exchange.runtime.limits.depth;
  if (nestingDepth(text) > depth) throw unreadable(exchange, `${what} nests deeper than ${depth} levels`);
  return parsed;
}

function deliverSse(exchange: Exchange, upstream: IncomingMessage, source: Readable): void {
  const { res } = exchange;
  // The lease of a notification stream moves to each new generation: read it per event.
  const redactText = (text: string) => exchange.lease.policy.redactText(text);
  res.writeHead(upstream.statusCode ?? 200, {
    ...responseHeaders(upstream, ['content-length', 'content-encoding'], redactText),
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const transform = new SseRewriteStream(
    (event) => {
      const bytes = event.dataBytes;
      // Most events of a long stream: nothing to change, nothing to record (see unparsedVerdict).
      const verdict = bytes === null ? 'parse' : exchange.core.unparsedVerdict(bytes, exchange.runtime.limits.depth);
      if (verdict === 'pass') return null;
      const data = event.data as string;
      const parsed = readServerJson(exchange, data, 'an event');
      // Not JSON: not a JSON-RPC message, but it still reaches the client — redact it with every pattern.
      if (parsed === NOT_JSON) return redactText(data);
      // Text known to change is not offered for passing on as it came (that would look again).
      const { text, answered } = verdict === 'changes' ? exchange.core.rewrite(parsed) : exchange.core.rewrite(parsed, data, bytes ?? undefined);
      // The response event goes to the client stream now: its request is complete.
      for (const tracked of answered) exchange.answered(tracked);
      return text === data && bytes !== null ? null : text;
    },
    // `id:`, `event:`, comments and unknown fields reach the client too.
    (line) => {
      // An event id is what a client resumes the stream after (Last-Event-ID).
      if (line.startsWith('id:') && line.length > 3) exchange.noteEventId();
      return redactText(line);
    },
    exchange.runtime.limits.eventBytes,
  );
  pipeEndingCleanly(source, exchange, transform);
}

/**
 * Collects a response body (decoded), at most `limits.responseBytes`. Once
 * the body has started, it must keep coming: a pause longer than the
 * upstream's timeout fails the request (504) rather than hold it for ever.
 */
function readAll(response: IncomingMessage, source: Readable, exchange: Exchange): Promise<Buffer> {
  const limit = exchange.runtime.limits.responseBytes;
  const { name, timeoutMs } = exchange.upstream;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const idle = setTimeout(() => {
      source.destroy();
      reject(upstreamError('upstream_timeout', name, `stopped sending its response for ${timeoutMs} ms`));
    }, timeoutMs);
    idle.unref();
    source.on('data', (chunk: Buffer) => {
      idle.refresh();
      size += chunk.length;
      if (size > limit) {
        clearTimeout(idle);
        source.destroy();
        reject(upstreamError('upstream_bad_response', name, `sent a response larger than ${limit} bytes`));
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
 * Pipes upstream → transform → client. If the upstream fails mid-stream, or
 * an event cannot be passed on, the client's response is ended cleanly (no
 * half-written event) and the exchange's requests are audited as failed; if
 * the client goes away the upstream is destroyed by the exchange.
 */
function pipeEndingCleanly(source: Readable, exchange: Exchange, transform: SseRewriteStream): void {
  source.on('error', (error) => {
    exchange.noteFailure(answerError(error, exchange));
    // The events already passed on stand; a half-received one is dropped, and the stream ends.
    transform.abandon();
  });
  // The transform fails only on what it was given (an event too large, one that cannot be redacted).
  transform.on('error', (error) => {
    source.destroy();
    exchange.fail(answerError(error, exchange, true));
  });
  source.pipe(transform).pipe(exchange.res);
}

function unreadable(exchange: Exchange, why: string): GatewayError {
  return upstreamError('upstream_bad_response', exchange.upstream.name, `sent an answer the gateway cannot read: ${why}`);
}

/**
 * Any failure while passing an answer on, as the gateway error the client
 * sees: an answer the gateway cannot pass on (`unusable`, or a redaction
 * that failed) says why; a connection or decoding failure underneath (a
 * reset, a corrupt gzip stream) is only in the `detail`.
 */
function answerError(error: unknown, exchange: Exchange, unusable = false): GatewayError {
  if (error instanceof GatewayError) return error;
  const name = exchange.upstream.name;
  if (unusable || error instanceof McpgwError) {
    return upstreamError('upstream_bad_response', name, `sent an answer the gateway cannot pass on: ${(error as Error).message}`, { cause: error });
  }
  return upstreamError('upstream_unavailable', name, 'failed while answering', { cause: error, detail: describeFailure(error) });
}
