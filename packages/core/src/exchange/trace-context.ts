import { headerValue, type HeaderSource } from '../jsonrpc/header-value.js';
import type { CompiledPolicy } from '../policy/compiled-policy.js';
import { isRecord } from '../util/is-record.js';
import type { RequestTrace, RequestTracer, TraceStart } from './request-tracer.js';

/** The `_meta` key of a 2026-era request's protocol version. */
const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion';

/** Keys of the W3C trace context in `params._meta` (unprefixed, as the MCP semantic conventions say) and in HTTP headers. */
const TRACE_KEYS = ['traceparent', 'tracestate'] as const;

function metaOf(message: unknown): Record<string, unknown> | undefined {
  const params = isRecord(message) ? message['params'] : undefined;
  const meta = isRecord(params) ? params['_meta'] : undefined;
  return isRecord(meta) ? meta : undefined;
}

/**
 * What a trace starts from, read from a client's message (as it came) and
 * its HTTP headers. A value the policy would redact is left out: it is
 * never passed on, not even as a trace id.
 */
export function traceStart(message: unknown, headers: HeaderSource | undefined, policy: CompiledPolicy, start: { started: number; forwarded: boolean }): TraceStart {
  const clean = (value: unknown): string | null => (typeof value === 'string' && value !== '' && policy.redactText(value) === value ? value : null);
  const meta = metaOf(message);
  const fromMeta = typeof meta?.['traceparent'] === 'string';
  const params = isRecord(message) ? message['params'] : undefined;
  const initializeVersion = isRecord(message) && message['method'] === 'initialize' && isRecord(params) ? params['protocolVersion'] : undefined;
  return {
    ...start,
    traceparent: clean(fromMeta ? meta?.['traceparent'] : headerValue(headers, 'traceparent')),
    tracestate: clean(fromMeta ? meta?.['tracestate'] : headerValue(headers, 'tracestate')),
    protocolVersion: clean(headerValue(headers, 'mcp-protocol-version') ?? meta?.[PROTOCOL_VERSION_META] ?? initializeVersion),
  };
}

/**
 * The forwarded message with the gateway's trace context in
 * `params._meta` in place of the client's (a new object: the message
 * itself is not changed). Serialized afresh by the adapter, so no key can
 * appear twice.
 */
export function withTraceContext(message: unknown, context: Readonly<Record<string, string>>): unknown {
  if (!isRecord(message)) return message;
  const given = message['params'];
  // Positional params have no `_meta` to carry it.
  if (given !== undefined && !isRecord(given)) return message;
  const params = given ?? {};
  const meta: Record<string, unknown> = { ...metaOf(message) };
  for (const key of TRACE_KEYS) delete meta[key];
  return { ...message, params: { ...params, _meta: { ...meta, ...context } } };
}

/** The trace of a request, or none when the tracer fails: a tracer must not break the request path. */
export function beginTrace(tracer: RequestTracer, start: TraceStart): RequestTrace | null {
  try {
    return tracer.begin(start);
  } catch {
    return null;
  }
}
