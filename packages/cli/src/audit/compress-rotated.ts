import { open, rm, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { gunzippedSize, publishGzip, type GzipOfRotated } from './publish-gzip.js';
import { temporaryGzipPath, temporaryGzipWriter } from './rotated-name.js';
import { quietSince, snapshotIfExists, waitUntilQuiet, type QuietSince } from './wait-until-quiet.js';

/** Compressions of one file that each find it grown afterwards before giving up on it for this run. */
const ROUNDS = 3;
/** A temporary gzip unchanged this long belongs to a compression that died (a live one writes it continuously). */
export const ABANDONED_TEMPORARY_MS = 60_000;

/**
 * Gzips a rotated file crash-safely, even while another process may still
 * append a last line to it: reads exactly the bytes the file has, writes
 * their gzip to a temporary file of this compression's own, fsyncs it,
 * publishes it as `<file>.gz` (see `publishGzip`), and removes `<file>` only
 * if it still has exactly the bytes that `<file>.gz` holds. When it grew
 * meanwhile, waits until it is quiet and compresses it again. At every
 * instant the rotated lines are whole in `<file>` or in a complete
 * `<file>.gz`. On failure the temporary file is removed, `<file>` stays,
 * and the error is thrown. Call it once the file has been quiet for the
 * grace period after its rename, as `settleRotatedFile` does.
 */
export async function compressRotatedFile(file: string): Promise<void> {
  for (let round = 1; ; round++) {
    const handle = await openIfExists(file);
    if (handle === undefined) return; // another process settled it
    let gzip: GzipOfRotated | undefined;
    let plainIno: number;
    try {
      const plain = await handle.stat();
      plainIno = plain.ino;
      gzip = await writeGzip(handle, plain.size, file);
    } finally {
      await handle.close();
    }
    if (gzip !== undefined && (await removeIfCompressed(file, plainIno, gzip))) return;
    if (round === ROUNDS) throw new Error(`not settled after ${ROUNDS} compressions: it kept changing`);
    if ((await waitUntilQuiet(file, quietSince(await snapshotIfExists(file)))) === undefined) return;
  }
}

/**
 * Brings one rotated file to its final state, whatever an earlier crash left,
 * once it has been quiet for the grace period from `since` (another instance
 * may have just rotated it): a plain file whose `.gz` is complete (gunzips to
 * the plain file's size) is removed; with `compress`, a plain file without a
 * complete `.gz` is compressed. A `.gz` is never deleted: a more complete one
 * replaces it. Looks at the disk when it runs, so it can be queued behind a
 * compression of the same file.
 */
export async function settleRotatedFile(file: string, compress: boolean, since: QuietSince): Promise<void> {
  const plain = await waitUntilQuiet(file, since);
  if (plain === undefined) return;
  const gzPath = `${file}.gz`;
  const gz = await snapshotIfExists(gzPath);
  if (gz !== undefined && (await gunzippedSize(gzPath)) === plain.size) {
    if (await removeIfCompressed(file, plain.ino, { ino: gz.ino, bytes: plain.size })) return;
  }
  if (compress) await compressRotatedFile(file);
}

/**
 * Removes a temporary gzip left by a compression that died: one unchanged for
 * {@link ABANDONED_TEMPORARY_MS}, or one whose writer (the pid in its name) is
 * not running. A process in another pid namespace (another container on the
 * same volume) may look dead: removing its temporary file only makes it
 * compress that file again.
 */
export async function removeAbandonedTemporary(tmp: string): Promise<void> {
  const found = await snapshotIfExists(tmp);
  if (found === undefined) return;
  const writer = temporaryGzipWriter(tmp);
  const abandoned = Date.now() - found.mtimeMs >= ABANDONED_TEMPORARY_MS || (writer !== undefined && !isRunning(writer));
  if (abandoned) await rm(tmp, { force: true });
}

/**
 * Writes and publishes the gzip of the first `size` bytes of the open rotated
 * file; undefined when the temporary file was removed before it could be
 * published (by another instance's cleanup: compress again).
 */
async function writeGzip(plain: FileHandle, size: number, file: string): Promise<GzipOfRotated | undefined> {
  const tmp = temporaryGzipPath(file);
  let out: FileHandle | undefined;
  try {
    out = await open(tmp, 'wx');
    const target = out;
    const source = size === 0 ? Readable.from([]) : plain.createReadStream({ start: 0, end: size - 1, autoClose: false });
    await pipeline(source, createGzip(), async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) await writeFully(target, chunk);
    });
    await out.sync();
    const { ino } = await out.stat();
    await out.close();
    out = undefined;
    let published: GzipOfRotated;
    try {
      published = await publishGzip(tmp, `${file}.gz`, { ino, bytes: size });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (await snapshotIfExists(tmp)) === undefined) return undefined;
      throw error;
    }
    // Make the new name durable before the plain file goes (power loss, not just a crash).
    await syncDirectory(path.dirname(file));
    return published;
  } catch (error) {
    await out?.close().catch(ignore);
    await rm(tmp, { force: true }).catch(ignore);
    throw error;
  }
}

/**
 * Removes the plain rotated file if it still is the file that was compressed,
 * with exactly the bytes the `.gz` holds, and the `.gz` is still that gzip.
 * True when the plain file is gone (removed here or by another process).
 */
async function removeIfCompressed(file: string, plainIno: number, gzip: GzipOfRotated): Promise<boolean> {
  const [plain, gz] = await Promise.all([snapshotIfExists(file), snapshotIfExists(`${file}.gz`)]);
  if (plain === undefined) return true;
  if (plain.ino !== plainIno || plain.size !== gzip.bytes || gz?.ino !== gzip.ino) return false;
  try {
    await unlink(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return true;
}

async function openIfExists(file: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeFully(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) offset += (await handle.write(chunk, offset)).bytesWritten;
}

async function syncDirectory(directory: string): Promise<void> {
  // Best effort: not every platform can fsync a directory.
  try {
    const handle = await open(directory, 'r');
    await handle.sync().finally(() => handle.close());
  } catch {
    // ignored on purpose
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'; // EPERM: running, as another user
  }
}

function ignore(): void {}
