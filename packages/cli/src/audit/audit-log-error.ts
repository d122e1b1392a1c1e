import { McpgwError } from '@mcpgw/core';

/**
 * Stable codes of the problems the audit log reports through
 * `AuditLogOptions.onError`. Text is API: log queries match on these.
 */
export const AuditLogErrorCodes = Object.freeze({
  /** The live file could not be opened or written: lines are dropped until it can be (retried at most once a second and on every reconfigure). */
  WRITE_FAILED: 'MCPGW_ERR_AUDIT_WRITE_FAILED',
  /** The live file could not be renamed aside: writing goes on past the size limit, rotation is retried at most once a second. */
  ROTATE_FAILED: 'MCPGW_ERR_AUDIT_ROTATE_FAILED',
  /** A rotated file could not be gzipped: the plain file stays, and is compressed again at the next open. */
  COMPRESS_FAILED: 'MCPGW_ERR_AUDIT_COMPRESS_FAILED',
  /** An event could not be turned into JSON (a BigInt, a cycle): it is dropped. */
  EVENT_INVALID: 'MCPGW_ERR_AUDIT_EVENT_INVALID',
  /** At open, the live file ended with a partial line left by a crash: that partial line was cut. */
  PARTIAL_LINE_CUT: 'MCPGW_ERR_AUDIT_PARTIAL_LINE_CUT',
  /** An event was written after `close()`: it is dropped. */
  CLOSED: 'MCPGW_ERR_AUDIT_CLOSED',
} as const);

export type AuditLogErrorCode = (typeof AuditLogErrorCodes)[keyof typeof AuditLogErrorCodes];

/** A problem of the audit log, reported to `onError`, never thrown by `write()`. */
export class AuditLogError extends McpgwError {
  /** The file concerned. */
  readonly path: string;

  constructor(code: AuditLogErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.path = path;
  }
}

/** `error.message` for anything thrown, for messages that name the cause. */
export function describeCause(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
