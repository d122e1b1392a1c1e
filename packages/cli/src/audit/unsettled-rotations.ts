import path from 'node:path';
import { listRotatedFiles, type RotatedFile } from './rotated-name.js';

/** What an earlier run, or another instance writing the same file, left in the audit directory. */
export interface UnsettledRotations {
  /** Full paths of the plain rotated files to pass to `settleRotatedFile`, oldest rotation first. */
  readonly files: readonly string[];
  /** Full paths of temporary gzips (`.gz.tmp`, `.gz.<pid>-<hex>.tmp`): to remove once abandoned (`removeAbandonedTemporary`). */
  readonly temporaries: readonly string[];
  /** The newest rotation on disk, to name the next one after it. */
  readonly newest: RotatedFile | undefined;
}

/**
 * Finds the rotations of the live file at `livePath` that may need work: a
 * plain file beside its `.gz` (a compression interrupted before the plain
 * file was removed), with `compress` every plain file, and every temporary
 * gzip. Rotations that are only a `.gz` are done. Throws when the directory
 * cannot be read.
 */
export function findUnsettledRotations(livePath: string, compress: boolean): UnsettledRotations {
  const directory = path.dirname(livePath);
  const rotated = listRotatedFiles(livePath);
  const compressed = new Set(rotated.filter((file) => file.kind === 'gz').map((file) => file.plainName));
  const files: string[] = [];
  const temporaries: string[] = [];
  for (const file of rotated) {
    if (file.kind === 'gz.tmp') temporaries.push(path.join(directory, file.name));
    else if (file.kind === 'plain' && (compress || compressed.has(file.plainName))) files.push(path.join(directory, file.plainName));
  }
  return { files, temporaries, newest: rotated.at(-1) };
}
