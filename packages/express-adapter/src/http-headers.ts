import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection and are never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The hop-by-hop header names of a message, including those its `Connection` header lists. */
export function hopByHopNames(headers: IncomingHttpHeaders): ReadonlySet<string> {
  const connection = headers['connection'];
  if (typeof connection !== 'string' || connection === '' || STANDARD_CONNECTION.has(connection.toLowerCase())) return HOP_BY_HOP;
  const names = new Set(HOP_BY_HOP);
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '') names.add(name);
  }
  return names;
}

/** `Connection` values that name no extra header (the common case, answered without allocating). */
const STANDARD_CONNECTION = new Set(['keep-alive', 'close']);

/** Response headers that identify or frame the message; never rewritten. */
const STRUCTURAL = new Set(['content-type', 'content-length', 'content-encoding', 'mcp-session-id', 'date', 'etag', 'last-modified', 'vary', 'cache-control']);

/**
 * Response headers to send to the client: the upstream's, minus hop-by-hop
 * headers and those in `drop` (e.g. content-length when the body is
 * rewritten), with every other value passed through `redact`.
 */
export function responseHeaders(upstream: IncomingHttpHeaders, drop: readonly string[] = [], redact?: (value: string) => string): OutgoingHttpHeaders {
  const skip = hopByHopNames(upstream);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || skip.has(name) || drop.includes(name)) continue;
    if (redact === undefined || STRUCTURAL.has(name)) out[name] = value;
    else out[name] = typeof value === 'string' ? redact(value) : value.map(redact);
  }
  return out;
}
