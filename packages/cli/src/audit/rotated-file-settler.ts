import { statSync } from 'node:fs';
import { AuditLogErrorCodes, type AuditLogErrorCode } from './audit-log-error.js';
import { BackgroundQueue } from './background-queue.js';
import { removeAbandonedTemporary, settleRotatedFile } from './compress-rotated.js';
import type { RotatedFile } from './rotated-name.js';
import { findUnsettledRotations, type UnsettledRotations } from './unsettled-rotations.js';
import { quietSince, type FileSnapshot, type QuietSince } from './wait-until-quiet.js';

/** How the settler reports a problem (as `AuditLog` does to `onError`). */
export type SettlerReport = (code: AuditLogErrorCode, file: string, what: string, cause?: unknown) => void;

/**
 * The background work on rotated files of one audit log: compressions and the
 * cleanup of leftovers, one job at a time, off the write path. Each rotated
 * file waits until it has been quiet for `ROTATED_GRACE_MS` (see
 * `settleRotatedFile`). Failures are reported as
 * `MCPGW_ERR_AUDIT_COMPRESS_FAILED` and leave the plain file in place.
 */
export class RotatedFileSettler {
  readonly #queue: BackgroundQueue;
  readonly #report: SettlerReport;

  /** `livePath`: the live file now, named in reports of failures outside any one file's job. */
  constructor(report: SettlerReport, livePath: () => string) {
    this.#report = report;
    this.#queue = new BackgroundQueue((error) => report(AuditLogErrorCodes.COMPRESS_FAILED, livePath(), 'could not compress a rotated file', error));
  }

  /** Queues the compression of a file this process just rotated; `stats`: the file's, right after the rename. */
  compressRotated(file: string, stats: FileSnapshot): void {
    this.#push(file, true, quietSince(stats));
  }

  /**
   * Finds what an earlier run, or another instance writing the same live
   * file, left to do beside `livePath`, and queues it: abandoned temporary
   * gzips, plain files beside a complete `.gz`, and with `compress` every
   * plain rotated file. Returns the newest rotation on disk (to name the next
   * one after it), or undefined when there is none or the directory cannot be
   * read (reported).
   */
  settleLeftovers(livePath: string, compress: boolean): RotatedFile | undefined {
    let unsettled: UnsettledRotations;
    try {
      unsettled = findUnsettledRotations(livePath, compress);
    } catch (error) {
      this.#report(AuditLogErrorCodes.COMPRESS_FAILED, livePath, 'cannot list rotated files', error);
      return undefined;
    }
    for (const tmp of unsettled.temporaries) this.#queue.push(() => removeAbandonedTemporary(tmp));
    // Another instance may have rotated these just now: each waits its grace period from here.
    for (const file of unsettled.files) this.#push(file, compress, quietSince(snapshotNow(file)));
    return unsettled.newest;
  }

  /** Resolves when every job queued so far, and any queued meanwhile, has finished. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  #push(file: string, compress: boolean, since: QuietSince): void {
    this.#queue.push(async () => {
      try {
        await settleRotatedFile(file, compress, since);
      } catch (error) {
        this.#report(AuditLogErrorCodes.COMPRESS_FAILED, file, 'cannot compress, the plain file is kept', error);
      }
    });
  }
}

function snapshotNow(file: string): FileSnapshot | undefined {
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined; // looked at again when the job runs
  }
}
