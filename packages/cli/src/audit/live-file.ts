import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { cutPartialTail } from './cut-partial-tail.js';

/** The live audit file, open for append. */
export interface LiveFile {
  readonly fd: number;
  /** Its size at open (after any cut). */
  readonly size: number;
  /** False when the path is not a regular file (`/dev/stdout`, a pipe): such a path is never renamed. */
  readonly rotatable: boolean;
  /** Bytes of a partial last line that were cut (0 almost always). */
  readonly cutBytes: number;
}

/**
 * Opens the live audit file for append (`O_APPEND`): creates its directory
 * when missing, cuts a partial last line a crash left (regular files only),
 * and reads its size. Throws on I/O errors.
 */
export function openLiveFile(file: string): LiveFile {
  mkdirSync(path.dirname(file), { recursive: true });
  const regular = statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
  const cutBytes = regular ? cutPartialTail(file) : 0;
  const fd = openSync(file, 'a');
  try {
    const stats = fstatSync(fd);
    return { fd, size: stats.isFile() ? stats.size : 0, rotatable: stats.isFile(), cutBytes };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Appends one whole line with one `writeSync` (looping only on the short
 * write a regular file practically never gives). On failure it truncates the
 * file back to `sizeBefore`, so no part of the line stays, and throws.
 */
export function appendLine(fd: number, line: Buffer, sizeBefore: number): void {
  try {
    let written = 0;
    while (written < line.length) written += writeSync(fd, line, written);
  } catch (error) {
    try {
      ftruncateSync(fd, sizeBefore);
    } catch {
      // The next open cuts the partial line instead.
    }
    throw error;
  }
}
