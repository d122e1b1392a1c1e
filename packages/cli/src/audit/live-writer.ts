import { closeSync, fstatSync } from 'node:fs';
import { AuditLogErrorCodes } from './audit-log-error.js';
import type { ResolvedAuditLogOptions } from './audit-log-options.js';
import { appendLine, openLiveFile, sizeIfStillLive, type LiveFile } from './live-file.js';
import { rotateLiveFile, type RotateOutcome } from './rotate-live-file.js';
import { RotationNamer } from './rotated-name.js';
import type { RotatedFileSettler, SettlerReport } from './rotated-file-settler.js';
import { ROTATED_GRACE_MS } from './wait-until-quiet.js';

/** After a failure, how long to drop lines before trying the file again. */
const RETRY_MS = 1000;
/**
 * A write that took longer than this after its check of the live path may
 * have gone to a rotated file that was compressed and removed meanwhile (the
 * process was paused between the two): the file is checked once more. Well
 * below ROTATED_GRACE_MS, the least time between a rename and a removal.
 */
const STALL_MS = ROTATED_GRACE_MS / 4;

/** What a `LiveWriter` shares with its `AuditLog`. */
export interface LiveWriterContext {
  /** The options now (size limit and compression change on reload). */
  readonly options: () => ResolvedAuditLogOptions;
  readonly settler: RotatedFileSettler;
  readonly report: SettlerReport;
}

/**
 * The writing of one live audit file path, which other processes may write
 * and rotate too (a rolling restart on one host). Before each line it checks
 * that the path still names the open file — else another process rotated it,
 * and the path is opened again — and rotates, under the rotation lock, when
 * the line would push the file (everyone's lines) past the limit. A line
 * whose write was paused long enough for its file to be rotated and removed
 * is written again. Failures are reported, never thrown; lines are dropped
 * and counted while the file cannot be written, retried at most once a second.
 */
export class LiveWriter {
  readonly path: string;
  readonly #context: LiveWriterContext;
  #live: LiveFile | null = null;
  #namer = new RotationNamer();
  #retryOpenAt = 0;
  #retryRotateAt = 0;
  #dropped: number;
  /** Leftovers to settle once the live file is open (its directory is then known to be usable). */
  #settlePending = true;

  /** `dropped`: lines a previous writer dropped, to report once this one is writable. */
  constructor(path: string, context: LiveWriterContext, dropped = 0) {
    this.path = path;
    this.#context = context;
    this.#dropped = dropped;
  }

  /** Whether the live file is open. */
  get isOpen(): boolean {
    return this.#live !== null;
  }

  /** Lines dropped since the file was last writable. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Opens the live file with crash recovery (a partial last line is cut),
   * then queues the leftovers of earlier runs. On failure reports it; the
   * next write tries again after the retry delay.
   */
  open(): boolean {
    this.#openLive(true);
    return this.#live !== null;
  }

  /** Appends one formatted line (see the class comment). */
  write(line: Buffer): void {
    if (this.#live === null && !(Date.now() >= this.#retryOpenAt && this.open())) {
      this.#dropped += 1;
      return;
    }
    const checkedAt = performance.now();
    if (this.#live?.rotatable === true) this.#prepare(this.#live, line.length);
    const live = this.#live;
    if (live === null) {
      this.#dropped += 1;
      return;
    }
    if (this.#append(live, line) && live.rotatable && performance.now() - checkedAt > STALL_MS) this.#rewriteIfRemoved(live, line);
  }

  /** Tries a failed open or rotation again at the next write, without waiting for the retry delay (a reload). */
  retrySoon(): void {
    this.#retryOpenAt = 0;
    this.#retryRotateAt = 0;
  }

  /** Queues the leftovers beside the live file (compression was turned on); if it is not open, once it is. */
  settleLeftovers(): void {
    this.#settlePending = true;
    if (this.#live !== null) this.#settle();
  }

  /** Closes the live file (queued compressions go on). */
  close(): void {
    this.#closeLive();
  }

  /** Opens the live file: with `recover` as at open, else after a rotation (no tail cut). */
  #openLive(recover: boolean): void {
    let live: LiveFile;
    try {
      live = openLiveFile(this.path, { cutTail: recover });
    } catch (error) {
      this.#live = null;
      this.#retryOpenAt = Date.now() + RETRY_MS;
      this.#context.report(AuditLogErrorCodes.WRITE_FAILED, this.path, `cannot open${this.#droppedNote()}`, error);
      return;
    }
    this.#live = live;
    if (live.cutBytes > 0) this.#context.report(AuditLogErrorCodes.PARTIAL_LINE_CUT, this.path, `cut a partial last line of ${live.cutBytes} bytes left by a crash`);
    if (this.#dropped > 0) {
      this.#context.report(AuditLogErrorCodes.WRITE_FAILED, this.path, `writable again; ${this.#dropped} lines were dropped meanwhile`);
      this.#dropped = 0;
    }
    if (this.#settlePending) this.#settle();
  }

  /** Closes the live file and opens the live path again (another process rotated it, or we did). */
  #reopen(): void {
    this.#closeLive();
    this.#openLive(false);
  }

  /** Follows the live path to the file it names now, then rotates it when `lineBytes` more would pass the limit. */
  #prepare(live: LiveFile, lineBytes: number): void {
    let size: number | undefined;
    try {
      size = sizeIfStillLive(this.path, live);
    } catch {
      return; // The path cannot be looked at (e.g. a permission change): write on to the open file.
    }
    if (size === undefined) {
      this.#reopen();
      if (this.#live === null) return;
      size = this.#live.size;
    }
    if (this.#live?.rotatable === true && this.#mustRotate(size, lineBytes)) this.#rotate(this.#live, lineBytes);
  }

  #mustRotate(size: number, lineBytes: number): boolean {
    return size > 0 && size + lineBytes > this.#context.options().maxBytes;
  }

  /** Renames the live file aside (unless another process is at it), opens the live path again, and queues the compression. */
  #rotate(live: LiveFile, lineBytes: number): void {
    if (Date.now() < this.#retryRotateAt) return;
    let outcome: RotateOutcome;
    try {
      outcome = rotateLiveFile(this.path, { dev: live.dev, ino: live.ino, mustRotate: (size) => this.#mustRotate(size, lineBytes) }, this.#namer);
    } catch (error) {
      this.#retryRotateAt = Date.now() + RETRY_MS;
      this.#context.report(AuditLogErrorCodes.ROTATE_FAILED, this.path, 'cannot rotate, writing on past the size limit', error);
      return;
    }
    if (outcome.kind === 'busy' || outcome.kind === 'fits') return;
    if (outcome.kind === 'rotated' && this.#context.options().compressRotated) this.#context.settler.compressRotated(outcome.path, outcome.stats);
    this.#reopen();
  }

  /** Appends the line; false (reported, the file closed for a retry) when that failed. */
  #append(live: LiveFile, line: Buffer): boolean {
    try {
      appendLine(live.fd, line);
      return true;
    } catch (error) {
      this.#dropped += 1;
      this.#closeLive();
      this.#retryOpenAt = Date.now() + RETRY_MS;
      this.#context.report(AuditLogErrorCodes.WRITE_FAILED, this.path, `cannot write${this.#droppedNote()}`, error);
      return false;
    }
  }

  /** After a stalled write: when the file written was removed meanwhile (rotated and compressed), writes the line again to the live path. */
  #rewriteIfRemoved(live: LiveFile, line: Buffer): void {
    try {
      if (fstatSync(live.fd).nlink > 0) return;
    } catch {
      return;
    }
    this.#reopen();
    if (this.#live !== null) this.#append(this.#live, line);
  }

  #settle(): void {
    this.#settlePending = false;
    const newest = this.#context.settler.settleLeftovers(this.path, this.#context.options().compressRotated);
    if (newest !== undefined) this.#namer = new RotationNamer(newest);
  }

  #closeLive(): void {
    const live = this.#live;
    this.#live = null;
    if (live === null) return;
    try {
      closeSync(live.fd);
    } catch (error) {
      this.#context.report(AuditLogErrorCodes.WRITE_FAILED, this.path, 'cannot close', error);
    }
  }

  #droppedNote(): string {
    return this.#dropped > 0 ? `; ${this.#dropped} lines dropped so far` : '';
  }
}
