/**
 * Errors thrown by mcpgw. Every error has a stable string `code`; each code is
 * documented in `docs/errors.md` with what to do about it. The subclasses live
 * with what they are about: `ConfigError` in config/, `PolicyError` in policy/.
 *
 * Denials and rate limits are not errors: they are {@link Decision} results.
 */

/** Stable error codes. Text is API: tools match on these. */
export const ErrorCodes = Object.freeze({
  CONFIG_INVALID: 'MCPGW_ERR_CONFIG_INVALID',
  POLICY_INVALID: 'MCPGW_ERR_POLICY_INVALID',
  POLICY_NOT_COMPILED: 'MCPGW_ERR_POLICY_NOT_COMPILED',
  RATE_LIMIT_STORE_MISSING: 'MCPGW_ERR_RATE_LIMIT_STORE_MISSING',
  RATE_LIMIT_STORE_FAILED: 'MCPGW_ERR_RATE_LIMIT_STORE_FAILED',
  REDACTION_FAILED: 'MCPGW_ERR_REDACTION_FAILED',
} as const);

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base class of every error mcpgw throws on purpose. */
export class McpgwError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /** The HTTP status a client is answered with, for an error answered on the wire; else undefined. */
  get httpStatus(): number | undefined {
    return undefined;
  }

  /** The JSON-RPC error code a client is answered with, for an error answered on the wire; else undefined. */
  get rpcCode(): number | undefined {
    return undefined;
  }
}
