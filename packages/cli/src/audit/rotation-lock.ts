import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, linkSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';

/**
 * A lock older than this was left by a process that died holding it: the
 * lock is held only around one rename, never across a wait.
 */
export const STALE_LOCK_MS = 5000;

/** A held rotation lock. */
export interface RotationLock {
  /** Removes the lock file, if it is still this lock's. Never throws. */
  release(): void;
}

/**
 * Takes the rotation lock of the live file at `livePath`: `<livePath>.lock`,
 * created with `O_EXCL`, so that of all the processes writing that file
 * (a rolling restart on one host) one at a time renames it. Returns null when
 * another process holds it — the caller writes on, and sees the new live
 * file on its next write. A lock older than {@link STALE_LOCK_MS} is removed
 * first. Throws on other I/O errors (e.g. the directory is not writable).
 */
export function tryLockRotation(livePath: string): RotationLock | null {
  const lockPath = `${livePath}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockPath, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!removeStaleLock(lockPath)) return null;
      continue;
    }
    let ino: number;
    try {
      ino = fstatSync(fd).ino;
      writeSync(fd, `${process.pid}\n`); // for whoever finds it
    } catch (error) {
      closeSync(fd);
      unlinkSync(lockPath);
      throw error;
    }
    closeSync(fd);
    return { release: () => releaseLock(lockPath, ino) };
  }
  return null;
}

/** Removes the lock at `lockPath` when it is stale; true when there is no lock any more. */
function removeStaleLock(lockPath: string): boolean {
  const found = statSync(lockPath, { throwIfNoEntry: false });
  if (found === undefined) return true;
  if (Date.now() - found.mtimeMs < STALE_LOCK_MS) return false;
  // Two processes may find the same stale lock: move it aside first, and delete
  // only what was moved if it is that stale lock, not a fresh one taken meanwhile.
  const aside = `${lockPath}.${process.pid}-${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  const moved = statSync(aside);
  if (moved.ino !== found.ino) {
    try {
      linkSync(aside, lockPath); // give the fresh lock back to its holder
    } catch {
      // Yet another lock was taken meanwhile: its holder goes first.
    }
    unlinkSync(aside);
    return false;
  }
  unlinkSync(aside);
  return true;
}

function releaseLock(lockPath: string, ino: number): void {
  try {
    // A lock that took more than STALE_LOCK_MS was removed by another process, which may hold a new one now.
    if (statSync(lockPath, { throwIfNoEntry: false })?.ino === ino) unlinkSync(lockPath);
  } catch {
    // A lock left behind turns stale and is removed by the next rotation.
  }
}
