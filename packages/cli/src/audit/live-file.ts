import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { cutPartialTail } from './cut-partial-tail.js';

/** The live audit file, open for append. */
export interface LiveFile {
  readonly fd: number;
  /** Device and inode of the open file: when the live path no longer names them, someone rotated it. */
  readonly dev: number;
  readonly ino: number;
  /** Its size at open (after any cut). */
  readonly size: number;
  /** False when the path is not a regular file (`/dev/stdout`, a pipe): such a path is never renamed. */
  readonly rotatable: boolean;
  /** Bytes of a partial last line that were cut (0 almost always). */
  readonly cutBytes: number;
}

/**
 * Opens the live audit file for append (`O_APPEND`; a regular file also for
 * reading, to check a failed write): creates its directory when missing, with `cutTail` cuts a
 * partial last line a crash left (regular files only), and reads its size
 * and identity. Throws on I/O errors.
 */
export function openLiveFile(file: string, options: { cutTail: boolean }): LiveFile {
  mkdirSync(path.dirname(file), { recursive: true });
  const found = statSync(file, { throwIfNoEntry: false });
  const cutBytes = options.cutTail && found?.isFile() === true ? cutPartialTail(file) : 0;
  // Read access only for a regular file (or a new one): a device or a pipe is opened as it always was.
  const fd = openSync(file, found === undefined || found.isFile() ? 'a+' : 'a');
  try {
    const stats = fstatSync(fd);
    return { fd, dev: stats.dev, ino: stats.ino, size: stats.isFile() ? stats.size : 0, rotatable: stats.isFile(), cutBytes };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Appends one whole line with one `writeSync` (looping only on the short
 * write a regular file practically never gives). On failure it removes what
 * it wrote of the line, if that is still the end of the file, and throws.
 * It never truncates past its own bytes: other instances may append to the
 * same file.
 */
export function appendLine(fd: number, line: Buffer): void {
  let written = 0;
  try {
    while (written < line.length) written += writeSync(fd, line, written);
  } catch (error) {
    if (written > 0) removeOwnPartialLine(fd, line.subarray(0, written));
    throw error;
  }
}

function removeOwnPartialLine(fd: number, partial: Buffer): void {
  try {
    const size = fstatSync(fd).size;
    if (size < partial.length) return;
    const tail = Buffer.alloc(partial.length);
    readSync(fd, tail, 0, tail.length, size - partial.length);
    if (tail.equals(partial)) ftruncateSync(fd, size - partial.length);
  } catch {
    // The next open cuts the partial line instead.
  }
}

/**
 * The size of the file at the live path — with every process's lines — when
 * that path still names the open `live` file; undefined when it names another
 * file or none (another process rotated it: open the path again). Throws when
 * the path cannot be looked at.
 */
export function sizeIfStillLive(file: string, live: LiveFile): number | undefined {
  const found = statSync(file, { throwIfNoEntry: false });
  return found !== undefined && found.dev === live.dev && found.ino === live.ino ? found.size : undefined;
}
