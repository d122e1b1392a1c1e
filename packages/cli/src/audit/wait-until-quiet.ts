import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How long a rotated file must stay unchanged, after its rename, before it is
 * compressed. Another instance writing the same live file checks the live
 * path just before each write, so it may still append one line to the file
 * just renamed; that append comes within microseconds, unless that process
 * is paused between its check and its write (see `LiveWriter`'s STALL_MS).
 */
export const ROTATED_GRACE_MS = 1000;
/** Looks at a rotated file that keeps changing before giving up on it for this run. */
const LOOKS = 3;

/** Size, modification time and identity of a file, to tell whether it changed. */
export interface FileSnapshot {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  /** Also set by a rename: with `mtimeMs`, when the file last changed. */
  readonly ctimeMs: number;
}

/** Where a wait starts: when (`performance.now()`) the file was last seen, and as what (undefined: gone). */
export interface QuietSince {
  readonly at: number;
  readonly seen: FileSnapshot | undefined;
}

/** Takes a snapshot to start a wait from, now. */
export function quietSince(seen: FileSnapshot | undefined): QuietSince {
  return { at: performance.now(), seen: seen === undefined ? undefined : snapshotOf(seen) };
}

/**
 * Resolves once `file` has stayed unchanged (size, mtime, inode) for
 * {@link ROTATED_GRACE_MS}, with its snapshot, or with undefined when it is
 * gone. The wait counts from `since` and, when the file changed after that,
 * from its last change as its timestamps tell (so a file that changed long
 * ago is not waited for again); a timestamp in the future counts as now.
 * After `LOOKS` looks that each saw a change, throws (the caller leaves the
 * file as it is, for a later start).
 */
export async function waitUntilQuiet(file: string, since: QuietSince): Promise<FileSnapshot | undefined> {
  let { at, seen } = since;
  for (let round = 0; round < LOOKS; round++) {
    const left = at + ROTATED_GRACE_MS - performance.now();
    if (left > 0) await sleep(left);
    const now = await snapshotIfExists(file);
    if (now === undefined) return undefined;
    if (seen !== undefined && sameSnapshot(now, seen)) return now;
    const age = Math.max(0, Date.now() - Math.max(now.mtimeMs, now.ctimeMs));
    at = performance.now() - age;
    seen = now;
  }
  throw new Error(`still being written to after ${LOOKS} looks ${ROTATED_GRACE_MS} ms apart`);
}

/** A file's snapshot, or undefined when it does not exist. */
export async function snapshotIfExists(file: string): Promise<FileSnapshot | undefined> {
  try {
    return snapshotOf(await stat(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function snapshotOf(stats: FileSnapshot): FileSnapshot {
  return { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs };
}

function sameSnapshot(a: FileSnapshot, b: FileSnapshot): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
