import { AuditLogError, AuditLogErrorCodes, describeCause, type AuditLogErrorCode } from './audit-log-error.js';
import { resolveAuditLogOptions, type AuditLogOptions, type ResolvedAuditLogOptions } from './audit-log-options.js';
import { formatAuditLine, type AuditEvent } from './format-audit-line.js';
import { LiveWriter, type LiveWriterContext } from './live-writer.js';
import { RotatedFileSettler } from './rotated-file-settler.js';

export type { AuditLogOptions } from './audit-log-options.js';
export type { AuditEvent } from './format-audit-line.js';

/**
 * The daemon's audit log (SPEC §5): JSON Lines, rotated by size, rotated files
 * gzipped in the background, safe across crashes and reloads, and shared
 * safely by several processes writing the same path (a rolling restart on one
 * host).
 *
 * - **Lines.** Each `write` appends one whole line (`time` first, then
 *   `event`, then the rest) with one synchronous `writeSync` to a file opened
 *   for append. Lines are never split or interleaved, and a line is in the
 *   kernel when `write` returns: a crash of the process (even SIGKILL) loses at
 *   most the line being written. (Lines are not fsynced: a power loss can lose
 *   what the OS had not flushed yet.)
 * - **Other writers.** Before each write, the live path is stat'ed: when it no
 *   longer names the open file (another process rotated it), the live path is
 *   opened again first. The size from that stat — everyone's lines — decides
 *   rotation. A write paused long enough for its file to be rotated and
 *   removed is written again (see `LiveWriter`).
 * - **Rotation.** When the live file is not empty and the next line would push
 *   it past `maxSizeMb`, the live file is renamed, in its directory, to
 *   `<live>.<UTC stamp>` — e.g. `audit.jsonl.20261126T010203.456Z`, then
 *   `audit.jsonl.20261126T010203.456Z-1`, `-2`, … for more rotations in the same
 *   millisecond — and a fresh live file is started. The rename happens under
 *   `<live>.lock` (see `rotateLiveFile`); while another process holds it,
 *   lines go on to the current file. Old files are never renamed again; names
 *   sort in rotation order (see `listRotatedFiles`). A line larger than the
 *   limit is still written, alone in a fresh file. The live path is never
 *   rotated when it is not a regular file (e.g. `/dev/stdout`).
 * - **Compression.** With `compressRotated`, each rotated file is gzipped in
 *   the background, one at a time, once it has not changed for
 *   `ROTATED_GRACE_MS` after its rename (another process may append a last
 *   line to it): see `compressRotatedFile`. A failure is reported and leaves
 *   `<name>` in place.
 * - **Crash recovery at open** (and when `path` changes or compression is
 *   turned on): a partial last line in the live file is cut back to the last
 *   "\n" (reported as `MCPGW_ERR_AUDIT_PARTIAL_LINE_CUT`) — unless another
 *   process is writing it (see `cutPartialTail`); abandoned temporary gzips
 *   are removed (see `removeAbandonedTemporary`); a rotated plain file whose
 *   `.gz` gunzips completely is removed; with `compressRotated`, rotated plain
 *   files without `.gz` are compressed.
 * - **Failures** never throw from `write()` and never crash the process: they
 *   go to `onError`. When the live file cannot be opened or written, lines are
 *   dropped (and counted in the next report) and the file is tried again at
 *   most once a second and on every `reconfigure`.
 *
 * @example
 * const audit = AuditLog.open({ path: '/var/log/mcpgw/audit.jsonl', maxSizeMb: 100, compressRotated: true,
 *                               onError: (error) => logger.error({ err: error }, `audit log: ${error.message}`) });
 * audit.write({ event: 'startup', pid: process.pid });
 * // {"time":"2026-11-26T01:02:03.456Z","event":"startup","pid":4242}
 * await audit.close();
 */
export class AuditLog {
  #options: ResolvedAuditLogOptions;
  #writer: LiveWriter;
  #closed = false;
  #closedReported = false;
  readonly #settler: RotatedFileSettler;
  readonly #context: LiveWriterContext;

  private constructor(options: AuditLogOptions) {
    this.#options = resolveAuditLogOptions(options);
    const report = (code: AuditLogErrorCode, file: string, what: string, cause?: unknown): void => this.#report(code, file, what, cause);
    this.#settler = new RotatedFileSettler(report, () => this.#options.path);
    this.#context = { options: () => this.#options, settler: this.#settler, report };
    this.#writer = new LiveWriter(this.#options.path, this.#context);
  }

  /**
   * Opens (creating the directory and the file when missing) the audit log,
   * after cutting a partial last line left by a crash, and queues the
   * background work an earlier crash left unfinished (see the class comment).
   * I/O problems go to `onError`; the log then retries on later writes.
   *
   * @throws RangeError when `maxSizeMb` is not a positive number (a bug, not an I/O problem).
   */
  static open(options: AuditLogOptions): AuditLog {
    const log = new AuditLog(options);
    log.#writer.open();
    return log;
  }

  /** The live file currently written. */
  get path(): string {
    return this.#options.path;
  }

  /**
   * Appends one event as one JSON line: `time` first (the event's own, or now
   * in ISO 8601), then `event`, then the other properties. Follows the live
   * path to a new file when another process rotated it, and rotates first
   * when the line would push the file past the size limit. Never throws.
   */
  write<E extends AuditEvent>(event: E): void {
    if (this.#closed) {
      if (!this.#closedReported) this.#report(AuditLogErrorCodes.CLOSED, this.#options.path, 'written after close, event dropped');
      this.#closedReported = true;
      return;
    }
    let line: Buffer;
    try {
      line = Buffer.from(formatAuditLine(event), 'utf8');
    } catch (error) {
      this.#report(AuditLogErrorCodes.EVENT_INVALID, this.#options.path, `event "${String(event.event)}" is not serializable, dropped`, error);
      return;
    }
    this.#writer.write(line);
  }

  /**
   * Applies new options between two writes (a reload, SPEC §4): a new `path`
   * is opened (with crash recovery) and the old file closed — if the new file
   * cannot be opened, writing goes on to the old one and the error is
   * reported; a new size applies from the next write; turning compression on
   * compresses later rotations and any rotated plain files already there.
   * Compressions queued before keep running. Never throws on I/O.
   *
   * @throws RangeError when `maxSizeMb` is not a positive number.
   */
  reconfigure(options: AuditLogOptions): void {
    const next = resolveAuditLogOptions(options);
    if (this.#closed) return;
    const previous = this.#options;
    const old = this.#writer;
    old.retrySoon();
    this.#options = next;
    if (next.path !== previous.path) {
      const writer = new LiveWriter(next.path, this.#context, old.dropped);
      if (!writer.open() && old.isOpen) {
        // Keep writing where we can rather than drop lines; the next reload tries again.
        this.#options = { ...next, path: previous.path };
        this.#report(AuditLogErrorCodes.WRITE_FAILED, previous.path, `still writing to ${previous.path}`);
        return;
      }
      old.close();
      this.#writer = writer;
      return;
    }
    if (next.compressRotated && !previous.compressRotated) old.settleLeftovers();
  }

  /**
   * Closes the live file. Resolves (never rejects) when the background
   * compressions, including those queued before, have finished — for a
   * file rotated just before, at least `ROTATED_GRACE_MS` after its rename.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#writer.close();
    }
    await this.#settler.idle();
  }

  #report(code: AuditLogErrorCode, file: string, what: string, cause?: unknown): void {
    const message = `${file}: ${what}${cause === undefined ? '' : `: ${describeCause(cause)}`}`;
    try {
      this.#options.onError?.(new AuditLogError(code, file, message, cause === undefined ? undefined : { cause }));
    } catch {
      // An error handler that throws must not take the daemon down.
    }
  }
}
