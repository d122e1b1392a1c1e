import { headerValue, type HeaderSource } from './header-value.js';
import { isRecord } from '../util/is-record.js';

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
    paramProblem(method, params, headers, modern, paramHeaders);
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

function paramProblem(method: string, params: Record<string, unknown>, headers: HeaderSource | undefined, modern: boolean, paramHeaders?: ParamHeaderMap): string | null {
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
    if (raw === undefined) {
      // Required only of 2026-07-28 clients; earlier clients never send it.
      if (modern) return `Header mismatch: required header ${display} is missing`;
      continue;
    }
    const decoded = decodeSentinel(raw);
    if (decoded === null) return `Header mismatch: ${display} header value is malformed`;
    if (!mirrors(decoded, value)) return `Header mismatch: ${display} header value does not match the body`;
  }
  return null;
}

/** Whether a decoded header value mirrors a body value (integers compared as numbers). */
function mirrors(decoded: string, value: unknown): boolean {
  if (typeof value === 'number') return decoded.trim() !== '' && Number(decoded) === value;
  if (typeof value === 'boolean') return decoded === String(value);
  return decoded === value;
}

/**
 * The mirrored headers to send upstream with a forwarded message: `Mcp-Name`
 * and `Mcp-Param-*` recomputed from the forwarded (possibly redacted) body,
 * so that a secret redacted from the body does not travel on in a header and
 * the headers still agree with the body. Covers only the headers the client
 * sent; a `Mcp-Param-*` header that mirrors no argument gets `null` (drop it:
 * it could carry anything).
 */
export function mirroredHeaderValues(
  original: unknown,
  forwarded: unknown,
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  paramHeaders?: ParamHeaderMap,
): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const params = (message: unknown) => (isRecord(message) && isRecord(message['params']) ? message['params'] : {});
  const method = isRecord(forwarded) ? forwarded['method'] : undefined;
  if (headers['mcp-name'] !== undefined && typeof method === 'string') {
    const field = NAME_FIELD[method];
    const value = field === undefined ? undefined : params(forwarded)[field];
    out['mcp-name'] = typeof value === 'string' ? encodeHeaderValue(value) : null;
  }
  const originalArgs = params(original)['arguments'];
  const forwardedArgs = params(forwarded)['arguments'];
  for (const [name, raw] of Object.entries(headers)) {
    if (!name.startsWith('mcp-param-') || typeof raw !== 'string') continue;
    const decoded = decodeSentinel(raw);
    const path = paramHeaders?.get(name) ?? (decoded === null ? undefined : findMirroredPath(originalArgs, decoded));
    const value = path === undefined ? undefined : valueAt(forwardedArgs, path);
    out[name] = value === undefined || value === null || typeof value === 'object' ? null : encodeHeaderValue(String(value));
  }
  return out;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) value = isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
  return value;
}

/** The path of the first primitive argument (through nested objects) that a header value mirrors. */
function findMirroredPath(args: unknown, decoded: string): readonly string[] | undefined {
  const stack: Array<{ node: unknown; path: string[] }> = [{ node: args, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.shift() as { node: unknown; path: string[] };
    if (!isRecord(node) || path.length > 32) continue;
    for (const [key, value] of Object.entries(node)) {
      if (isRecord(value)) stack.push({ node: value, path: [...path, key] });
      else if (value !== null && typeof value !== 'object' && mirrors(decoded, value)) return [...path, key];
    }
  }
  return undefined;
}

/** A header value as a 2026-07-28 client writes it: plain when safe, else the base64 sentinel. */
export function encodeHeaderValue(value: string): string {
  const plain = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value) && !(value.startsWith('=?base64?') && value.endsWith('?='));
  return plain ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
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
