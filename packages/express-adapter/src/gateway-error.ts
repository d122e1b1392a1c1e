import { JsonRpcErrorCodes } from '@mcpgw/core';

/** Why the gateway answered an HTTP request itself. */
export type GatewayErrorKind =
  | 'parse_error'
  | 'invalid_request'
  | 'header_mismatch'
  | 'body_too_large'
  | 'bad_body'
  | 'unsupported_encoding'
  | 'origin_forbidden'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'upstream_bad_response'
  | 'method_not_allowed'
  | 'internal';

/**
 * The one table from gateway errors to HTTP status and JSON-RPC error code
 * (SPEC §3, §7). Decisions map in `decisionStatus`.
 */
export const GATEWAY_ERRORS: Readonly<Record<GatewayErrorKind, { readonly status: number; readonly code: number }>> = Object.freeze({
  parse_error: { status: 400, code: JsonRpcErrorCodes.PARSE_ERROR },
  invalid_request: { status: 400, code: JsonRpcErrorCodes.INVALID_REQUEST },
  header_mismatch: { status: 400, code: JsonRpcErrorCodes.HEADER_MISMATCH },
  body_too_large: { status: 413, code: JsonRpcErrorCodes.INVALID_REQUEST },
  bad_body: { status: 400, code: JsonRpcErrorCodes.PARSE_ERROR },
  unsupported_encoding: { status: 415, code: JsonRpcErrorCodes.INVALID_REQUEST },
  origin_forbidden: { status: 403, code: JsonRpcErrorCodes.INVALID_REQUEST },
  upstream_unavailable: { status: 502, code: JsonRpcErrorCodes.UPSTREAM_UNAVAILABLE },
  upstream_timeout: { status: 504, code: JsonRpcErrorCodes.UPSTREAM_UNAVAILABLE },
  upstream_bad_response: { status: 502, code: JsonRpcErrorCodes.UPSTREAM_UNAVAILABLE },
  method_not_allowed: { status: 405, code: JsonRpcErrorCodes.INVALID_REQUEST },
  internal: { status: 500, code: JsonRpcErrorCodes.INTERNAL_ERROR },
});

/** An HTTP-level failure the gateway answers with a JSON-RPC error. */
export class GatewayError extends Error {
  readonly kind: GatewayErrorKind;
  readonly data: Record<string, unknown> | undefined;

  constructor(kind: GatewayErrorKind, message: string, options?: { cause?: unknown; data?: Record<string, unknown> }) {
    super(message, options);
    this.name = 'GatewayError';
    this.kind = kind;
    this.data = options?.data;
  }

  get status(): number {
    return GATEWAY_ERRORS[this.kind].status;
  }

  get code(): number {
    return GATEWAY_ERRORS[this.kind].code;
  }
}
