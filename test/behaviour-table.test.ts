// One attack/behaviour table, run against every front end of mcpgw: the
// three HTTP ones — @mcpgw/express in an Express app, the `mcpgw serve`
// daemon, and the example proxy built on @mcpgw/core alone
// (examples/node-http-proxy/proxy.mjs) — and `mcpgw stdio`. Each is started
// once, with the same policy, in front of its own recording upstream (a real
// MCP SDK server that logs the raw bytes of every request it receives), and
// must answer every row the same way. The batch semantics the rows check are
// those of docs/policy.md#batches.
//
// How a row reads on stdio (`mcpgw stdio --config … -- node
// test/stdio/recording-server.mjs`, the same tools over the SDK's
// StdioServerTransport, recording every line it reads; see
// test/stdio/recording-wrapper.ts):
// - the request's body is written to the wrapper's stdin as one line (its
//   bytes, then "\n"), after an initialize under 2025-03-26, the era of
//   batches; a setup body is written the same way, and each of its requests
//   must be answered. The config is the same text, with an audit log added
//   (`upstreams` is ignored by `mcpgw stdio`; the server is named `main`
//   after `default_upstream`);
// - the answer is the JSON-RPC messages the wrapper writes to its stdout for
//   the line: the test waits for a message with each id the row expects,
//   then for a barrier (a `ping` whose answer comes only after the wrapper
//   has handled the line and the server has read all that came before it),
//   and takes every line written until then. `messages` must match them as
//   on HTTP; `answerLacks` is searched in those lines' bytes;
// - `upstream` is checked on the lines the server read before the barrier
//   (one line ↔ one HTTP request body);
// - `status` has no stdio meaning of its own. 200 and 400 are the JSON-RPC
//   answer alone. 202 (a notification accepted) ↔ no line back. 403 for a
//   body of notifications only (a refused notification, which JSON-RPC
//   cannot answer; HTTP says it with the status) ↔ no line back, and the
//   audit log has the refusal: a `decision` event with the error's code
//   and rule;
// - `body`: 'array' ↔ one line holding a JSON array; 'object' ↔ one line
//   holding one object; 'empty' ↔ no line; 'stream' (SSE) has no stdio
//   meaning: the server's answers come as lines of their own;
// - headers: `Retry-After` ↔ `error.data.retry_after_ms` > 0 on each -32029
//   error; `Content-Type`, `X-Accel-Buffering` and `Allow` are HTTP framing,
//   with no stdio meaning;
// - the rate-limit rows key their counter on the `x-row` header, and stdio
//   has no headers: every line of one wrapper shares the counter of "no
//   header value". So on stdio each row that calls the limited tool
//   (`search`) runs in a wrapper process of its own, started for the row
//   with the same config: a fresh counter, as a fresh `x-row` value gives it
//   on HTTP. The other rows share one wrapper, started once.
// A row that asks for what stdio does not have (a header, another HTTP
// method, a Content-Length, a stopped upstream) must be in NOT_APPLICABLE,
// with the reason: `stdioExpectation` refuses it otherwise.

import { readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy, parseConfig, PolicyHandle } from '@mcpgw/core';
import { mcpGateway } from '@mcpgw/express';
import { AWS_KEY, SECRET_PATTERN, startRecordingUpstream, type RecordingUpstream } from './attacks/recording-upstream.js';
import { announce, openSession, send, type WireResponse } from './attacks/wire.js';
import { Proc, ROOT, startDaemon, tempDir } from './daemon/harness.js';
import { RecordingWrapper, type StdioAnswer } from './stdio/recording-wrapper.js';

const PROTOCOL = '2025-03-26'; // the era with batches
const MODERN = '2026-07-28';

/** The one config of every target; only the upstream's URL differs. */
const configText = (upstreamUrl: string) => `listen: "127.0.0.1:0"
upstreams:
  - name: main
    url: ${upstreamUrl}
    timeout_ms: 5000
default_upstream: main
policy:
  rules:
    - name: deny-exec
      action: deny
      match: { method: tools/call, tool: "^exec$" }
      message: exec is disabled
    - name: deny-roots-changed
      action: deny
      match: { method: notifications/roots/list_changed }
    - name: redact-secrets
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}", "ghp_[A-Za-z0-9]{36}"]
    - name: limit-search
      action: rate_limit
      match: { method: tools/call, tool: "^search$" }
      limit: 2
      window: 1m
      key: header:x-row
`;

// ---------------------------------------------------------------------------
// The table

/** An HTTP request as sent, byte for byte (plus the default headers below). */
interface WireRequest {
  readonly method?: string;
  readonly path?: string;
  /** Added to the defaults; `null` removes a default header. */
  readonly headers?: Readonly<Record<string, string | null>>;
  readonly body?: string | Buffer;
  /** Instead of `body`: a Content-Length of this many bytes, and no body sent (see `announce`). */
  readonly announcedLength?: number;
}

interface Expectation {
  readonly status: number;
  /** The answer's body: one JSON array (a batch answer), one JSON object, an SSE stream, or nothing. */
  readonly body?: 'array' | 'object' | 'stream' | 'empty';
  /** The JSON-RPC messages of the answer (JSON body or SSE events), in order, matched with `toMatchObject`. */
  readonly messages?: readonly unknown[];
  /** Response headers: a pattern the value must match, or `null` for absent. */
  readonly headers?: Readonly<Record<string, RegExp | null>>;
  /** Never in the answer's bytes (a secret). */
  readonly answerLacks?: RegExp;
  /** What the upstream received for this request: nothing, or one request whose body matches every `has` and no `lacks`. */
  readonly upstream: 'nothing' | { readonly has: readonly RegExp[]; readonly lacks?: RegExp };
}

interface Row {
  readonly name: string;
  /** Sent first, in order; each must be accepted (2xx). */
  readonly setup?: readonly WireRequest[];
  readonly request: WireRequest;
  readonly expect: Expectation;
  /** Stop the upstream before this row (such rows come last). */
  readonly upstreamDown?: true;
}

const call = (id: unknown, name: string, args: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
const notification = (method: string, params?: Record<string, unknown>) => ({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) });
const json = (value: unknown) => JSON.stringify(value);
const post = (body: unknown, headers?: WireRequest['headers']): WireRequest => ({ body: typeof body === 'string' || Buffer.isBuffer(body) ? body : json(body), ...(headers === undefined ? {} : { headers }) });

const CANCELLED = notification('notifications/cancelled', { requestId: 'nothing-in-flight', reason: 'test' });
const ROOTS_CHANGED = notification('notifications/roots/list_changed');
const DENIED_EXEC = { code: -32003, message: 'denied by policy: exec is disabled', data: { rule: 'deny-exec' } };
const WITH_BATCH = { code: -32003, message: 'not forwarded: another message in this batch was refused' };
/** A JSON-RPC error answering no request. */
const whole = (code: number) => [{ jsonrpc: '2.0', id: null, error: { code } }];
const SEARCH = (id: string) => call(id, 'search', { q: id });
/** The gateways' body limit: 4 MiB. */
const LIMIT = 4 * 1024 * 1024;
/** A call just over the limit. */
const OVERSIZED = json(call('big', 'echo', { text: 'x'.repeat(LIMIT) }));

const ROWS: readonly Row[] = [
  {
    name: 'an allowed tools/call is forwarded and answered on an SSE stream',
    request: post(call('c1', 'echo', { text: 'hello' })),
    expect: {
      status: 200,
      body: 'stream',
      headers: { 'content-type': /^text\/event-stream/, 'x-accel-buffering': /^no$/ },
      messages: [{ id: 'c1', result: { content: [{ text: 'hello' }] } }],
      upstream: { has: [/"name":"echo"/, /"hello"/] },
    },
  },
  {
    name: 'a denied tools/call gets -32003 and is not forwarded',
    request: post(call('c2', 'exec', { cmd: 'id' })),
    expect: { status: 200, body: 'object', messages: [{ id: 'c2', error: DENIED_EXEC }], upstream: 'nothing' },
  },
  {
    name: 'a secret in the arguments reaches the upstream redacted',
    request: post(call('c3', 'echo', { text: `key ${AWS_KEY}` })),
    expect: {
      status: 200,
      messages: [{ id: 'c3', result: { content: [{ text: 'key [REDACTED]' }] } }],
      answerLacks: SECRET_PATTERN,
      upstream: { has: [/key \[REDACTED\]/], lacks: SECRET_PATTERN },
    },
  },
  {
    name: "a secret in the upstream's result reaches the client redacted",
    request: post(call('c4', 'get_config')),
    expect: {
      status: 200,
      messages: [{ id: 'c4', result: { content: [{ text: 'aws=[REDACTED] github=[REDACTED]' }], structuredContent: { aws: '[REDACTED]', nested: { token: '[REDACTED]' } } } }],
      answerLacks: SECRET_PATTERN,
      upstream: { has: [/"name":"get_config"/] },
    },
  },
  {
    name: 'tools/list hides the denied tool',
    request: post({ jsonrpc: '2.0', id: 'l1', method: 'tools/list' }),
    expect: {
      status: 200,
      messages: [{ id: 'l1', result: { tools: expect.arrayContaining([expect.objectContaining({ name: 'echo' })]) } }],
      answerLacks: /"name":"exec"/,
      upstream: { has: [/"method":"tools\/list"/] },
    },
  },
  {
    name: 'a call over the rate limit gets -32029 with Retry-After and is not forwarded',
    setup: [post(SEARCH('s1')), post(SEARCH('s2'))],
    request: post(SEARCH('s3')),
    expect: {
      status: 200,
      body: 'object',
      headers: { 'retry-after': /^[1-9][0-9]*$/ },
      messages: [{ id: 's3', error: { code: -32029, message: 'rate limited by policy: limit-search', data: { rule: 'limit-search', retry_after_ms: expect.any(Number) } } }],
      upstream: 'nothing',
    },
  },
  {
    name: 'a batch of allowed messages is forwarded whole',
    request: post([call('a1', 'echo', { text: 'one' }), CANCELLED, call('a2', 'echo', { text: 'two' })]),
    expect: {
      status: 200,
      messages: [{ id: 'a1', result: { content: [{ text: 'one' }] } }, { id: 'a2', result: { content: [{ text: 'two' }] } }],
      upstream: { has: [/"one"/, /notifications\/cancelled/, /"two"/] },
    },
  },
  {
    name: 'a batch with one denied request is refused whole: every request answered, the notification not, nothing forwarded',
    request: post([call('b1', 'echo', { text: 'fine' }), call('b2', 'exec', { cmd: 'id' }), CANCELLED, call('b3', 'search', { q: 'x' })]),
    expect: {
      status: 200,
      body: 'array',
      messages: [
        { id: 'b1', error: WITH_BATCH },
        { id: 'b2', error: DENIED_EXEC },
        { id: 'b3', error: WITH_BATCH },
      ],
      upstream: 'nothing',
    },
  },
  {
    name: 'a batch over the rate limit is refused whole, with Retry-After',
    request: post([SEARCH('r1'), SEARCH('r2'), SEARCH('r3')]),
    expect: {
      status: 200,
      body: 'array',
      headers: { 'retry-after': /^[1-9][0-9]*$/ },
      messages: [
        { id: 'r1', error: WITH_BATCH },
        { id: 'r2', error: WITH_BATCH },
        { id: 'r3', error: { code: -32029, data: { rule: 'limit-search' } } },
      ],
      upstream: 'nothing',
    },
  },
  {
    name: 'a refused batch uses no rate-limit quota',
    setup: [post(SEARCH('q1')), post([SEARCH('q2'), call('q3', 'exec', {})])],
    request: post(SEARCH('q4')),
    expect: { status: 200, messages: [{ id: 'q4', result: { content: [{ text: 'results for q4' }] } }], upstream: { has: [/"q4"/] } },
  },
  {
    name: 'a batch with two requests of the same id gets -32600 for each, nothing forwarded',
    request: post([call(7, 'echo', { text: 'a' }), call(7, 'echo', { text: 'b' })]),
    expect: {
      status: 200,
      body: 'array',
      messages: [
        { id: 7, error: { code: -32600, message: 'Invalid Request: the id 7 is used twice in one batch' } },
        { id: 7, error: { code: -32600 } },
      ],
      upstream: 'nothing',
    },
  },
  {
    name: 'a denied notification gets 403 with an error whose id is null, nothing forwarded',
    request: post(ROOTS_CHANGED),
    expect: { status: 403, body: 'object', messages: [{ id: null, error: { code: -32003, data: { rule: 'deny-roots-changed' } } }], upstream: 'nothing' },
  },
  {
    name: 'a batch of notifications with one denied gets 403, nothing forwarded',
    request: post([CANCELLED, ROOTS_CHANGED]),
    expect: { status: 403, body: 'object', messages: [{ id: null, error: { code: -32003, data: { rule: 'deny-roots-changed' } } }], upstream: 'nothing' },
  },
  {
    name: 'an allowed notification is forwarded and answered 202',
    request: post(CANCELLED),
    expect: { status: 202, body: 'empty', upstream: { has: [/notifications\/cancelled/] } },
  },
  {
    name: 'a body that is not JSON gets 400 -32700',
    request: post('{"jsonrpc":"2.0","id":1,'),
    expect: { status: 400, body: 'object', messages: whole(-32700), upstream: 'nothing' },
  },
  {
    name: 'a body that is not valid UTF-8 gets 400 -32700',
    request: post(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"u1","method":"tools/call","params":{"name":"ex'), Buffer.from([0xff, 0xfe]), Buffer.from('ec"}}')])),
    expect: { status: 400, body: 'object', messages: whole(-32700), upstream: 'nothing' },
  },
  {
    name: 'JSON that is not JSON-RPC gets 400 -32600',
    request: post({ hello: 'world' }),
    expect: { status: 400, body: 'object', messages: whole(-32600), upstream: 'nothing' },
  },
  {
    name: 'an empty batch gets 400 -32600',
    request: post('[]'),
    expect: { status: 400, body: 'object', messages: whole(-32600), upstream: 'nothing' },
  },
  {
    name: 'a batch in protocol 2026-07-28 gets 400 -32600',
    request: post([call('m1', 'echo', { text: 'a' }), call('m2', 'echo', { text: 'b' })], { 'mcp-protocol-version': MODERN, 'mcp-session-id': null }),
    expect: { status: 400, body: 'object', messages: whole(-32600), upstream: 'nothing' },
  },
  {
    name: 'a 2026-07-28 request whose Mcp-Method header disagrees with its body gets 400 -32020',
    request: post(call('h1', 'echo', { text: 'a' }), { 'mcp-protocol-version': MODERN, 'mcp-session-id': null, 'mcp-method': 'tools/list', 'mcp-name': 'echo' }),
    expect: { status: 400, body: 'object', messages: [{ id: 'h1', error: { code: -32020 } }], upstream: 'nothing' },
  },
  {
    name: 'an Origin of another site gets 403',
    request: post(call('o1', 'echo', { text: 'a' }), { origin: 'http://evil.example' }),
    expect: { status: 403, body: 'object', messages: whole(-32600), upstream: 'nothing' },
  },
  {
    name: 'PUT gets 405 with Allow',
    request: { method: 'PUT', body: json(call('p1', 'echo', { text: 'a' })) },
    expect: { status: 405, body: 'object', headers: { allow: /^POST, GET, DELETE\b/ }, messages: whole(-32600), upstream: 'nothing' },
  },
  {
    name: 'a body announced over the limit gets 413 before it is read',
    request: { announcedLength: LIMIT + 1 },
    expect: { status: 413, body: 'object', messages: whole(-32600), upstream: 'nothing' },
  },
  {
    name: 'a body that decodes to more than the limit gets 413 (gzip)',
    request: post(gzipSync(OVERSIZED), { 'content-encoding': 'gzip' }),
    expect: { status: 413, body: 'object', messages: whole(-32600), upstream: 'nothing' },
  },
  {
    name: 'an unknown Content-Encoding gets 415',
    request: post(json(call('e1', 'echo', { text: 'a' })), { 'content-encoding': 'compress' }),
    expect: { status: 415, body: 'object', messages: whole(-32600), upstream: 'nothing' },
  },
  {
    name: 'a gzip-encoded call is decoded, checked and forwarded',
    request: post(gzipSync(json(call('g1', 'echo', { text: `zipped ${AWS_KEY}` }))), { 'content-encoding': 'gzip' }),
    expect: {
      status: 200,
      messages: [{ id: 'g1', result: { content: [{ text: 'zipped [REDACTED]' }] } }],
      upstream: { has: [/zipped \[REDACTED\]/], lacks: SECRET_PATTERN },
    },
  },
  {
    name: 'a gzip-encoded denied call is still denied',
    request: post(gzipSync(json(call('g2', 'exec', { cmd: 'id' }))), { 'content-encoding': 'gzip' }),
    expect: { status: 200, body: 'object', messages: [{ id: 'g2', error: DENIED_EXEC }], upstream: 'nothing' },
  },
  // The upstream is stopped from here on.
  {
    name: 'a call while the upstream is down gets 502 -32010 with its id',
    upstreamDown: true,
    request: post(call('d1', 'echo', { text: 'a' })),
    expect: {
      status: 502,
      body: 'object',
      messages: [{ id: 'd1', error: { code: -32010, message: 'upstream "main" is unreachable', data: { upstream: 'main' } } }],
      upstream: 'nothing',
    },
  },
  {
    name: 'a batch while the upstream is down gets 502 -32010 for each request',
    upstreamDown: true,
    request: post([call('d2', 'echo', { text: 'a' }), CANCELLED, call('d3', 'echo', { text: 'b' })]),
    expect: {
      status: 502,
      body: 'array',
      messages: [
        { id: 'd2', error: { code: -32010, data: { upstream: 'main' } } },
        { id: 'd3', error: { code: -32010, data: { upstream: 'main' } } },
      ],
      upstream: 'nothing',
    },
  },
];

// The upstream, once stopped, stays stopped: those rows come last.
if (ROWS.findLastIndex((row) => row.upstreamDown !== true) > ROWS.findIndex((row) => row.upstreamDown === true) && ROWS.some((row) => row.upstreamDown)) {
  throw new Error('the rows that stop the upstream must come last');
}

// ---------------------------------------------------------------------------
// The targets

interface Gateway {
  readonly url: string;
  stop(): Promise<void>;
}

interface Target {
  readonly name: string;
  start(configPath: string, upstreamUrl: string): Promise<Gateway>;
}

const TARGETS: readonly Target[] = [
  {
    name: 'Express (@mcpgw/express)',
    async start(configPath) {
      const config = parseConfig(readFileSync(configPath, 'utf8'));
      const gateway = mcpGateway({
        handle: new PolicyHandle(compilePolicy(config)),
        upstreams: config.upstreams,
        routes: config.routes,
        ...(config.default_upstream === undefined ? {} : { defaultUpstream: config.default_upstream }),
      });
      const app = express();
      app.use(gateway);
      const server: Server = app.listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
        stop: async () => {
          gateway.close();
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
  },
  {
    name: 'the daemon (mcpgw serve)',
    async start(configPath) {
      const { proc, url } = await startDaemon(configPath);
      return { url, stop: () => proc.stop() };
    },
  },
  {
    name: 'the example (examples/node-http-proxy/proxy.mjs)',
    async start(configPath, upstreamUrl) {
      const proc = new Proc(process.execPath, [join(ROOT, 'examples/node-http-proxy/proxy.mjs'), '--config', configPath, '--port', '0', '--upstream-url', upstreamUrl]);
      const line = await proc.waitFor((l) => l['event'] === 'listening');
      return { url: String(line['url']), stop: () => proc.stop() };
    },
  },
];

/** The stdio target: `mcpgw stdio` run as a command, in front of test/stdio/recording-server.mjs. */
const STDIO = 'mcpgw stdio (@mcpgw/stdio)';

/** What stdio has no counterpart for, as reasons. */
const NO_HEADERS = 'stdio carries no HTTP headers';
const HTTP_ONLY = {
  era: `the row gives its protocol era in the MCP-Protocol-Version header only; ${NO_HEADERS} (off HTTP the core reads a message's era from its params._meta, which this row's body does not carry)`,
  mirrored: `the Mcp-Method/Mcp-Name headers mirror the body on HTTP only; ${NO_HEADERS}`,
  origin: `Origin is a browser's HTTP header (DNS rebinding); ${NO_HEADERS}, and a stdio server is reached by its parent process only`,
  method: 'stdio has no HTTP methods: every line is a message',
  announced: 'stdio has no Content-Length: a line is read up to its end (the line limit is tested in test/stdio/bad-input.test.ts)',
  encoding: `stdio has no Content-Encoding: a line is JSON text as it is; ${NO_HEADERS}`,
  upstreamDown: 'mcpgw stdio exits with its server (docs/stdio.md#ending-signals-exit-status): no wrapper is left to answer while the server is down',
} as const;

/**
 * Rows that make no sense for a target, with the reason: the one place a
 * row is left out. (The HTTP front ends serve the whole table.)
 */
const NOT_APPLICABLE: ReadonlyArray<{ readonly row: string; readonly target: string; readonly reason: string }> = [
  { row: 'a batch in protocol 2026-07-28 gets 400 -32600', target: STDIO, reason: HTTP_ONLY.era },
  { row: 'a 2026-07-28 request whose Mcp-Method header disagrees with its body gets 400 -32020', target: STDIO, reason: HTTP_ONLY.mirrored },
  { row: 'an Origin of another site gets 403', target: STDIO, reason: HTTP_ONLY.origin },
  { row: 'PUT gets 405 with Allow', target: STDIO, reason: HTTP_ONLY.method },
  { row: 'a body announced over the limit gets 413 before it is read', target: STDIO, reason: HTTP_ONLY.announced },
  { row: 'a body that decodes to more than the limit gets 413 (gzip)', target: STDIO, reason: HTTP_ONLY.encoding },
  { row: 'an unknown Content-Encoding gets 415', target: STDIO, reason: HTTP_ONLY.encoding },
  { row: 'a gzip-encoded call is decoded, checked and forwarded', target: STDIO, reason: HTTP_ONLY.encoding },
  { row: 'a gzip-encoded denied call is still denied', target: STDIO, reason: HTTP_ONLY.encoding },
  { row: 'a call while the upstream is down gets 502 -32010 with its id', target: STDIO, reason: HTTP_ONLY.upstreamDown },
  { row: 'a batch while the upstream is down gets 502 -32010 for each request', target: STDIO, reason: HTTP_ONLY.upstreamDown },
];

// An entry must name a row and a target of this file: a renamed row must not lose a target unnoticed.
for (const entry of NOT_APPLICABLE) {
  if (!ROWS.some((row) => row.name === entry.row)) throw new Error(`NOT_APPLICABLE names no row: ${entry.row}`);
  if (entry.target !== STDIO && !TARGETS.some((target) => target.name === entry.target)) throw new Error(`NOT_APPLICABLE names no target: ${entry.target}`);
}

const notApplicable = (row: Row, target: string) => NOT_APPLICABLE.find((entry) => entry.row === row.name && entry.target === target);

// ---------------------------------------------------------------------------
// The runner

const slug = (text: string) => text.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);

describe.each(TARGETS)('$name', (target) => {
  let upstream: RecordingUpstream;
  let upstreamRunning = false;
  let gateway: Gateway;
  let session: string;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    upstreamRunning = true;
    const configPath = join(tempDir('mcpgw-table-'), 'mcpgw.yaml');
    writeFileSync(configPath, configText(upstream.url));
    gateway = await target.start(configPath, upstream.url);
    session = await openSession(gateway.url, PROTOCOL);
  });
  afterAll(async () => {
    await gateway?.stop();
    if (upstreamRunning) await upstream.close();
  });

  /** Sends a request of the table with the defaults of a 2025-03-26 session; `x-row` keys the row's own rate-limit counter. */
  const sendRow = (row: Row, request: WireRequest): Promise<WireResponse> => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': PROTOCOL,
      'mcp-session-id': session,
      'x-row': slug(row.name),
    };
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      if (value === null) delete headers[name];
      else headers[name] = value;
    }
    const url = new URL(request.path ?? '/mcp', gateway.url).href;
    const method = request.method ?? 'POST';
    if (request.announcedLength !== undefined) return announce(url, { method, headers, length: request.announcedLength });
    return send(url, { method, headers, ...(request.body === undefined ? {} : { body: request.body }) });
  };

  for (const row of ROWS) {
    const skipped = notApplicable(row, target.name);
    if (skipped !== undefined) {
      it.skip(`${row.name} (not applicable: ${skipped.reason})`, () => {});
      continue;
    }
    it(row.name, async () => {
      if (row.upstreamDown && upstreamRunning) {
        upstreamRunning = false;
        await upstream.close();
      }
      for (const request of row.setup ?? []) {
        const response = await sendRow(row, request);
        expect(response.status, `setup: ${response.text}`).toBeLessThan(300);
      }
      const before = upstream.received.length;
      const response = await sendRow(row, row.request);
      const { expect: expected } = row;
      const shown = `${response.status} ${JSON.stringify(response.headers)}\n${response.text.slice(0, 2000)}`;

      expect(response.status, shown).toBe(expected.status);
      if (expected.body !== undefined) expect(bodyShape(response), shown).toBe(expected.body);
      if (expected.messages !== undefined) expect(response.messages, shown).toMatchObject(expected.messages);
      for (const [name, pattern] of Object.entries(expected.headers ?? {})) {
        if (pattern === null) expect(response.headers[name], `header ${name}`).toBeUndefined();
        else expect(String(response.headers[name]), `header ${name}`).toMatch(pattern);
      }
      if (expected.answerLacks !== undefined) expect(response.raw).not.toMatch(expected.answerLacks);

      const received = upstream.received.slice(before).map((request) => request.body.toString('utf8'));
      if (expected.upstream === 'nothing') expect(received).toEqual([]);
      else {
        expect(received).toHaveLength(1);
        for (const pattern of expected.upstream.has) expect(received[0]).toMatch(pattern);
        if (expected.upstream.lacks !== undefined) expect(received[0]).not.toMatch(expected.upstream.lacks);
      }
    });
  }
});

// ---------------------------------------------------------------------------
// The stdio target (the mapping is at the top of this file)

/** A row's expectation, as it reads on stdio. */
interface StdioExpectation {
  /** The lines written back: one holding an array, one holding an object, none, or any. */
  readonly lines: 'array' | 'object' | 'none' | 'any';
  readonly messages: readonly unknown[];
  /** Each -32029 error says when to retry (`data.retry_after_ms`), as `Retry-After` does on HTTP. */
  readonly retryAfter: boolean;
  /** A refusal that no line answers: the audit log's `decision` event says it. */
  readonly audited?: { readonly code: number; readonly rule: string };
  readonly answerLacks?: RegExp;
  readonly upstream: Expectation['upstream'];
}

/** The tool the policy rate-limits (rule limit-search): a row calling it needs a counter of its own. */
const RATE_LIMITED_TOOL = 'search';

/** The JSON-RPC messages of a request body (none if it is not JSON). */
function messagesOfBody(request: WireRequest): unknown[] {
  try {
    const parsed = JSON.parse(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : (request.body ?? '')) as unknown;
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return [];
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const requestIds = (request: WireRequest) => messagesOfBody(request).flatMap((message) => (isRecord(message) && typeof message['method'] === 'string' && 'id' in message ? [message['id']] : []));

/** Whether the row calls the rate-limited tool, and so counts on a counter of its own (see the top of the file). */
function callsRateLimitedTool(row: Row): boolean {
  return [...(row.setup ?? []), row.request].some((request) =>
    messagesOfBody(request).some((message) => isRecord(message) && message['method'] === 'tools/call' && isRecord(message['params']) && message['params']['name'] === RATE_LIMITED_TOOL),
  );
}

/** A row's expectation on stdio, by the mapping at the top of the file; throws for what stdio has no meaning for. */
function stdioExpectation(row: Row): StdioExpectation {
  const missing = (what: string) => new Error(`${what}: no stdio meaning; list the row in NOT_APPLICABLE for "${STDIO}" with the reason`);
  if (row.upstreamDown) throw missing('a stopped upstream');
  for (const request of [...(row.setup ?? []), row.request]) {
    if (request.method !== undefined || request.path !== undefined) throw missing('an HTTP method or path');
    if (request.headers !== undefined) throw missing(`headers ${Object.keys(request.headers).join(', ')}`);
    if (request.announcedLength !== undefined) throw missing('a Content-Length');
  }
  const { expect: expected } = row;
  let retryAfter = false;
  for (const name of Object.keys(expected.headers ?? {})) {
    if (name === 'retry-after') retryAfter = true;
    else if (!['content-type', 'x-accel-buffering', 'allow'].includes(name)) throw missing(`the header ${name}`);
  }
  const common = { retryAfter, upstream: expected.upstream, ...(expected.answerLacks === undefined ? {} : { answerLacks: expected.answerLacks }) };
  const notificationsOnly = messagesOfBody(row.request).every((message) => isRecord(message) && typeof message['method'] === 'string' && !('id' in message));

  if (expected.status === 202 && expected.messages === undefined) return { ...common, lines: 'none', messages: [] };
  if (expected.status === 403 && notificationsOnly) {
    const [only, ...more] = expected.messages ?? [];
    const error = isRecord(only) && only['id'] === null && isRecord(only['error']) ? only['error'] : undefined;
    if (error === undefined || more.length > 0 || !isRecord(error['data'])) throw missing('a 403 other than one error for a refused notification');
    return { ...common, lines: 'none', messages: [], audited: { code: error['code'] as number, rule: error['data']['rule'] as string } };
  }
  if (expected.status === 200 || expected.status === 400) {
    const lines = expected.body === 'array' ? 'array' : expected.body === 'object' ? 'object' : expected.body === 'empty' ? 'none' : 'any';
    return { ...common, lines, messages: expected.messages ?? [] };
  }
  throw missing(`HTTP status ${expected.status}`);
}

describe(STDIO, () => {
  // The same config: `mcpgw stdio` ignores `upstreams` (this URL is never dialled) and names the
  // server `main` after `default_upstream`. The wrapper adds an audit log (see RecordingWrapper).
  const config = configText('http://127.0.0.1:9/never-dialled');
  const rows = ROWS.filter((row) => notApplicable(row, STDIO) === undefined);
  let shared: RecordingWrapper | undefined;
  /** The wrappers of the rows that call the rate-limited tool, one each; a row's is stopped after it. */
  const own = new Map<string, RecordingWrapper>();

  beforeAll(async () => {
    // Started together: each start is mostly waiting for two node processes to load.
    const starting = rows.filter(callsRateLimitedTool).map(async (row) => own.set(row.name, await RecordingWrapper.start(config, PROTOCOL)));
    const results = await Promise.allSettled([RecordingWrapper.start(config, PROTOCOL).then((wrapper) => (shared = wrapper)), ...starting]);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  });
  afterAll(async () => {
    await Promise.all([shared?.stop(), ...[...own.values()].map((wrapper) => wrapper.stop())]);
  });

  for (const row of ROWS) {
    const skipped = notApplicable(row, STDIO);
    if (skipped !== undefined) {
      it.skip(`${row.name} (not applicable: ${skipped.reason})`, () => {});
      continue;
    }
    it(row.name, async () => {
      const expected = stdioExpectation(row);
      const ownWrapper = own.get(row.name);
      const wrapper = ownWrapper ?? (shared as RecordingWrapper);
      try {
        for (const request of row.setup ?? []) await wrapper.exchange(request.body ?? '', requestIds(request));
        const answer = await wrapper.exchange(row.request.body ?? '', expected.messages.map((message) => (message as { id?: unknown }).id));
        checkStdioAnswer(answer, expected);
      } finally {
        if (ownWrapper !== undefined) {
          own.delete(row.name);
          await ownWrapper.stop();
        }
      }
    });
  }
});

function checkStdioAnswer(answer: StdioAnswer, expected: StdioExpectation): void {
  const shown = answer.texts.join('\n').slice(0, 2000);
  if (expected.lines === 'none') expect(answer.texts, shown).toEqual([]);
  if (expected.lines === 'array' || expected.lines === 'object') {
    expect(answer.lines, shown).toHaveLength(1);
    expect(Array.isArray(answer.lines[0]) ? 'array' : 'object', shown).toBe(expected.lines);
  }
  expect(answer.messages, shown).toMatchObject(expected.messages);
  if (expected.retryAfter) {
    const limited = answer.messages.filter((message) => isRecord(message) && isRecord(message['error']) && message['error']['code'] === -32029);
    expect(limited, shown).not.toEqual([]);
    for (const message of limited) expect(message, shown).toMatchObject({ error: { data: { retry_after_ms: expect.any(Number) } } });
    for (const message of limited) expect((message as { error: { data: { retry_after_ms: number } } }).error.data.retry_after_ms, shown).toBeGreaterThan(0);
  }
  if (expected.audited !== undefined) {
    const { code, rule } = expected.audited;
    expect(answer.audit, JSON.stringify(answer.audit)).toContainEqual(expect.objectContaining({ event: 'decision', action: 'deny', error_code: code, rules: expect.arrayContaining([rule]) }));
  }
  if (expected.answerLacks !== undefined) expect(answer.texts.join('\n')).not.toMatch(expected.answerLacks);

  if (expected.upstream === 'nothing') expect(answer.received).toEqual([]);
  else {
    expect(answer.received).toHaveLength(1);
    for (const pattern of expected.upstream.has) expect(answer.received[0]).toMatch(pattern);
    if (expected.upstream.lacks !== undefined) expect(answer.received[0]).not.toMatch(expected.upstream.lacks);
  }
}

/** What the body of an answer is. */
function bodyShape(response: WireResponse): Expectation['body'] {
  if (response.raw === '') return 'empty';
  if (String(response.headers['content-type']).startsWith('text/event-stream')) return 'stream';
  return response.text.trimStart().startsWith('[') ? 'array' : 'object';
}
