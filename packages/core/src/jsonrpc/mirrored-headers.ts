import { headerValue } from '../policy/header-value.js';
import type { HeaderSource } from '../policy/decision.js';

/** The first protocol revision that mirrors the body into headers and drops sessions. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion';

/** Methods whose `Mcp-Name` header is required, and the body field it mirrors. */
const NAME_FIELD: Readonly<Record<string, 'name' | 'uri'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

/** `x-mcp-header` annotations of one tool: lowercase `mcp-param-<name>` header → property path in `arguments`. */
export type ParamHeaderMap = ReadonlyMap<string, readonly string[]>;

/** The result of {@link checkMirroredHeaders}. */
export type MirroredHeadersCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

const OK: MirroredHeadersCheck = Object.freeze({ ok: true });

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The protocol era of a POST: the `MCP-Protocol-Version` header, or the
 * version the body carries in `params._meta`. Versions from 2026-07-28 on
 * are `modern` (one message per POST, no sessions, mirrored headers).
 */
export function protocolEra(headers: HeaderSource | undefined, message: unknown): 'modern' | 'legacy' {
  const version = headerValue(headers, 'mcp-protocol-version') ?? bodyProtocolVersion(message);
  return version !== undefined && version >= MODERN_PROTOCOL_VERSION ? 'modern' : 'legacy';
}

function bodyProtocolVersion(message: unknown): string | undefined {
  const params = isRecord(message) ? message['params'] : undefined;
  const meta = isRecord(params) ? params['_meta'] : undefined;
  const version = isRecord(meta) ? meta[PROTOCOL_VERSION_META] : undefined;
  return typeof version === 'string' ? version : undefined;
}

/**
 * Checks the headers a 2026-07-28 client mirrors from the body —
 * `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*` — against
 * the body (SPEC §7). Any mirrored header that is present must agree with the
 * body, in every era, so that nothing routing on headers behind the gateway
 * can be fooled; in the modern era the standard headers are also required.
 * `Mcp-Param-*` headers are checked when the tool's annotations are known
 * (`paramHeaders`, learned from `tools/list`); otherwise they are left to the
 * upstream, which knows its own schema.
 */
export function checkMirroredHeaders(message: unknown, headers: HeaderSource | undefined, paramHeaders?: ParamHeaderMap): MirroredHeadersCheck {
  if (!isRecord(message) || typeof message['method'] !== 'string') return OK;
  const modern = protocolEra(headers, message) === 'modern';
  const isRequest = Object.hasOwn(message, 'id');
  const method = message['method'];
  const params = isRecord(message['params']) ? message['params'] : {};

  const compare = (header: string, display: string, expected: string | undefined, required: boolean, encoded: boolean): string | null => {
    const raw = headerValue(headers, header);
    if (raw === undefined) return required && expected !== undefined ? `Header mismatch: required header ${display} is missing` : null;
    const value = encoded ? decodeSentinel(raw) : validHeaderText(raw);
    if (value === null) return `Header mismatch: ${display} header value is malformed`;
    if (expected === undefined) return `Header mismatch: ${display} header is present but the body has no value for it`;
    if (value !== expected) return `Header mismatch: ${display} header value '${value}' does not match body value '${expected}'`;
    return null;
  };

  const version = bodyProtocolVersion(message);
  const problem =
    (version === undefined ? null : compare('mcp-protocol-version', 'MCP-Protocol-Version', version, modern, false)) ??
    compare('mcp-method', 'Mcp-Method', method, modern && isRequest, false) ??
    nameProblem(method, params, modern && isRequest, compare) ??
    paramProblem(method, params, headers, paramHeaders);
  return problem === null ? OK : { ok: false, message: problem };
}

function nameProblem(
  method: string,
  params: Record<string, unknown>,
  required: boolean,
  compare: (header: string, display: string, expected: string | undefined, required: boolean, encoded: boolean) => string | null,
): string | null {
  const field = NAME_FIELD[method];
  if (field === undefined) {
    // Methods without a name: a present Mcp-Name header mirrors nothing and must not be trusted.
    return compare('mcp-name', 'Mcp-Name', undefined, false, true);
  }
  const value = params[field];
  return compare('mcp-name', 'Mcp-Name', typeof value === 'string' ? value : undefined, required, true);
}

function paramProblem(method: string, params: Record<string, unknown>, headers: HeaderSource | undefined, paramHeaders?: ParamHeaderMap): string | null {
  if (method !== 'tools/call' || paramHeaders === undefined) return null;
  const args = isRecord(params['arguments']) ? params['arguments'] : {};
  for (const [header, path] of paramHeaders) {
    const display = header.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
    let value: unknown = args;
    for (const key of path) value = isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
    const raw = headerValue(headers, header);
    if (value === undefined || value === null) {
      if (raw !== undefined) return `Header mismatch: ${display} header is present but the body has no value for it`;
      continue;
    }
    if (raw === undefined) return `Header mismatch: required header ${display} is missing`;
    const decoded = decodeSentinel(raw);
    if (decoded === null) return `Header mismatch: ${display} header value is malformed`;
    const matches =
      typeof value === 'number' ? decoded.trim() !== '' && Number(decoded) === value : typeof value === 'boolean' ? decoded === String(value) : decoded === value;
    if (!matches) return `Header mismatch: ${display} header value does not match the body`;
  }
  return null;
}

/** Field-value characters of RFC 9110: visible ASCII, space, tab. */
function validHeaderText(value: string): string | null {
  return /^[\t\x20-\x7e]*$/.test(value) ? value : null;
}

/** A header value, decoded from the `=?base64?…?=` sentinel form when it has it. Null when malformed. */
function decodeSentinel(raw: string): string | null {
  if (validHeaderText(raw) === null) return null;
  if (!(raw.startsWith('=?base64?') && raw.endsWith('?='))) return raw;
  const encoded = raw.slice('=?base64?'.length, -'?='.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64'));
  } catch {
    return null;
  }
}

/**
 * Reads the `x-mcp-header` annotations of a tool definition (from a
 * `tools/list` result): header `mcp-param-<name>` → property path. Only
 * properties reachable through `properties` keys count (SPEC 2026-07-28).
 */
export function paramHeadersOf(tool: unknown): ParamHeaderMap {
  const map = new Map<string, readonly string[]>();
  const schema = isRecord(tool) ? tool['inputSchema'] : undefined;
  const stack: Array<{ node: unknown; path: string[] }> = [{ node: schema, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop() as { node: unknown; path: string[] };
    if (!isRecord(node) || path.length > 32) continue;
    const properties = node['properties'];
    if (!isRecord(properties)) continue;
    for (const [key, child] of Object.entries(properties)) {
      if (!isRecord(child)) continue;
      const header = child['x-mcp-header'];
      if (typeof header === 'string' && /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) map.set(`mcp-param-${header.toLowerCase()}`, [...path, key]);
      stack.push({ node: child, path: [...path, key] });
    }
  }
  return map;
}
