// What a client received through the gateway, and the checks on it: no
// secret anywhere a client could read one (raw bytes, status line, header
// names and values, the body decoded as the client would decode it, JSON
// parsed), and no tools/list answer offering a denied tool.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { sseData } from '../../attacks/wire.js';
import { SECRET_PATTERN } from './answer-bodies.js';
import type { ClientCall } from './client-calls.js';

export interface ClientView {
  /** answered: a complete HTTP answer; closed: the connection ended without one (clean enough); hung: nothing within the bound. */
  readonly outcome: 'answered' | 'closed' | 'hung';
  readonly status: number;
  readonly statusMessage: string;
  readonly rawHeaders: readonly string[];
  /** The body as node:http delivered it (de-chunked, not content-decoded). */
  readonly body: Buffer;
  /** Every byte the gateway sent on the connection. */
  readonly raw: Buffer;
  readonly elapsedMs: number;
  readonly error: string | null;
}

/** Sends one call on a fresh connection and reads whatever comes back, for at most `boundMs`. */
export function sendCall(port: number, call: ClientCall, boundMs: number): Promise<ClientView> {
  return new Promise((resolve) => {
    const started = performance.now();
    const raw: Buffer[] = [];
    const body: Buffer[] = [];
    let response: IncomingMessage | undefined;
    let settled = false;
    const settle = (outcome: ClientView['outcome'], error: string | null = null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({
        outcome,
        status: response?.statusCode ?? 0,
        statusMessage: response?.statusMessage ?? '',
        rawHeaders: response?.rawHeaders ?? [],
        body: Buffer.concat(body),
        raw: Buffer.concat(raw),
        elapsedMs: Math.round(performance.now() - started),
        error,
      });
    };
    const headers = { ...call.headers, ...(call.body === null ? {} : { 'content-length': String(call.body.length) }) };
    const req = httpRequest({ host: '127.0.0.1', port, method: call.method, path: '/mcp', headers, agent: false });
    req.on('socket', (socket) => socket.on('data', (chunk: Buffer) => raw.push(chunk)));
    req.on('response', (res) => {
      response = res;
      res.on('data', (chunk: Buffer) => body.push(chunk));
      res.once('end', () => settle('answered'));
      res.once('error', (error) => settle('closed', error.message));
      res.once('close', () => settle(res.complete ? 'answered' : 'closed'));
    });
    req.once('error', (error: NodeJS.ErrnoException) => settle('closed', error.code ?? error.message));
    const timer = setTimeout(() => settle('hung'), boundMs);
    req.end(call.body ?? undefined);
  });
}

/** Where a client could read a secret in `view` (empty: nowhere). */
export function secretsSeen(view: ClientView): string[] {
  const seen: string[] = [];
  const look = (where: string, text: string) => {
    const match = SECRET_PATTERN.exec(text);
    if (match !== null) seen.push(`${where}: ${JSON.stringify(match[0])}`);
  };
  look('raw bytes', view.raw.toString('latin1'));
  look('status line', view.statusMessage);
  for (let i = 0; i < view.rawHeaders.length; i += 2) {
    look(`header name ${JSON.stringify(view.rawHeaders[i])}`, view.rawHeaders[i] ?? '');
    look(`header ${view.rawHeaders[i]}`, view.rawHeaders[i + 1] ?? '');
  }
  const headers = headerMap(view.rawHeaders);
  const body = contentDecoded(view.body, headers.get('content-encoding'));
  const type = headers.get('content-type') ?? '';
  const sse = type.split(';')[0]?.trim().toLowerCase() === 'text/event-stream';
  look('body as latin1', body.toString('latin1'));
  look('body as UTF-8', body.toString('utf8'));
  // A client reading a non-SSE body honours its declared charset (SSE is always UTF-8).
  if (!sse && /charset="?(utf-16|utf-16le|ucs-2)/i.test(type)) look('body as UTF-16LE (its declared charset)', body.toString('utf16le'));
  for (const [i, message] of parsedMessages(body.toString('utf8'), sse).entries()) look(`JSON message ${i} as parsed`, JSON.stringify(message) ?? '');
  return seen;
}

/** tools/list answers (as the MCP SDK client matches them: Number(id)) that offer the denied tool `exec`. */
export function deniedToolsOffered(view: ClientView, call: ClientCall): string[] {
  const listIds = new Set(call.requests.filter((r) => r.method === 'tools/list').map((r) => r.id));
  if (listIds.size === 0) return [];
  const headers = headerMap(view.rawHeaders);
  const sse = (headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() === 'text/event-stream';
  const offered: string[] = [];
  for (const message of parsedMessages(contentDecoded(view.body, headers.get('content-encoding')).toString('utf8'), sse)) {
    const record = message as { id?: unknown; method?: unknown; result?: { tools?: unknown } };
    if (record === null || typeof record !== 'object' || record.method !== undefined) continue;
    const idMatches = (typeof record.id === 'string' || Number.isInteger(record.id)) && listIds.has(Number(record.id));
    const tools = record.result?.tools;
    if (idMatches && Array.isArray(tools) && tools.some((tool) => (tool as { name?: unknown } | null)?.name === 'exec')) {
      offered.push(`tools/list answer with id ${JSON.stringify(record.id)} offers "exec"`);
    }
  }
  return offered;
}

function headerMap(rawHeaders: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    if (!map.has(name)) map.set(name, rawHeaders[i + 1] ?? '');
  }
  return map;
}

/** The body after the content coding the response declares (as a client would undo it); as received if it cannot be undone. */
function contentDecoded(body: Buffer, encoding: string | undefined): Buffer {
  try {
    switch ((encoding ?? '').trim().toLowerCase()) {
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(body);
      case 'deflate':
        return inflateSync(body);
      case 'br':
        return brotliDecompressSync(body);
      default:
        return body;
    }
  } catch {
    return body;
  }
}

/** JSON-RPC messages a client could parse out of a body: each SSE event's data, or the body as JSON (whatever its type says). */
function parsedMessages(text: string, sse: boolean): unknown[] {
  const texts = sse ? sseData(text) : [text];
  const out: unknown[] = [];
  for (const item of texts) {
    try {
      const parsed = JSON.parse(item.replace(/^\ufeff/, '')) as unknown;
      if (Array.isArray(parsed)) out.push(...parsed);
      else out.push(parsed);
    } catch {
      // Not JSON: its bytes were searched as text already.
    }
  }
  return out;
}
