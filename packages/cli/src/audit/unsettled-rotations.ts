import path from 'node:path';
import { listRotatedFiles, type RotatedFile } from './rotated-name.js';

/** What an earlier run left in the audit directory. */
export interface UnsettledRotations {
  /** Full paths of the plain rotated files to pass to `settleRotatedFile`, oldest rotation first. */
  readonly files: readonly string[];
  /** The newest rotation on disk, to name the next one after it. */
  readonly newest: RotatedFile | undefined;
}

/**
 * Finds the rotations of the live file at `livePath` that need work: one with
 * a `.gz.tmp` (an interrupted compression), a plain file beside its `.gz` (a
 * compression interrupted before the plain file was removed), and, with
 * `compress`, a plain file without `.gz`. Rotations that are only a `.gz` are
 * done. Throws when the directory cannot be read.
 */
export function findUnsettledRotations(livePath: string, compress: boolean): UnsettledRotations {
  const rotated = listRotatedFiles(livePath);
  const compressed = new Set(rotated.filter((file) => file.kind === 'gz').map((file) => file.plainName));
  const files = new Set<string>();
  for (const file of rotated) {
    const unsettled = file.kind === 'gz.tmp' || (file.kind === 'plain' && (compress || compressed.has(file.plainName)));
    if (unsettled) files.add(path.join(path.dirname(livePath), file.plainName));
  }
  return { files: [...files], newest: rotated.at(-1) };
}
