import { closeSync, renameSync, statSync } from 'node:fs';
import { AuditLogError, AuditLogErrorCodes, describeCause, type AuditLogErrorCode } from './audit-log-error.js';
import { resolveAuditLogOptions, type AuditLogOptions, type ResolvedAuditLogOptions } from './audit-log-options.js';
import { formatAuditLine, type AuditEvent } from './format-audit-line.js';
import { appendLine, openLiveFile, type LiveFile } from './live-file.js';
import { RotationNamer } from './rotated-name.js';
import { RotatedFileSettler } from './rotated-file-settler.js';

export type { AuditLogOptions } from './audit-log-options.js';
export type { AuditEvent } from './format-audit-line.js';

/** After a failure, how long to drop lines before trying the file again. */
const RETRY_MS = 1000;

/**
 * The daemon's audit log (SPEC §5): JSON Lines, rotated by size, rotated files
 * gzipped in the background, safe across crashes and reloads.
 *
 * - **Lines.** Each `write` appends one whole line (`time` first, then
 *   `event`, then the rest) with one synchronous `writeSync` to a file opened
 *   for append. Lines are never split or interleaved, and a line is in the
 *   kernel when `write` returns: a crash of the process (even SIGKILL) loses at
 *   most the line being written. (Lines are not fsynced: a power loss can lose
 *   what the OS had not flushed yet.)
 * - **Rotation.** When the live file is not empty and the next line would push
 *   it past `maxSizeMb`, the live file is renamed, in its directory, to
 *   `<live>.<UTC stamp>` — e.g. `audit.jsonl.20261126T010203.456Z`, then
 *   `audit.jsonl.20261126T010203.456Z-1`, `-2`, … for more rotations in the same
 *   millisecond — and a fresh live file is started. Old files are never renamed
 *   again; names sort in rotation order (see `listRotatedFiles`). A line larger
 *   than the limit is still written, alone in a fresh file. The live path is
 *   never rotated when it is not a regular file (e.g. `/dev/stdout`).
 * - **Compression.** With `compressRotated`, each rotated file is gzipped in
 *   the background, one at a time, once it has not changed for
 *   `ROTATED_GRACE_MS` after its rename (another process may append a last
 *   line to it): see `compressRotatedFile`. A failure is reported and leaves
 *   `<name>` in place.
 * - **Crash recovery at open** (and when `path` changes or compression is
 *   turned on): a partial last line in the live file is cut back to the last
 *   "\n" (reported as `MCPGW_ERR_AUDIT_PARTIAL_LINE_CUT`); abandoned temporary
 *   gzips are removed (see `removeAbandonedTemporary`); a rotated plain file
 *   whose `.gz` gunzips completely is removed;
 *   with `compressRotated`, rotated plain files without `.gz` are compressed.
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
  #fd: number | null = null;
  /** Bytes in the live file: fstat at open, then counted by us (no stat per write). */
  #size = 0;
  /** False when the live path is not a regular file: never rename a device or a pipe. */
  #rotatable = true;
  #namer = new RotationNamer();
  #retryOpenAt = 0;
  #retryRotateAt = 0;
  #dropped = 0;
  #closed = false;
  #closedReported = false;
  /** Leftovers of earlier runs to settle once the live file is open (its directory is then known to be usable). */
  #settlePending = false;
  readonly #settler: RotatedFileSettler;

  private constructor(options: AuditLogOptions) {
    this.#options = resolveAuditLogOptions(options);
    this.#settler = new RotatedFileSettler(
      (code, file, what, cause) => this.#report(code, file, what, cause),
      () => this.#options.path,
    );
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
    log.#settlePending = true;
    log.#openLive();
    return log;
  }

  /** The live file currently written. */
  get path(): string {
    return this.#options.path;
  }

  /**
   * Appends one event as one JSON line: `time` first (the event's own, or now
   * in ISO 8601), then `event`, then the other properties. Rotates first when
   * the line would push the file past the size limit. Never throws.
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
    if (this.#fd === null && !this.#retryOpen()) {
      this.#dropped += 1;
      return;
    }
    if (this.#rotatable && this.#size > 0 && this.#size + line.length > this.#options.maxBytes) this.#rotate();
    if (this.#fd === null) {
      this.#dropped += 1;
      return;
    }
    this.#append(this.#fd, line);
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
    this.#retryOpenAt = 0;
    this.#retryRotateAt = 0;
    if (next.path !== previous.path) {
      const oldFd = this.#fd;
      const oldNamer = this.#namer;
      this.#options = next;
      this.#fd = null;
      this.#namer = new RotationNamer();
      this.#settlePending = true;
      this.#openLive();
      if (this.#fd === null && oldFd !== null) {
        // Keep writing where we can rather than drop lines; the next reload tries again.
        this.#fd = oldFd;
        this.#namer = oldNamer;
        this.#settlePending = false;
        this.#options = { ...next, path: previous.path };
        this.#report(AuditLogErrorCodes.WRITE_FAILED, previous.path, `still writing to ${previous.path}`);
        return;
      }
      this.#closeFd(oldFd, previous.path);
      return;
    }
    this.#options = next;
    if (next.compressRotated && !previous.compressRotated) {
      this.#settlePending = true;
      if (this.#fd !== null) this.#settleLeftovers();
    }
  }

  /**
   * Closes the live file. Resolves (never rejects) when the background
   * compressions, including those queued before, have finished — for a
   * file rotated just before, at least `ROTATED_GRACE_MS` after its rename.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#closeFd(this.#fd, this.#options.path);
      this.#fd = null;
    }
    await this.#settler.idle();
  }

  /** Opens the live file; on failure reports it and leaves the log closed until a retry. */
  #openLive(): void {
    const file = this.#options.path;
    let live: LiveFile;
    try {
      live = openLiveFile(file);
    } catch (error) {
      this.#fd = null;
      this.#retryOpenAt = Date.now() + RETRY_MS;
      this.#report(AuditLogErrorCodes.WRITE_FAILED, file, `cannot open${this.#droppedNote()}`, error);
      return;
    }
    this.#fd = live.fd;
    this.#size = live.size;
    this.#rotatable = live.rotatable;
    if (live.cutBytes > 0) this.#report(AuditLogErrorCodes.PARTIAL_LINE_CUT, file, `cut a partial last line of ${live.cutBytes} bytes left by a crash`);
    if (this.#dropped > 0) {
      this.#report(AuditLogErrorCodes.WRITE_FAILED, file, `writable again; ${this.#dropped} lines were dropped meanwhile`);
      this.#dropped = 0;
    }
    if (this.#settlePending) this.#settleLeftovers();
  }

  #retryOpen(): boolean {
    if (Date.now() >= this.#retryOpenAt) this.#openLive();
    return this.#fd !== null;
  }

  #append(fd: number, line: Buffer): void {
    try {
      appendLine(fd, line, this.#size);
      this.#size += line.length;
    } catch (error) {
      this.#dropped += 1;
      this.#closeFd(fd, this.#options.path);
      this.#fd = null;
      this.#retryOpenAt = Date.now() + RETRY_MS;
      this.#report(AuditLogErrorCodes.WRITE_FAILED, this.#options.path, `cannot write${this.#droppedNote()}`, error);
    }
  }

  /** Renames the live file aside, starts a fresh one, and queues its compression. */
  #rotate(): void {
    if (Date.now() < this.#retryRotateAt) return;
    const live = this.#options.path;
    let rotated: string;
    try {
      rotated = this.#namer.next(live, new Date());
      renameSync(live, rotated);
    } catch (error) {
      this.#retryRotateAt = Date.now() + RETRY_MS;
      this.#report(AuditLogErrorCodes.ROTATE_FAILED, live, 'cannot rotate, writing on past the size limit', error);
      return;
    }
    this.#closeFd(this.#fd, live);
    this.#fd = null;
    if (this.#options.compressRotated) this.#settler.compressRotated(rotated, statSync(rotated));
    this.#openLive();
  }

  /** Queues the compression or cleanup of rotated files an earlier run, or another instance, left behind. */
  #settleLeftovers(): void {
    this.#settlePending = false;
    const newest = this.#settler.settleLeftovers(this.#options.path, this.#options.compressRotated);
    if (newest !== undefined) this.#namer = new RotationNamer(newest);
  }

  #closeFd(fd: number | null, file: string): void {
    if (fd === null) return;
    try {
      closeSync(fd);
    } catch (error) {
      this.#report(AuditLogErrorCodes.WRITE_FAILED, file, 'cannot close', error);
    }
  }

  #droppedNote(): string {
    return this.#dropped > 0 ? `; ${this.#dropped} lines dropped so far` : '';
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
