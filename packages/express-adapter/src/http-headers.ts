import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';

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

/**
 * Response headers to send to the client: the upstream's, minus hop-by-hop
 * headers and those in `drop` (e.g. content-length when the body is
 * rewritten), with every value passed through `redact` — `Content-Type`,
 * `ETag` and the like too, since an upstream may put anything in them — and
 * a header whose very name `redact` would change left out. (The caller
 * decides on `Mcp-Session-Id`, which cannot be rewritten without breaking
 * the session.)
 */
export function responseHeaders(upstream: IncomingMessage, drop: readonly string[], redact: (value: string) => string): OutgoingHttpHeaders {
  const skip = new Set([...hopByHopNames(upstream.headers), ...drop]);
  // Names as the upstream wrote them: Node lowercases them, and a pattern may care about case.
  const raw = upstream.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (redact(name) !== name) skip.add(name.toLowerCase());
  }
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value === undefined || skip.has(name)) continue;
    out[name] = typeof value === 'string' ? headerSafe(redact(value)) : value.map((item) => headerSafe(redact(item)));
  }
  return out;
}

/** Characters an HTTP field value may not carry as they are: controls but tab, and anything past Latin-1. */
const NOT_FIELD_TEXT = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * A field value that can be written as-is. A redact replacement may carry
 * characters a header cannot (`"█"`); those are written as the
 * percent-encoded UTF-8 of each, so a redacted header still goes out, and
 * never the secret.
 */
export function headerSafe(value: string): string {
  if (!NOT_FIELD_TEXT.test(value)) return value;
  let out = '';
  for (const char of value) out += NOT_FIELD_TEXT.test(char) ? percentEncoded(char) : char;
  return out;
}

/** `%E2%96%88` for "█"; a lone surrogate is encoded as U+FFFD, as UTF-8 writes it. */
function percentEncoded(char: string): string {
  let out = '';
  for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}
