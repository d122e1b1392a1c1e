import path from 'node:path';

/** Where and how the audit log is written (`audit` in `mcpgw.yaml`, SPEC §5). */
export interface AuditLogOptions {
  /** The live JSON Lines file. Its directory is created when missing. */
  readonly path: string;
  /** Rotate before a line would push the live file past this many MiB (fractions allowed, must be > 0). */
  readonly maxSizeMb: number;
  /** Gzip rotated files in the background. */
  readonly compressRotated: boolean;
  /**
   * Receives every I/O problem as an `AuditLogError` (with a stable `code`).
   * Nothing is ever thrown from `write()`. Must not throw; if it does, that
   * is swallowed.
   */
  readonly onError?: (error: Error) => void;
}

/** {@link AuditLogOptions} checked, with an absolute path and the limit in bytes. */
export interface ResolvedAuditLogOptions {
  readonly path: string;
  readonly maxBytes: number;
  readonly compressRotated: boolean;
  readonly onError: ((error: Error) => void) | undefined;
}

/**
 * Checks and resolves options.
 *
 * @throws RangeError when `maxSizeMb` is not a positive number (a bug: the config schema rejects it).
 */
export function resolveAuditLogOptions(options: AuditLogOptions): ResolvedAuditLogOptions {
  if (!(typeof options.maxSizeMb === 'number' && options.maxSizeMb > 0)) {
    throw new RangeError(`audit maxSizeMb must be a positive number, got ${String(options.maxSizeMb)}`);
  }
  return {
    path: path.resolve(options.path),
    maxBytes: options.maxSizeMb * 1024 * 1024,
    compressRotated: options.compressRotated,
    onError: options.onError,
  };
}
