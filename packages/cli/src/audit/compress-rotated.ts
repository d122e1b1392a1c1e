import { createReadStream } from 'node:fs';
import { open, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

/**
 * Gzips a rotated file crash-safely: writes `<file>.gz.tmp`, fsyncs and closes
 * it, renames it to `<file>.gz`, and only then removes `<file>`. At every
 * instant the rotated lines are whole in `<file>` or in a complete `<file>.gz`.
 * On failure the temporary file is removed, `<file>` stays, and the error is
 * thrown.
 */
export async function compressRotatedFile(file: string): Promise<void> {
  const gzPath = `${file}.gz`;
  const tmpPath = `${gzPath}.tmp`;
  let out: FileHandle | undefined;
  try {
    out = await open(tmpPath, 'w');
    const target = out;
    await pipeline(createReadStream(file), createGzip(), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) await writeFully(target, chunk);
    });
    await out.sync();
    await out.close();
    out = undefined;
    await rename(tmpPath, gzPath);
  } catch (error) {
    await out?.close().catch(ignore);
    await rm(tmpPath, { force: true }).catch(ignore);
    throw error;
  }
  // Make the rename durable before the plain file goes (power loss, not just a crash).
  await syncDirectory(path.dirname(file));
  await unlink(file);
}

/**
 * Brings one rotated file to its final state, whatever an earlier crash left:
 * a `.gz.tmp` is removed; a plain file whose `.gz` is complete (gunzips fully
 * to the plain file's size) is removed; an incomplete `.gz` is removed; then,
 * with `compress`, a plain file left without `.gz` is compressed. Looks at the
 * disk when it runs, so it can be queued behind a compression of the same file.
 */
export async function settleRotatedFile(file: string, compress: boolean): Promise<void> {
  const gzPath = `${file}.gz`;
  await rm(`${gzPath}.tmp`, { force: true });
  const plain = await statIfExists(file);
  if (plain === undefined) return;
  if ((await statIfExists(gzPath)) !== undefined) {
    if (await gzipHolds(gzPath, plain.size)) {
      await unlink(file);
      return;
    }
    await rm(gzPath, { force: true });
  }
  if (compress) await compressRotatedFile(file);
}

/** Whether the gzip file decompresses without error to exactly `size` bytes. */
export async function gzipHolds(gzPath: string, size: number): Promise<boolean> {
  let total = 0;
  try {
    await pipeline(createReadStream(gzPath), createGunzip(), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) total += chunk.length;
    });
  } catch (error) {
    // zlib errors (truncated or corrupt data) mean "not complete"; I/O errors are real problems.
    if (String((error as NodeJS.ErrnoException).code).startsWith('Z_')) return false;
    throw error;
  }
  return total === size;
}

async function writeFully(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) offset += (await handle.write(chunk, offset)).bytesWritten;
}

async function statIfExists(file: string): Promise<{ size: number } | undefined> {
  try {
    return await stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
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

function ignore(): void {}
