import { headerValue, type HeaderSource } from '../jsonrpc/header-value.js';
import { protocolEra } from '../jsonrpc/mirrored-headers.js';

/**
 * The MCP session of an HTTP request, the `session` of its exchange's context:
 * its `Mcp-Session-Id` in the 2025 era. From 2026-07-28 on there are no
 * sessions, and a leftover `Mcp-Session-Id` is ignored, as servers do.
 *
 * @example
 * new Exchange(runtime, { upstream, headers: req.headers, session: sessionIdOf(req.headers) });
 */
export function sessionIdOf(headers: HeaderSource | undefined): string | undefined {
  return protocolEra(headers, undefined) === 'legacy' ? headerValue(headers, 'mcp-session-id') : undefined;
}
