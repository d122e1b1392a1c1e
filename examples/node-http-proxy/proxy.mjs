#!/usr/bin/env node
// An MCP policy proxy in plain node:http, built on the public @mcpgw/core API
// only. It is documentation: docs/library.md walks through it. For a real
// deployment use the `mcpgw` daemon or `@mcpgw/express`; this file shows
// what any other proxy (a Fastify plugin, an Envoy ext_proc, ...) has to do.
//
//   node examples/node-http-proxy/proxy.mjs --config examples/mcpgw.yaml \
//        [--port 8080] [--upstream-url http://127.0.0.1:3001/mcp]
//
// Simplifications, on purpose: one upstream (default_upstream, else the
// first; routes are ignored), no audit log, SSE comments (keep-alives) are
// dropped, non-JSON bodies that are not SSE are not passed on. What it does
// do right: one lease per HTTP request, released exactly once; a batch
// forwarded whole or not at all; refusals as JSON-RPC errors, with the HTTP
// statuses of @mcpgw/express; JSON and SSE responses redacted message by
// message, SSE streamed event by event (never buffered whole); SIGHUP hot reload.

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { compilePolicy, JsonRpcErrorCodes, parseConfig, PolicyHandle, protocolEra } from '@mcpgw/core';

const { values: options } = parseArgs({
  options: {
    config: { type: 'string', default: 'mcpgw.yaml' },
    port: { type: 'string' },
    'upstream-url': { type: 'string' },
  },
});

/** Request headers passed to the upstream, and response headers passed back (MCP Streamable HTTP, SPEC §7). */
const REQUEST_HEADERS = ['accept', 'content-type', 'authorization', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id'];
const RESPONSE_HEADERS = ['content-type', 'mcp-session-id', 'mcp-protocol-version', 'www-authenticate'];
/** Most bytes of a request body, after decoding its Content-Encoding. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Request Content-Encodings the proxy can read; it refuses others (415): a body it cannot read is never forwarded unchecked. */
const DECODERS = { gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress };
/** Strict UTF-8: a body that is not is refused, not read with U+FFFD in place of its bytes. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
/**
 * HTTP status of a refused message: a JSON-RPC error with 200 (SPEC §3), but 400 when
 * the body is no JSON-RPC message at all, or its mirrored headers disagree with it.
 */
const BAD_REQUEST = new Set([JsonRpcErrorCodes.INVALID_REQUEST, JsonRpcErrorCodes.HEADER_MISMATCH]);
const refusalStatus = (decision) => (BAD_REQUEST.has(decision.error.code) ? 400 : 200);
/** Without an allow-list, only pages served from this machine may call us (DNS rebinding, SPEC §7). */
const LOCAL_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

const log = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const loadConfig = () => parseConfig(readFileSync(options.config, 'utf8'));

// Startup: parse (throws ConfigError listing every problem), compile (throws
// PolicyError), then hold the compiled policy in a handle: generation 1.
const config = loadConfig();
const configured = config.upstreams.find((u) => u.name === config.default_upstream) ?? config.upstreams[0];
const upstream = { ...configured, url: options['upstream-url'] ?? configured.url };
const handle = new PolicyHandle(compilePolicy(config));

// Hot reload (SPEC §4): build the next generation off to the side and swap one
// reference. On any error the running policy stays. Requests already admitted
// keep the generation their lease pinned; new requests get the new one.
process.on('SIGHUP', () => {
  try {
    const next = compilePolicy(loadConfig());
    const generation = handle.swap(next);
    // generations(): the new one, and each older one still serving requests (open GET streams, say).
    log({ event: 'policy_reload', generation, rules: next.ruleCount, generations: handle.generations(), msg: `policy reload: ok (rules=${next.ruleCount})` });
  } catch (error) {
    log({ event: 'policy_reload_failed', code: error.code, error: error.message, msg: `policy reload: rejected: ${error.message}` });
  }
});

const rpcError = (id, code, message, data) => ({ jsonrpc: '2.0', id, error: { code, message, ...(data === undefined ? {} : { data }) } });
function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
}
/** An HTTP request refused whole, before any message in it was decided: thrown, and answered by `post`. */
const httpRefusal = (status, code, message) => Object.assign(new Error(message), { status, code });

/** Open GET streams, closed at shutdown so that their clients reconnect elsewhere. */
const streams = new Set();

const server = http.createServer((req, res) => {
  // Admission: pin this request to the current policy generation. 'close'
  // fires once, when the response has ended or the client went away: the one
  // place the lease is released and the upstream call is cancelled.
  const lease = handle.acquire();
  const closed = new AbortController();
  res.once('close', () => {
    lease.release();
    closed.abort();
    streams.delete(res);
  });
  serve(req, res, lease, closed.signal).catch((error) => {
    if (closed.signal.aborted) return; // the client left; nobody to answer
    log({ event: 'error', code: error.code, message: error.message });
    if (!res.headersSent) sendJson(res, 500, rpcError(null, JsonRpcErrorCodes.INTERNAL_ERROR, 'Internal error'));
    else res.destroy(); // mid-stream: cut the stream rather than pass on what we could not check
  });
});

async function serve(req, res, lease, signal) {
  const origin = req.headers.origin;
  if (origin !== undefined && !LOCAL_ORIGIN.test(origin)) return sendJson(res, 403, rpcError(null, JsonRpcErrorCodes.INVALID_REQUEST, `Origin "${origin}" is not allowed`));
  // Everything a rule can match or key on besides the message itself.
  const context = { upstream: upstream.name, headers: req.headers, client: req.socket.remoteAddress, session: req.headers['mcp-session-id'] };

  if (req.method === 'POST') return post(req, res, lease, context, signal);
  if (req.method !== 'GET' && req.method !== 'DELETE') {
    return sendJson(res, 405, rpcError(null, JsonRpcErrorCodes.INVALID_REQUEST, `method ${req.method} is not used by MCP; use POST, GET or DELETE`), { allow: 'POST, GET, DELETE' });
  }
  // GET opens the session's server-to-client stream; DELETE ends the session.
  // Nothing to decide on the way in. Messages on a GET stream answer no request
  // of ours, so each gets the response-side rules that match the message itself
  // — but an answer arriving here (the server ended a POST's stream early and
  // the client resumed it with Last-Event-ID), and anything on a resumed
  // stream, belongs to a request this example does not track across streams:
  // it fails closed, with every response rule. (@mcpgw/express remembers each
  // session's requests by id and applies their own scope instead.)
  if (req.method === 'GET') streams.add(res);
  const response = await callUpstream(req, res, undefined, signal);
  const { policy } = lease;
  const resumed = req.headers['last-event-id'] !== undefined;
  const transform = (message) =>
    resumed || isResponse(message) ? failClosed(policy, message, context) : policy.redactResponse(message, policy.responseScope(message, context)).message;
  if (response) await relay(response, res, signal, transform);
}

/** A JSON-RPC response (result or error), as opposed to a request or notification. */
const isResponse = (message) => message !== null && typeof message === 'object' && !Array.isArray(message) && !('method' in message) && ('result' in message || 'error' in message);

/** A message the proxy cannot place: every response rule, and a tools list in it filtered. */
function failClosed(policy, message, context) {
  if (isResponse(message) && message.result !== undefined) message = { ...message, result: policy.filterToolsList(message.result, context).result };
  return policy.redactResponse(message, policy.everyResponseRule).message;
}

async function post(req, res, lease, context, signal) {
  let body;
  try {
    body = JSON.parse(UTF8.decode(await readBody(req)));
  } catch (error) {
    if (error.status !== undefined) return sendJson(res, error.status, rpcError(null, error.code, error.message), error.status === 413 ? { connection: 'close' } : {});
    return sendJson(res, 400, rpcError(null, JsonRpcErrorCodes.PARSE_ERROR, 'Parse error: the body is not valid JSON or UTF-8'));
  }
  const batch = Array.isArray(body) && body.length > 0; // `[]` is evaluated as one (invalid) message
  const messages = batch ? body : [body];
  if (batch && protocolEra(req.headers, body[0]) === 'modern') {
    // 2026-07-28 sends one message per POST (SPEC §7); batches belong to 2025-03-26.
    return sendJson(res, 400, rpcError(null, JsonRpcErrorCodes.INVALID_REQUEST, 'Invalid Request: protocol 2026-07-28 sends one message per POST; batches are not allowed'));
  }

  // One decision per message, all from the lease: its generation goes into
  // refusals, its handle's store counts. A batch is decided whole
  // (docs/policy.md#batches): if any message is refused, every one is, and
  // nothing of it is forwarded or counted against a rate limit.
  const decisions = await lease.evaluateBatch(messages, context);
  if (decisions.some((d) => !d.forward)) return refuse(res, decisions, batch);

  // Forward what the policy let through: decision.message is the input, or a
  // copy with request-side redactions applied.
  const requests = decisions.filter((d) => d.kind === 'request');
  const forwarded = JSON.stringify(batch ? decisions.map((d) => d.message) : decisions[0].message);
  const response = await callUpstream(req, res, forwarded, signal, { ids: requests.map((d) => d.id), batch });
  if (!response) return;

  // What comes back is redacted with the scope of the request it answers
  // (matched by id). Other messages on this POST's stream (progress, logs,
  // server requests) belong to the POST as a whole: all its scopes apply, and
  // the rules that match the message itself, as on a GET stream.
  const { policy } = lease;
  const byId = new Map(requests.map((d) => [d.id, d]));
  const transform = (message) => {
    const answered = isResponse(message) ? byId.get(message.id) : undefined;
    // An answer to none of this POST's requests: fail closed.
    if (answered === undefined && isResponse(message)) return failClosed(policy, message, context);
    if (answered?.method === 'tools/list' && message.result !== undefined) {
      message = { ...message, result: policy.filterToolsList(message.result, context).result }; // hide denied tools
    }
    const scope = answered ? answered.responseScope : policy.responseScope(message, context, ...decisions.map((d) => d.responseScope));
    return policy.redactResponse(message, scope).message;
  };
  await relay(response, res, signal, transform);
}

/**
 * Answers a POST that carried a refused message; nothing of it was
 * forwarded. One message: its reply (200, or 400 for a body that is no
 * JSON-RPC). A batch: its requests' replies in one array — the refused ones
 * with their own error, the others with -32003 "not forwarded: another
 * message in this batch was refused" (`refusedWithBatch`). A refused
 * notification cannot be answered in JSON-RPC, and MCP's Streamable HTTP
 * transport wants an HTTP error status for a message the server does not
 * accept: 403, with the error under id null.
 */
function refuse(res, decisions, batch) {
  const replies = decisions.flatMap((d) => (d.reply === null ? [] : [d.reply]));
  const retryAfterMs = Math.max(0, ...decisions.map((d) => d.retryAfterMs ?? 0));
  const headers = retryAfterMs > 0 ? { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) } : {};
  if (batch && replies.length > 0) return sendJson(res, 200, replies, headers);
  const refused = decisions.find((d) => !d.forward && !d.refusedWithBatch); // refused for itself
  if (refused.reply === null) return sendJson(res, 403, { jsonrpc: '2.0', id: null, error: refused.error }, headers);
  return sendJson(res, refusalStatus(refused), refused.reply, headers);
}

/**
 * Sends the request on to the upstream; answers 502/504 itself when it
 * cannot, with an error for each request it forwarded (`ids`; an array for a batch).
 */
async function callUpstream(req, res, body, signal, { ids, batch } = { ids: [], batch: false }) {
  const headers = {};
  for (const name of REQUEST_HEADERS) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
  // timeout_ms bounds the wait for response headers, not the life of an SSE stream.
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), upstream.timeout_ms);
  try {
    return await fetch(upstream.url, { method: req.method, headers, body, signal: AbortSignal.any([signal, timer.signal]) });
  } catch (error) {
    if (signal.aborted) throw error;
    // The socket error (ECONNREFUSED, the upstream's address) is for the operator, not the client (SPEC §3).
    const timedOut = timer.signal.aborted;
    const message = `upstream "${upstream.name}" ${timedOut ? `did not answer within ${upstream.timeout_ms} ms` : 'is unreachable'}`;
    const code = timedOut ? JsonRpcErrorCodes.UPSTREAM_TIMEOUT : JsonRpcErrorCodes.UPSTREAM_UNREACHABLE;
    log({ event: 'upstream_error', upstream: upstream.name, msg: message, detail: error.cause?.message ?? error.message });
    const answer = (id) => rpcError(id, code, message, { upstream: upstream.name });
    sendJson(res, timedOut ? 504 : 502, batch && ids.length > 0 ? ids.map(answer) : answer(ids.length === 1 ? ids[0] : null));
    return undefined;
  } finally {
    clearTimeout(timeout);
  }
}

/** Passes the upstream's answer back, every JSON-RPC message through `transform`. */
async function relay(response, res, signal, transform) {
  const headers = {};
  for (const name of RESPONSE_HEADERS) if (response.headers.has(name)) headers[name] = response.headers.get(name);
  const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();

  if (type === 'text/event-stream') {
    res.writeHead(response.status, { ...headers, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    res.flushHeaders(); // the client sees the stream open now, not at the first event
    for await (const event of readEvents(response.body)) await write(res, formatEvent(event, transform), signal);
    return res.end();
  }
  if (type === 'application/json') {
    const text = await response.text();
    const parsed = JSON.parse(text); // not JSON: throws, and the client gets a 500 rather than unchecked text
    return sendJson(res, response.status, Array.isArray(parsed) ? parsed.map(transform) : transform(parsed), headers);
  }
  // 202 Accepted (notifications, responses), DELETE answers, bodies we cannot check.
  await response.body?.cancel();
  res.writeHead(response.status, headers).end();
}

/** Reads an SSE stream event by event; an event may arrive split across any number of chunks. */
async function* readEvents(body) {
  let buffer = '';
  let event = {};
  let afterCr = false;
  for await (let text of body.pipeThrough(new TextDecoderStream())) {
    if (afterCr && text.startsWith('\n')) text = text.slice(1); // the \n of a \r\n split across chunks
    afterCr = text.endsWith('\r');
    buffer += text;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop(); // the last piece is an unfinished line
    for (const line of lines) {
      if (line === '') {
        if (Object.keys(event).length > 0) yield event; // a blank line ends an event
        event = {};
        continue;
      }
      if (line.startsWith(':')) continue; // a comment
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
      if (field === 'data') event.data = event.data === undefined ? value : `${event.data}\n${value}`;
      else if (field === 'id' || field === 'event' || field === 'retry') event[field] = value;
    }
  }
}

/** Writes an event back with its data redacted. Data that is not JSON throws: it is never passed on unchecked. */
function formatEvent(event, transform) {
  let out = '';
  for (const field of ['event', 'id', 'retry']) if (event[field] !== undefined) out += `${field}: ${event[field]}\n`;
  if (event.data !== undefined) {
    // An empty data line is an SDK "priming" event (it only carries an id for resumption).
    out += `data: ${event.data.trim() === '' ? '' : JSON.stringify(transform(JSON.parse(event.data)))}\n`;
  }
  return `${out}\n`;
}

async function write(res, chunk, signal) {
  if (!res.write(chunk)) await once(res, 'drain', { signal }); // backpressure: a slow client slows the upstream read
}

/**
 * Reads the request body, decoded from its Content-Encoding. The limit
 * applies to the decoded size, so a compression bomb stops at it; a body
 * announced larger is refused before it is read.
 */
function readBody(req) {
  const tooLarge = () => httpRefusal(413, JsonRpcErrorCodes.INVALID_REQUEST, `the request body is larger than ${MAX_BODY_BYTES} bytes`);
  if (Number(req.headers['content-length']) > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  let source = req;
  const coding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (coding !== '' && coding !== 'identity') {
    const decoder = DECODERS[coding]?.();
    if (decoder === undefined) {
      return Promise.reject(httpRefusal(415, JsonRpcErrorCodes.INVALID_REQUEST, `Content-Encoding "${coding}" is not supported; send identity, gzip, deflate or br`));
    }
    req.once('error', (error) => decoder.destroy(error)); // pipe() passes on data, not failures
    source = req.pipe(decoder);
  }
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    const onData = (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return chunks.push(chunk);
      // Stop reading, but keep the connection: the 413 goes out on it (then it closes).
      source.off('data', onData);
      if (source !== req) {
        req.unpipe(source);
        source.destroy();
      }
      reject(tooLarge());
    };
    source.on('data', onData);
    source.once('end', () => resolve(Buffer.concat(chunks)));
    source.once('error', reject); // a body that does not decode: a parse error
  });
}

const colon = config.listen.lastIndexOf(':');
const host = config.listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
server.listen(Number(options.port ?? config.listen.slice(colon + 1)), host, () => {
  const { port } = server.address();
  log({ event: 'listening', url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/mcp`, upstream: upstream.url, generation: handle.generation });
});

// SIGTERM/SIGINT: stop accepting, end the long-lived GET streams (their clients
// reconnect), let in-flight requests finish for up to 2 s, then exit.
let closing = false;
function shutdown(signal) {
  if (closing) return;
  closing = true;
  log({ event: 'shutdown', signal });
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  for (const res of streams) res.destroy();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
