// A hostile upstream's whole answer to one forwarded request, as a script of
// raw bytes: status line (1xx first, 101, garbage), headers (secrets in names
// and values, odd content types and charsets), content coding (gzip, deflate,
// br, bogus, lying, truncated) and framing (Content-Length too large or too
// small, chunked garbage, resets and FINs mid-body, trickled bytes).

import type { Script, Step } from '../hostile-upstream.js';
import type { Random } from '../random.js';
import { jsonBody, secret, secretText, textBody, type BodyContext } from './answer-bodies.js';
import type { ClientCall } from './client-calls.js';
import { CODINGS, encodeBody, type SseEvents } from './content-coding.js';
import { frameBody, paceBody } from './framing.js';
import type { PrebuiltBodies } from './prebuilt-bodies.js';
import { sseBody } from './sse-bodies.js';

export interface Answer {
  /** What was chosen, in words (for the failure report). */
  readonly labels: readonly string[];
  readonly script: Script;
  /** Time the script spends in pauses. */
  readonly durationMs: number;
}

const CONTENT_TYPES: ReadonlyArray<readonly [number, string | null, 'json' | 'sse' | 'text']> = [
  [14, 'application/json', 'json'],
  [4, 'application/json; charset=utf-8', 'json'],
  [2, 'Application/JSON', 'json'],
  [2, 'application/json;charset="UTF-8"', 'json'],
  [1, 'application/json; charset=utf-16le', 'json'],
  [1, 'application/problem+json', 'json'],
  [1, 'text/json ; foo=bar', 'json'],
  [14, 'text/event-stream', 'sse'],
  [3, 'Text/Event-Stream; charset=utf-8', 'sse'],
  [1, 'text/event-stream;charset=UTF-8;foo="a;b"', 'sse'],
  [1, 'text/event-stream; charset=utf-16le', 'sse'],
  [2, 'text/plain; charset=utf-8', 'text'],
  [2, 'text/plain; charset=utf-16le', 'text'],
  [2, 'text/plain; charset=latin1', 'text'],
  [1, 'text/plain; charset=iso-8859-1', 'text'],
  [2, 'text/plain; charset=bogus-42', 'text'],
  [1, 'TEXT/PLAIN', 'text'],
  [1, 'text/html; charset=UTF-8', 'text'],
  [1, 'application/octet-stream', 'text'],
  [6, null, 'json'],
  [1, '', 'json'],
];

const STATUSES: ReadonlyArray<readonly [number, number]> = [
  [60, 200],
  [6, 202],
  [4, 204],
  [3, 304],
  [4, 400],
  [2, 401],
  [3, 404],
  [5, 500],
  [2, 502],
  [1, 503],
  [1, 206],
  [1, 299],
  [1, 418],
  [1, 599],
];

/** Header names an upstream may put a secret in (the gateway must redact every value it passes on). */
const SECRET_HEADERS = ['x-debug-token', 'set-cookie', 'location', 'www-authenticate', 'link', 'etag', 'cache-control', 'mcp-session-id', 'content-disposition', 'retry-after', 'server', 'warning', 'x-request-id', 'vary', 'last-modified', 'date', 'access-control-allow-origin', 'content-language', 'mcp-protocol-version'];

/** The answer to `call` for one fuzz case. */
export function upstreamAnswer(g: Random, call: ClientCall, prebuilt: PrebuiltBodies): Answer {
  const ctx: BodyContext = { g, call, secrets: [], labels: [] };
  const steps: Step[] = [];
  const write = (data: string | Buffer) => steps.push({ write: typeof data === 'string' ? Buffer.from(data, 'latin1') : data });

  // Before a final status line: nothing, garbage, 101, or informational answers.
  const early = g.weighted<string>([
    [80, 'none'],
    [2, 'close before headers'],
    [2, 'reset before headers'],
    [2, 'partial status line, then close'],
    [3, '1xx, then nothing'],
    [4, '101 Switching Protocols'],
    [4, 'garbage status line'],
    [3, 'informational answers first'],
  ]);
  if (early !== 'none') ctx.labels.push(early);
  switch (early) {
    case 'close before headers':
      return done(ctx, [{ close: 'fin' }]);
    case 'reset before headers':
      return done(ctx, [{ close: 'reset' }]);
    case 'partial status line, then close':
      return done(ctx, [{ write: Buffer.from('HTTP/1.1 20') }, { pause: 20 }, { close: g.pick(['fin', 'reset'] as const) }]);
    case '1xx, then nothing':
      write(`HTTP/1.1 ${g.pick([100, 102, 103])} Wait\r\n${g.chance(0.5) ? `link: </${secret(ctx)}>; rel=preload\r\n` : ''}\r\n`);
      return done(ctx, [...steps, { close: 'hold' }]);
    case '101 Switching Protocols': {
      write(`HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: ${g.pick(['websocket', 'h2c', secret(ctx)])}\r\n${g.chance(0.5) ? `x-token: ${secret(ctx)}\r\n` : ''}\r\n`);
      if (g.chance(0.6)) write(`${secretText(ctx)}\r\n`);
      return done(ctx, [...steps, { close: g.pick(['fin', 'hold', 'reset'] as const) }]);
    }
    case 'garbage status line': {
      const line = g.pick(['HTTP/1.1 abc Nope', 'HTTP/1.1 99 Too Small', 'HTTP/1.1 1000 Too Big', 'HTTP/1.1 200OK', 'HTTP/2 200 OK', 'ICY 200 OK', 'HTTP/1.1 -1 X', `${secretText(ctx)}`, 'HTTP/1.1 200 OK\r\nx-bad header: 1', 'HTTP/1.1 200 OK\r\nx-folded: a\r\n  folded', 'HTTP/1.1 200 OK\r\nx-nul: a\u0000b']);
      write(`${line}\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`);
      return done(ctx, [...steps, { close: 'fin' }]);
    }
    case 'informational answers first':
      for (let i = 0, n = g.between(1, 3); i < n; i++) {
        const code = g.pick([100, 102, 103]);
        write(`HTTP/1.1 ${code} Info\r\n${code === 103 ? `link: </style.css?k=${secret(ctx)}>; rel=preload\r\n` : ''}\r\n`);
        if (g.chance(0.5)) steps.push({ pause: g.between(1, 30) });
      }
      break;
  }

  const status = g.weighted(STATUSES.map(([weight, code]) => [weight, code] as const));
  const [, contentType, family] = g.weighted(CONTENT_TYPES.map((entry) => [entry[0], entry] as const));
  ctx.labels.push(`status ${status}`, `content-type ${contentType === null ? '(none)' : JSON.stringify(contentType)}`);
  const format = g.chance(0.85) ? family : g.pick(['json', 'sse', 'text'] as const);
  if (format !== family) ctx.labels.push(`body format ${format}`);

  // The body, before content coding.
  let body: Buffer;
  let events: SseEvents = [];
  let coding = g.weighted(CODINGS);
  const bomb = g.weighted<string>([
    [97, 'none'],
    [1.5, 'json past the response limit'],
    [1.5, 'sse event past the event limit'],
  ]);
  if (bomb === 'json past the response limit') {
    body = prebuilt.jsonBomb();
    coding = 'prebuilt gzip';
    ctx.secrets.push('AKIAIOSFODNN7EXAMPLE');
  } else if (bomb === 'sse event past the event limit') {
    body = prebuilt.sseBomb();
    coding = 'prebuilt gzip';
    ctx.secrets.push('AKIAIOSFODNN7EXAMPLE');
  } else if (format === 'sse') {
    ({ bytes: body, events } = sseBody(ctx));
  } else if (format === 'json') {
    body = jsonBody(ctx);
  } else {
    body = textBody(ctx);
  }
  if (bomb !== 'none') ctx.labels.push(bomb);
  const charset = /charset="?([^;"]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (format !== 'sse' && bomb === 'none' && charset !== undefined && g.chance(0.8)) {
    if (charset === 'utf-16le') body = Buffer.from(body.toString('utf8'), 'utf16le');
    if (charset === 'latin1' || charset === 'iso-8859-1') body = Buffer.from(body.toString('utf8'), 'latin1');
    ctx.labels.push(`body encoded as ${charset}`);
  }

  const { header: encodingHeader, encoded, events: encodedEvents } = encodeBody(g, ctx, coding, body, events);
  // Headers.
  const version = g.chance(0.9) ? 'HTTP/1.1' : 'HTTP/1.0';
  const reason = g.weighted<string>([
    [85, 'OK'],
    [5, ''],
    [5, secretText(ctx).replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, '_')],
    [5, 'Ünïcode ✓'],
  ]);
  const headers: Array<[string, string]> = [];
  if (contentType !== null) headers.push(['Content-Type', contentType]);
  if (g.chance(0.03) && contentType !== null) {
    headers.push(['content-type', family === 'sse' ? 'application/json' : 'text/event-stream']);
    ctx.labels.push('a second content-type header');
  }
  if (encodingHeader !== null) headers.push(['Content-Encoding', encodingHeader]);
  if (g.chance(0.12)) {
    for (let i = 0, n = g.between(1, 3); i < n; i++) {
      const name = g.pick(SECRET_HEADERS);
      headers.push([name, g.chance(0.5) ? secret(ctx) : `${g.pick(['a=', 'Bearer ', '</x?', 'W/"', ''])}${secretText(ctx).replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, '_')}`]);
      ctx.labels.push(`secret in header ${name}`);
    }
  }
  if (g.chance(0.04)) {
    headers.push([g.pick([`x-${secret(ctx)}`, secret(ctx)]), '1']);
    ctx.labels.push('secret in a header name');
  }
  if (g.chance(0.03) && contentType !== null) {
    const index = headers.findIndex(([name]) => name === 'Content-Type');
    headers[index] = ['Content-Type', `${contentType}; note=${secret(ctx)}`];
    ctx.labels.push('secret in a content-type parameter');
  }
  if (g.chance(0.03)) {
    headers.push(['x-latin1', Buffer.from([0x61, 0xe9, 0xff, 0x62]).toString('latin1')]);
    headers.push(['x-utf8', Buffer.from('█ ✓', 'utf8').toString('latin1')]);
    ctx.labels.push('non-ASCII header bytes');
  }
  if (g.chance(0.02)) {
    headers.push(['x-huge', 'h'.repeat(g.pick([8_000, 20_000]))]);
    ctx.labels.push('a huge header');
  }
  if (g.chance(0.03)) {
    headers.push(['Connection', 'x-hop, keep-alive'], ['x-hop', secret(ctx)]);
    ctx.labels.push('a secret in a header named by Connection');
  }
  const connectionClose = g.chance(0.2);
  if (connectionClose) headers.push(['Connection', 'close']);

  const { framed, terminal: framedTerminal } = frameBody(g, ctx, encoded, encodedEvents, headers);
  let terminal = framedTerminal;
  // An event stream may stay silent for as long as its tool runs: a stalled one is not a hang, so it ends here.
  const streamed = (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'text/event-stream';
  if (streamed && terminal !== null && 'close' in terminal && terminal.close === 'hold') terminal = { close: 'fin' };
  if (version === 'HTTP/1.0' || connectionClose || status === 204 || status === 304 || call.method === 'HEAD') terminal ??= { close: 'fin' };

  write(`${version} ${status}${reason === '' && g.chance(0.5) ? '' : ` ${reason}`}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`);
  paceBody(g, ctx, framed, steps);
  if (terminal !== null) steps.push(terminal);
  return done(ctx, steps);
}

function done(ctx: BodyContext, steps: Step[]): Answer {
  const durationMs = steps.reduce((sum, step) => sum + ('pause' in step ? step.pause : 0), 0);
  return { labels: ctx.labels, script: { steps }, durationMs };
}
