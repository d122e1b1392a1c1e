/**
 * Errors thrown by mcpgw. Every error has a stable string `code`; each code is
 * documented in `docs/errors.md` with what to do about it. The subclasses live
 * with what they are about: `ConfigError` in config/, `PolicyError` in policy/.
 *
 * Denials and rate limits are not errors: they are {@link Decision} results.
 */

import { JsonRpcErrorCodes } from './json-rpc-error-codes.js';

/**
 * Stable error codes, every one mcpgw raises, in every package. Text is API:
 * tools match on these. Each is documented in docs/errors.md (a test checks
 * both ways), and {@link ERRORS} gives the HTTP status and JSON-RPC code of
 * those a client is answered with.
 */
export const ErrorCodes = Object.freeze({
  // @mcpgw/core, the library
  CONFIG_INVALID: 'MCPGW_ERR_CONFIG_INVALID',
  POLICY_INVALID: 'MCPGW_ERR_POLICY_INVALID',
  POLICY_NOT_COMPILED: 'MCPGW_ERR_POLICY_NOT_COMPILED',
  RATE_LIMIT_STORE_MISSING: 'MCPGW_ERR_RATE_LIMIT_STORE_MISSING',
  RATE_LIMIT_STORE_FAILED: 'MCPGW_ERR_RATE_LIMIT_STORE_FAILED',
  REDACTION_FAILED: 'MCPGW_ERR_REDACTION_FAILED',
  SCOPE_MISMATCH: 'MCPGW_ERR_SCOPE_MISMATCH',
  OPTIONS_INVALID: 'MCPGW_ERR_OPTIONS_INVALID',
  // The exchange: what a client is answered with when the gateway refuses or fails a request itself
  PARSE_ERROR: 'MCPGW_ERR_PARSE_ERROR',
  INVALID_REQUEST: 'MCPGW_ERR_INVALID_REQUEST',
  HEADER_MISMATCH: 'MCPGW_ERR_HEADER_MISMATCH',
  BODY_TOO_LARGE: 'MCPGW_ERR_BODY_TOO_LARGE',
  LINE_TOO_LONG: 'MCPGW_ERR_LINE_TOO_LONG',
  BAD_BODY: 'MCPGW_ERR_BAD_BODY',
  UNSUPPORTED_ENCODING: 'MCPGW_ERR_UNSUPPORTED_ENCODING',
  ORIGIN_FORBIDDEN: 'MCPGW_ERR_ORIGIN_FORBIDDEN',
  METHOD_NOT_ALLOWED: 'MCPGW_ERR_METHOD_NOT_ALLOWED',
  NOT_FOUND: 'MCPGW_ERR_NOT_FOUND',
  UPSTREAM_UNAVAILABLE: 'MCPGW_ERR_UPSTREAM_UNAVAILABLE',
  UPSTREAM_TIMEOUT: 'MCPGW_ERR_UPSTREAM_TIMEOUT',
  UPSTREAM_BAD_RESPONSE: 'MCPGW_ERR_UPSTREAM_BAD_RESPONSE',
  INTERNAL: 'MCPGW_ERR_INTERNAL',
  // The audit log (reported to its onError, never thrown)
  AUDIT_WRITE_FAILED: 'MCPGW_ERR_AUDIT_WRITE_FAILED',
  AUDIT_ROTATE_FAILED: 'MCPGW_ERR_AUDIT_ROTATE_FAILED',
  AUDIT_COMPRESS_FAILED: 'MCPGW_ERR_AUDIT_COMPRESS_FAILED',
  AUDIT_EVENT_INVALID: 'MCPGW_ERR_AUDIT_EVENT_INVALID',
  AUDIT_PARTIAL_LINE_CUT: 'MCPGW_ERR_AUDIT_PARTIAL_LINE_CUT',
  AUDIT_CLOSED: 'MCPGW_ERR_AUDIT_CLOSED',
  // The mcpgw command
  USAGE: 'MCPGW_ERR_USAGE',
  CONFIG_UNUSABLE: 'MCPGW_ERR_CONFIG_UNUSABLE',
  LISTEN_FAILED: 'MCPGW_ERR_LISTEN_FAILED',
  PID_FILE: 'MCPGW_ERR_PID_FILE',
} as const);

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** How a client is answered when the gateway raises the error on the wire. */
export interface WireAnswer {
  readonly httpStatus: number;
  readonly rpcCode: number;
}

const { PARSE_ERROR, INVALID_REQUEST, HEADER_MISMATCH, UPSTREAM_UNREACHABLE, UPSTREAM_TIMEOUT, INTERNAL_ERROR } = JsonRpcErrorCodes;

/**
 * The one table of the errors a client is answered with: HTTP status and
 * JSON-RPC code (SPEC §3, §7). An HTTP adapter sends both; a stdio adapter
 * sends the JSON-RPC error alone. Codes not in it are never sent to a client.
 */
export const ERRORS: Readonly<Partial<Record<ErrorCode, WireAnswer>>> = Object.freeze({
  [ErrorCodes.PARSE_ERROR]: { httpStatus: 400, rpcCode: PARSE_ERROR },
  [ErrorCodes.INVALID_REQUEST]: { httpStatus: 400, rpcCode: INVALID_REQUEST },
  [ErrorCodes.HEADER_MISMATCH]: { httpStatus: 400, rpcCode: HEADER_MISMATCH },
  [ErrorCodes.BODY_TOO_LARGE]: { httpStatus: 413, rpcCode: INVALID_REQUEST },
  [ErrorCodes.LINE_TOO_LONG]: { httpStatus: 413, rpcCode: INVALID_REQUEST },
  [ErrorCodes.BAD_BODY]: { httpStatus: 400, rpcCode: PARSE_ERROR },
  [ErrorCodes.UNSUPPORTED_ENCODING]: { httpStatus: 415, rpcCode: INVALID_REQUEST },
  [ErrorCodes.ORIGIN_FORBIDDEN]: { httpStatus: 403, rpcCode: INVALID_REQUEST },
  [ErrorCodes.METHOD_NOT_ALLOWED]: { httpStatus: 405, rpcCode: INVALID_REQUEST },
  [ErrorCodes.NOT_FOUND]: { httpStatus: 404, rpcCode: INVALID_REQUEST },
  [ErrorCodes.UPSTREAM_UNAVAILABLE]: { httpStatus: 502, rpcCode: UPSTREAM_UNREACHABLE },
  [ErrorCodes.UPSTREAM_TIMEOUT]: { httpStatus: 504, rpcCode: UPSTREAM_TIMEOUT },
  [ErrorCodes.UPSTREAM_BAD_RESPONSE]: { httpStatus: 502, rpcCode: UPSTREAM_UNREACHABLE },
  [ErrorCodes.INTERNAL]: { httpStatus: 500, rpcCode: INTERNAL_ERROR },
});

/** Base class of every error mcpgw throws on purpose. */
export class McpgwError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /** The HTTP status a client is answered with, for an error answered on the wire; else undefined. */
  get httpStatus(): number | undefined {
    return ERRORS[this.code]?.httpStatus;
  }

  /** The JSON-RPC error code a client is answered with, for an error answered on the wire; else undefined. */
  get rpcCode(): number | undefined {
    return ERRORS[this.code]?.rpcCode;
  }
}
