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
export function hopByHopNames(headers: IncomingHttpHeaders): Set<string> {
  const names = new Set(HOP_BY_HOP);
  const connection = headers['connection'];
  if (typeof connection === 'string') {
    for (const token of connection.split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '') names.add(name);
    }
  }
  return names;
}

/**
 * Response headers to send to the client: the upstream's, minus hop-by-hop
 * headers and those in `drop` (e.g. content-length when the body is rewritten).
 */
export function responseHeaders(upstream: IncomingHttpHeaders, drop: readonly string[] = []): OutgoingHttpHeaders {
  const skip = hopByHopNames(upstream);
  for (const name of drop) skip.add(name);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value !== undefined && !skip.has(name)) out[name] = value;
  }
  return out;
}
