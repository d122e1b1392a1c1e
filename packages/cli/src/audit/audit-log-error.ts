import { ErrorCodes, McpgwError } from '@mcpgw/core';

/**
 * Codes of the problems the audit log reports through
 * `AuditLogOptions.onError` (from the one table, `ErrorCodes`):
 * - WRITE_FAILED: the live file could not be opened or written: lines are dropped until it can be (retried at most once a second and on every reconfigure).
 * - ROTATE_FAILED: the live file could not be renamed aside: writing goes on past the size limit, rotation is retried at most once a second.
 * - COMPRESS_FAILED: a rotated file could not be gzipped: the plain file stays, and is compressed again at the next open.
 * - EVENT_INVALID: an event could not be turned into JSON (a BigInt, a cycle): it is dropped.
 * - PARTIAL_LINE_CUT: at open, the live file ended with a partial line left by a crash: that partial line was cut.
 * - CLOSED: an event was written after `close()`: it is dropped.
 */
export const AuditLogErrorCodes = Object.freeze({
  WRITE_FAILED: ErrorCodes.AUDIT_WRITE_FAILED,
  ROTATE_FAILED: ErrorCodes.AUDIT_ROTATE_FAILED,
  COMPRESS_FAILED: ErrorCodes.AUDIT_COMPRESS_FAILED,
  EVENT_INVALID: ErrorCodes.AUDIT_EVENT_INVALID,
  PARTIAL_LINE_CUT: ErrorCodes.AUDIT_PARTIAL_LINE_CUT,
  CLOSED: ErrorCodes.AUDIT_CLOSED,
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
