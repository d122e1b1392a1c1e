#!/usr/bin/env node
// An MCP policy proxy in plain node:http, built on the public @mcpgw/core API
// only: the core's exchange decides, places, redacts and audits; this file
// does the wire — reads bodies, calls the upstream with fetch(), streams its
// answer back. It is documentation: docs/library.md walks through it. For a
// real deployment use the `mcpgw` daemon or `@mcpgw/express` (which use the
// same exchange, and so answer every request the same way); this file shows
// what any other proxy (a Fastify plugin, an Envoy ext_proc, ...) has to do.
//
//   node examples/node-http-proxy/proxy.mjs --config examples/mcpgw.yaml \
//        [--port 8080] [--upstream-url http://127.0.0.1:3001/mcp]
//
// Simplifications, on purpose: one upstream (default_upstream, else the
// first; routes are ignored), audit events printed on stdout, SSE comments
// (keep-alives) dropped, response headers other than MCP's not passed on,
// non-JSON bodies that are not SSE not passed on.

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import {
  compilePolicy,
  createExchangeRuntime,
  createOriginCheck,
  Exchange,
  GatewayError,
  parseConfig,
  parseJsonBody,
  PolicyHandle,
  readBody,
  sessionIdOf,
  upstreamError,
} from '@mcpgw/core';

const { values: options } = parseArgs({
  options: {
    config: { type: 'string', default: 'mcpgw.yaml' },
    port: { type: 'string' },
    'upstream-url': { type: 'string' },
  },
});

/** Request headers passed to the upstream, and response headers passed back (MCP Streamable HTTP, SPEC §7). */
const REQUEST_HEADERS = ['accept', 'content-type', 'authorization', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id', 'mcp-method', 'mcp-name'];
const RESPONSE_HEADERS = ['content-type', 'mcp-session-id', 'mcp-protocol-version', 'www-authenticate'];
/** Most bytes of a request body, after decoding its Content-Encoding. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

const log = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const loadConfig = () => parseConfig(readFileSync(options.config, 'utf8'));

// Startup: parse (throws ConfigError listing every problem), compile (throws
// PolicyError), then hold the compiled policy in a handle: generation 1.
const config = loadConfig();
const configured = config.upstreams.find((u) => u.name === config.default_upstream) ?? config.upstreams[0];
const upstream = { ...configured, url: options['upstream-url'] ?? configured.url };
const handle = new PolicyHandle(compilePolicy(config));
const originAllowed = createOriginCheck(config.allowed_origins);

// What every exchange shares: the policy, the audit trail (one `decision`
// event per JSON-RPC request, `request_refused` for a body refused whole),
// each session's requests still waiting for an answer (it may come on
// another stream; at most 20,000, for 10 minutes), and what tools/list
// taught about Mcp-Param-* headers.
const runtime = createExchangeRuntime(handle, { onAudit: log });

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

function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Open GET streams, closed at shutdown so that their clients reconnect elsewhere. */
const streams = new Set();

const server = http.createServer((req, res) => {
  // Admission: the exchange pins this request to the current policy
  // generation. 'close' fires once, when the response has ended or the
  // client went away: the one place the exchange is closed (its requests
  // still waiting audited, its lease released) and the upstream call cancelled.
  const session = sessionIdOf(req.headers); // Mcp-Session-Id; none from 2026-07-28, which has no sessions
  const stream = req.method !== 'GET' ? 'post' : req.headers['last-event-id'] === undefined ? 'standalone' : 'resumed';
  const exchange = new Exchange(runtime, { upstream: upstream.name, headers: req.headers, client: req.socket.remoteAddress, session, httpMethod: req.method }, stream);
  const closed = new AbortController();
  res.once('close', () => {
    exchange.close({ finished: res.writableFinished, status: res.statusCode });
    closed.abort();
    streams.delete(res);
  });
  serve(req, res, exchange, closed.signal).catch((error) => {
    if (closed.signal.aborted) return; // the client left; nobody to answer
    const failure = error instanceof GatewayError ? error : new GatewayError('internal', 'internal gateway error', { cause: error });
    if (failure.upstreamFailed) log({ event: 'upstream_error', upstream: upstream.name, msg: failure.message, detail: failure.detail });
    exchange.noteFailure(failure); // its waiting requests are audited as upstream_failed
    // Not started: the error, one per waiting request (an array for a batch). Mid-stream: cut
    // the stream rather than pass on what could not be checked.
    if (!res.headersSent) return sendAnswer(res, exchange.refuse(failure));
    res.destroy();
  });
});

/** What the exchange answers itself: a refusal or a failure, with its status and headers (Retry-After, Allow). */
const sendAnswer = (res, answer) => sendJson(res, answer.status, answer.body, answer.headers);

async function serve(req, res, exchange, signal) {
  // A browser page from another site must not reach the upstream through us (DNS rebinding, SPEC §7).
  if (!originAllowed(req.headers.origin)) throw new GatewayError('origin_forbidden', `Origin "${req.headers.origin}" is not allowed`);
  if (req.method === 'POST') return post(req, res, exchange, signal);
  if (req.method !== 'GET' && req.method !== 'DELETE') throw new GatewayError('method_not_allowed', `method ${req.method} is not used by MCP; use POST, GET or DELETE`);
  // GET opens the session's server-to-client stream; DELETE ends the session.
  // Neither carries a message to decide on, so neither may carry a body.
  if (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0) {
    throw new GatewayError('invalid_request', `Invalid Request: a ${req.method} request must not have a body`);
  }
  if (req.method === 'GET') streams.add(res);
  await relay(await callUpstream(req, undefined, {}, signal), res, exchange, signal);
}

async function post(req, res, exchange, signal) {
  // Strictly: valid UTF-8, bounded size (after Content-Encoding) and nesting (no deeper than redaction goes). A bad body throws a GatewayError.
  const body = parseJsonBody(await readBody(req, MAX_BODY_BYTES));
  // One message or a batch, decided whole (docs/policy.md#batches): forwarded
  // whole, already redacted, or answered here with nothing forwarded.
  const admission = await exchange.admit(body);
  if (!admission.forward) return sendAnswer(res, admission.answer);
  // admission.headers: the Mcp-Name / Mcp-Param-* values that mirror the body, rewritten to follow it.
  const response = await callUpstream(req, JSON.stringify(admission.body), admission.headers, signal);
  await relay(response, res, exchange, signal);
}

/** Sends the request on to the upstream. Its failure is a GatewayError: 502 unreachable, 504 timed out. */
async function callUpstream(req, body, mirrored, signal) {
  const headers = {};
  for (const name of REQUEST_HEADERS) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
  for (const name of Object.keys(req.headers)) if (name.startsWith('mcp-param-')) headers[name] = req.headers[name];
  for (const [name, value] of Object.entries(mirrored)) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  // timeout_ms bounds the wait for response headers, not the life of an SSE stream.
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), upstream.timeout_ms);
  try {
    return await fetch(upstream.url, { method: req.method, headers, body, signal: AbortSignal.any([signal, timer.signal]) });
  } catch (error) {
    if (signal.aborted) throw error;
    // The socket error (ECONNREFUSED, the upstream's address) is for the operator, not the client (SPEC §3).
    const detail = error.cause?.message ?? error.message;
    if (timer.signal.aborted) throw upstreamError('upstream_timeout', upstream.name, `did not answer within ${upstream.timeout_ms} ms`, { detail });
    throw upstreamError('upstream_unavailable', upstream.name, 'is unreachable', { detail });
  } finally {
    clearTimeout(timeout);
  }
}

/**
 * Passes the upstream's answer back, every JSON-RPC message through the
 * exchange: an answer to one of its requests redacted with that request's
 * scope (a tools list filtered), anything else with the rules that apply to
 * it (docs/library.md#the-exchange). A request is audited once its answer
 * was written.
 */
async function relay(response, res, exchange, signal) {
  const headers = {};
  for (const name of RESPONSE_HEADERS) if (response.headers.has(name)) headers[name] = response.headers.get(name);
  exchange.noteSession(response.headers.get('mcp-session-id') ?? undefined); // initialize learns the session
  const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();

  if (type === 'text/event-stream') {
    res.writeHead(response.status, { ...headers, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    res.flushHeaders(); // the client sees the stream open now, not at the first event
    for await (const event of readEvents(response.body)) {
      const { text, answered } = rewriteEvent(event, exchange);
      await write(res, text, signal);
      for (const tracked of answered) exchange.answered(tracked, res.statusCode);
    }
    return res.end();
  }
  if (type === 'application/json') {
    const raw = await response.text();
    const { text, answered } = exchange.rewrite(readServerJson(raw), raw);
    res.writeHead(response.status, headers).end(text);
    for (const tracked of answered) exchange.answered(tracked, res.statusCode);
    return;
  }
  // 202 Accepted (notifications, responses), DELETE answers, bodies we cannot check.
  await response.body?.cancel();
  res.writeHead(response.status, headers).end();
}

/** The upstream's JSON, parsed; what is not JSON is never passed on unchecked. */
function readServerJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    throw upstreamError('upstream_bad_response', upstream.name, 'sent malformed JSON');
  }
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

/** An event written back with its data passed through the exchange, and the requests it answered. */
function rewriteEvent(event, exchange) {
  let out = '';
  for (const field of ['event', 'id', 'retry']) if (event[field] !== undefined) out += `${field}: ${event[field]}\n`;
  let answered = [];
  if (event.data !== undefined) {
    // An empty data line is an SDK "priming" event (it only carries an id for resumption).
    if (event.data.trim() === '') out += 'data: \n';
    else {
      const rewritten = exchange.rewrite(readServerJson(event.data), event.data);
      out += `data: ${rewritten.text}\n`;
      answered = rewritten.answered;
    }
  }
  return { text: `${out}\n`, answered };
}

async function write(res, chunk, signal) {
  if (!res.write(chunk)) await once(res, 'drain', { signal }); // backpressure: a slow client slows the upstream read
}

const colon = config.listen.lastIndexOf(':');
const host = config.listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
server.listen(Number(options.port ?? config.listen.slice(colon + 1)), host, () => {
  const { port } = server.address();
  log({ event: 'listening', url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/mcp`, upstream: upstream.url, generation: handle.generation });
});

// SIGTERM/SIGINT: stop accepting, end the long-lived GET streams (their clients
// reconnect), let in-flight requests finish for up to 2 s, then exit, once the
// runtime has written what the audit still owes (requests awaited on another
// stream, the count of refusals a flood left out).
let closing = false;
function shutdown(signal) {
  if (closing) return;
  closing = true;
  log({ event: 'shutdown', signal });
  const exit = () => {
    runtime.close();
    process.exit(0);
  };
  server.close(exit);
  server.closeIdleConnections();
  for (const res of streams) res.destroy();
  setTimeout(exit, 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
