import { closeSync, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs';

const NEWLINE = 0x0a;
const CHUNK_BYTES = 64 * 1024;
/** How long a partial tail must stay unchanged before it counts as left by a crash (another instance's write in progress completes well within it). */
const SETTLE_MS = 20;
/** Looks at a growing file this many times before leaving its tail alone: other instances are writing, and their lines end what a crash left. */
const LOOKS = 5;

/**
 * Cuts a partial last line — bytes after the last "\n", as a crash in the
 * middle of a write can leave — so that the next line starts on a line of its
 * own. Returns how many bytes were cut (0 when the file ends with "\n", is
 * empty, or does not exist). Only call it on a regular file.
 *
 * Another instance may be writing the same file (a rolling restart on one
 * host): a partial tail is then usually its line being written. So the tail
 * is cut only when it is still there, and the file has not grown, after a
 * moment; blocks for that moment only when a partial tail is seen.
 */
export function cutPartialTail(filePath: string): number {
  let fd: number;
  try {
    fd = openSync(filePath, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  try {
    for (let look = 0; look < LOOKS; look++) {
      const size = fstatSync(fd).size;
      const keep = endOfLastLine(fd, size);
      if (keep === size) return 0;
      sleepSync(SETTLE_MS);
      if (fstatSync(fd).size !== size) continue;
      ftruncateSync(fd, keep);
      return size - keep;
    }
    return 0;
  } finally {
    closeSync(fd);
  }
}

/** The offset just after the last "\n" in the first `size` bytes (0 when there is none). */
function endOfLastLine(fd: number, size: number): number {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - CHUNK_BYTES);
    const length = end - start;
    let read = 0;
    while (read < length) {
      const n = readSync(fd, chunk, read, length - read, start + read);
      if (n === 0) break;
      read += n;
    }
    const at = chunk.subarray(0, read).lastIndexOf(NEWLINE);
    if (at !== -1) return start + at + 1;
    end = start;
  }
  return 0;
}

function sleepSync(ms: number): void {
  // Opening the audit log is synchronous (it runs between two writes); this runs only when a partial tail is seen.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
