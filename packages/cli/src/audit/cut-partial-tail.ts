import { closeSync, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs';

const NEWLINE = 0x0a;
const CHUNK_BYTES = 64 * 1024;

/**
 * Cuts a partial last line — bytes after the last "\n", as a crash in the
 * middle of a write can leave — so that the next line starts on a line of its
 * own. Returns how many bytes were cut (0 when the file ends with "\n", is
 * empty, or does not exist). Only call it on a regular file.
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
    const size = fstatSync(fd).size;
    const keep = endOfLastLine(fd, size);
    if (keep < size) ftruncateSync(fd, keep);
    return size - keep;
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
