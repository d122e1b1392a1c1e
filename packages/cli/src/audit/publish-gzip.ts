import { createReadStream } from 'node:fs';
import { link, rename, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { snapshotIfExists } from './wait-until-quiet.js';

/** A complete gzip of the beginning of a rotated file: its inode, and how many bytes of the plain file it holds. */
export interface GzipOfRotated {
  readonly ino: number;
  readonly bytes: number;
}

/** Errors of a file system without hard links: publish with a rename instead. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Makes `tmp` — a complete, synced gzip of the first `ours.bytes` bytes of a
 * rotated file — that file's `gzPath`, and says which gzip `gzPath` is now.
 * Two processes may compress the same file (an instance that starts finds the
 * rotations of one still running): `tmp` is linked, which fails when
 * `gzPath` exists, instead of renamed, which would replace it. When one
 * exists, the one holding more of the file stays (both hold a beginning of
 * the same file, which only grows). `tmp` is gone afterwards; on error it
 * may remain, for the caller to remove.
 */
export async function publishGzip(tmp: string, gzPath: string, ours: GzipOfRotated): Promise<GzipOfRotated> {
  try {
    await link(tmp, gzPath);
    await unlink(tmp);
    return ours;
  } catch (error) {
    const code = String((error as NodeJS.ErrnoException).code);
    if (code !== 'EEXIST' && !NO_HARD_LINKS.has(code)) throw error;
  }
  const theirs = await snapshotIfExists(gzPath);
  if (theirs !== undefined) {
    const bytes = await gunzippedSize(gzPath);
    if (bytes !== undefined && bytes >= ours.bytes) {
      await unlink(tmp);
      return { ino: theirs.ino, bytes };
    }
  }
  await rename(tmp, gzPath);
  return ours;
}

/** How many bytes the gzip file decompresses to, or undefined when it is truncated or corrupt. Throws on I/O errors. */
export async function gunzippedSize(gzPath: string): Promise<number | undefined> {
  let total = 0;
  try {
    await pipeline(createReadStream(gzPath), createGunzip(), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) total += chunk.length;
    });
  } catch (error) {
    // zlib errors (truncated or corrupt data) mean "not complete"; I/O errors are real problems.
    if (String((error as NodeJS.ErrnoException).code).startsWith('Z_')) return undefined;
    throw error;
  }
  return total;
}
