// Wire-level helpers for attack and fault tests: exact HTTP requests (no
// client library adding or fixing headers), raw TCP exchanges written a byte
// at a time, and parsing of what came back (JSON or SSE).

import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { connect as netConnect } from 'node:net';

export interface WireResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body bytes as latin1 (byte-exact; search it for secrets). */
  readonly raw: string;
  /** The body decoded as UTF-8. */
  readonly text: string;
  /** JSON-RPC messages in the body: a JSON body (array or single), or each SSE `data:` that is JSON. */
  readonly messages: unknown[];
}

/** One HTTP request exactly as given (node:http adds only Host and, for a body, Content-Length). */
export function send(
  url: string,
  options: { method?: string; headers?: OutgoingHttpHeaders; body?: string | Buffer; timeoutMs?: number } = {},
): Promise<WireResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: options.method ?? 'POST', headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('close', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: body.toString('latin1'), text: body.toString('utf8'), messages: messagesOf(res.headers['content-type'], body.toString('utf8')) });
        });
      },
    );
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error('request timed out')));
    req.once('error', reject);
    req.end(options.body);
  });
}

/**
 * A request whose headers announce a body of `length` bytes that is never
 * sent: resolves with the answer a server gives from the headers alone (an
 * oversized Content-Length, say). Sending such a body whole instead races the
 * server closing the connection after its answer: the client's write can fail
 * (EPIPE) before the answer is read.
 */
export function announce(url: string, options: { method?: string; headers?: OutgoingHttpHeaders; length: number; timeoutMs?: number }): Promise<WireResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers, 'content-length': String(options.length) };
    const req = httpRequest({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: options.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: body.toString('latin1'), text: body.toString('utf8'), messages: messagesOf(res.headers['content-type'], body.toString('utf8')) });
        req.destroy();
      });
    });
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error('request timed out')));
    req.once('error', reject);
    req.flushHeaders();
  });
}

/** A JSON-RPC POST with the usual MCP headers (plus `headers`). */
export function rpc(url: string, body: string | Buffer | object, headers: OutgoingHttpHeaders = {}): Promise<WireResponse> {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return send(url, { headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: text });
}

/** JSON-RPC messages carried by a body of the given content type. */
export function messagesOf(contentType: string | undefined, text: string): unknown[] {
  if ((contentType ?? '').startsWith('text/event-stream')) return sseData(text).flatMap((data) => tryJson(data) ?? []);
  const parsed = tryJson(text)?.[0];
  if (parsed === undefined) return [];
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** The `data` of each SSE event in a stream (data lines joined with "\n"). */
export function sseData(text: string): string[] {
  const out: string[] = [];
  for (const block of text.split(/\r\n\r\n|\n\n|\r\r/)) {
    const lines = block.split(/\r\n|\n|\r/).filter((line) => line.startsWith('data:'));
    if (lines.length > 0) out.push(lines.map((line) => line.slice(5).replace(/^ /, '')).join('\n'));
  }
  return out;
}

function tryJson(text: string): unknown[] | undefined {
  try {
    return [JSON.parse(text) as unknown];
  } catch {
    return undefined;
  }
}

/** Initializes a 2025-era session through `url` (protocol 2025-06-18 unless given); returns its Mcp-Session-Id. */
export async function openSession(url: string, protocolVersion = '2025-06-18'): Promise<string> {
  const init = await rpc(url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'attacker', version: '1' } } });
  const session = init.headers['mcp-session-id'];
  if (typeof session !== 'string') throw new Error(`no session: ${init.status} ${init.text}`);
  await rpc(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': session, 'mcp-protocol-version': protocolVersion });
  return session;
}

export interface RawExchange {
  /** Everything the server wrote, latin1. */
  readonly raw: string;
  /** Status codes of every HTTP response in `raw`, in order. */
  readonly statuses: number[];
  /** Whether the server closed the connection (false: we gave up after the timeout). */
  readonly closedByServer: boolean;
}

/**
 * Writes `bytes` to a fresh TCP connection — all at once, or one byte per
 * write with a pause (`byteByByte`), with Nagle off so each byte is its own
 * segment — and collects what the server sends until it closes the
 * connection or `timeoutMs` passes.
 */
export function rawExchange(port: number, bytes: Buffer, options: { byteByByte?: boolean; pauseMs?: number; timeoutMs?: number; endAfterWrite?: boolean } = {}): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port, noDelay: true });
    const chunks: Buffer[] = [];
    let closedByServer = true;
    const timer = setTimeout(() => {
      closedByServer = false;
      socket.destroy();
    }, options.timeoutMs ?? 5000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET' && (error as NodeJS.ErrnoException).code !== 'EPIPE') reject(error);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const statuses = [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
      resolve({ raw, statuses, closedByServer });
    });
    socket.once('connect', async () => {
      if (options.byteByByte) {
        for (let i = 0; i < bytes.length && !socket.destroyed; i++) {
          socket.write(bytes.subarray(i, i + 1));
          await new Promise((done) => setTimeout(done, options.pauseMs ?? 0));
        }
      } else {
        socket.write(bytes);
      }
      if (options.endAfterWrite) socket.end();
    });
  });
}

/** An HTTP/1.1 request as bytes: request line, headers (given verbatim, in order), blank line, body. */
export function httpBytes(method: string, path: string, headers: ReadonlyArray<readonly [string, string]>, body: string | Buffer = ''): Buffer {
  const head = `${method} ${path} HTTP/1.1\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')]);
}

/** A body in chunked transfer coding, `size` bytes per chunk. */
export function chunked(body: string | Buffer, size: number): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    const piece = bytes.subarray(i, i + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`, 'latin1'), piece, Buffer.from('\r\n', 'latin1'));
  }
  parts.push(Buffer.from('0\r\n\r\n', 'latin1'));
  return Buffer.concat(parts);
}

/** The JSON-RPC error code of the message answering `id`, or null (a result, or no answer). */
export function errorCodeFor(messages: readonly unknown[], id: unknown): number | null {
  for (const message of messages) {
    const record = message as { id?: unknown; error?: { code?: unknown } };
    if (record?.id === id && record.error !== undefined) return typeof record.error.code === 'number' ? record.error.code : null;
  }
  return null;
}
