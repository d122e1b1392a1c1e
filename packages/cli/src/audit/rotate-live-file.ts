import { renameSync, statSync, type Stats } from 'node:fs';
import type { RotationNamer } from './rotated-name.js';
import { tryLockRotation } from './rotation-lock.js';

/** What {@link rotateLiveFile} did. */
export type RotateOutcome =
  /** The live file was renamed to `path`; `stats` are the rotated file's, right after the rename. */
  | { readonly kind: 'rotated'; readonly path: string; readonly stats: Stats }
  /** Another process is rotating: write on, the next write finds the new live file. */
  | { readonly kind: 'busy' }
  /** The live path no longer names the file we write: another process rotated it. Reopen. */
  | { readonly kind: 'moved' }
  /** The file is not over the limit after all (nothing to do). */
  | { readonly kind: 'fits' };

/** What the caller knows of the live file it wants rotated. */
export interface RotateRequest {
  /** Device and inode of the file the caller has open. */
  readonly dev: number;
  readonly ino: number;
  /** Whether a file of this size must be rotated before the caller's next line. */
  readonly mustRotate: (size: number) => boolean;
}

/**
 * Renames the live file at `livePath` aside, under the rotation lock, so that
 * of several processes writing it one at a time rotates it: under the lock,
 * the live path must still name the file the caller writes (else someone else
 * rotated it) and still need rotating, and the new name is one no file has
 * (`namer` checks the disk: `renameSync` would silently replace a file).
 * Throws on I/O errors.
 */
export function rotateLiveFile(livePath: string, request: RotateRequest, namer: RotationNamer): RotateOutcome {
  const lock = tryLockRotation(livePath);
  if (lock === null) return { kind: 'busy' };
  let rotated: string;
  try {
    const live = statSync(livePath, { throwIfNoEntry: false });
    if (live === undefined || live.dev !== request.dev || live.ino !== request.ino) return { kind: 'moved' };
    if (!request.mustRotate(live.size)) return { kind: 'fits' };
    rotated = namer.next(livePath, new Date());
    renameSync(livePath, rotated);
  } finally {
    lock.release();
  }
  // Outside the lock, which others wait for by writing on past the limit.
  return { kind: 'rotated', path: rotated, stats: statSync(rotated) };
}
