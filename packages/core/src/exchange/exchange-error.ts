import { ERRORS, McpgwError, type ErrorCode, type WireAnswer } from '../util/mcpgw-error.js';

/**
 * Why the gateway answered a client itself, in one word: the `reason` of a
 * `request_refused` audit event. Its error code is `MCPGW_ERR_` and the word
 * in capitals; its HTTP status and JSON-RPC code are in {@link ERRORS}.
 */
export type GatewayErrorKind =
  | 'parse_error'
  | 'invalid_request'
  | 'header_mismatch'
  | 'body_too_large'
  | 'line_too_long'
  | 'bad_body'
  | 'unsupported_encoding'
  | 'origin_forbidden'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'upstream_bad_response'
  | 'method_not_allowed'
  | 'not_found'
  | 'internal';

/** The kinds that say an upstream failed a request (rather than the client sending a bad one). */
const UPSTREAM_KINDS: ReadonlySet<GatewayErrorKind> = new Set(['upstream_unavailable', 'upstream_timeout', 'upstream_bad_response']);

/**
 * An HTTP-level failure the gateway answers with a JSON-RPC error. `message`
 * and `data` are what the client gets; `detail` is what only the operator
 * sees (log, audit): the socket error behind an unreachable upstream, with
 * its internal address, is never sent to clients (SPEC §3).
 */
export class GatewayError extends McpgwError {
  /** Why, in one word: the `reason` of a `request_refused` audit event; the code is `MCPGW_ERR_` + its upper case. */
  readonly kind: GatewayErrorKind;
  readonly data: Record<string, unknown> | undefined;
  /** What went wrong underneath, for operators only (e.g. `connect ECONNREFUSED 10.0.0.5:3001`). */
  readonly detail: string | undefined;

  constructor(kind: GatewayErrorKind, message: string, options?: { cause?: unknown; data?: Record<string, unknown>; detail?: string }) {
    super(`MCPGW_ERR_${kind.toUpperCase()}` as ErrorCode, message, options);
    this.kind = kind;
    this.data = options?.data;
    this.detail = options?.detail;
  }

  /** Whether the upstream failed (unreachable, timed out, or an answer the gateway cannot use). */
  get upstreamFailed(): boolean {
    return UPSTREAM_KINDS.has(this.kind);
  }

  /** The message with the detail: what the log and the audit log say. */
  get operatorMessage(): string {
    return this.detail === undefined ? this.message : `${this.message}: ${this.detail}`;
  }

  /** The HTTP status the client is answered with. */
  override get httpStatus(): number {
    return (ERRORS[this.code] as WireAnswer).httpStatus;
  }

  /** The JSON-RPC error code the client is answered with. */
  override get rpcCode(): number {
    return (ERRORS[this.code] as WireAnswer).rpcCode;
  }
}

/**
 * An upstream failure as the client sees it: `upstream "<name>" <what>`, with
 * `data: { upstream }`; anything underneath goes in `detail`.
 *
 * @example upstreamError('upstream_timeout', 'everything', 'did not answer within 30000 ms')
 */
export function upstreamError(
  kind: 'upstream_unavailable' | 'upstream_timeout' | 'upstream_bad_response',
  upstream: string,
  what: string,
  options: { cause?: unknown; detail?: string } = {},
): GatewayError {
  return new GatewayError(kind, `upstream "${upstream}" ${what}`, { ...options, data: { upstream } });
}

/**
 * An error underneath an upstream failure, in one line for operators: Node's
 * message with its code (`connect ECONNREFUSED 127.0.0.1:3001`), or, for a
 * connection tried on several addresses (an AggregateError, whose own
 * message is empty), each attempt's.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describeFailure).join('; ');
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (error.message === '') return code ?? error.name;
  return code === undefined || error.message.includes(code) ? error.message : `${code}: ${error.message}`;
}
