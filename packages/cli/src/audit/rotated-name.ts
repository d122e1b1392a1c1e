import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** What a rotated file is: the plain rotated log, its gzip, or a gzip being written (`.gz.tmp`, or `.gz.<pid>-<hex>.tmp`). */
export type RotatedFileKind = 'plain' | 'gz' | 'gz.tmp';

/** A file in the audit directory that belongs to one rotation of the live file. */
export interface RotatedFile {
  /** The file name, e.g. `audit.jsonl.20261126T010203.456Z-1.gz`. */
  readonly name: string;
  /** The plain rotated name it belongs to, e.g. `audit.jsonl.20261126T010203.456Z-1`. */
  readonly plainName: string;
  readonly kind: RotatedFileKind;
  /** The rotation stamp, `YYYYMMDDTHHMMSS.sssZ` (UTC). */
  readonly stamp: string;
  /** 0 for the first rotation with this stamp, then 1, 2, … */
  readonly counter: number;
}

const STAMP_AND_COUNTER = /^(\d{8}T\d{6}\.\d{3}Z)(?:-(\d+))?$/;
/** `.gz.<pid>-<hex>.tmp`, one per compressor, or `.gz.tmp`, the name earlier versions used. */
const TEMPORARY_GZIP = /\.gz(?:\.(\d+)-[0-9a-f]+)?\.tmp$/;

/** `2026-11-26T01:02:03.456Z` → `20261126T010203.456Z`: fixed width, sorts as text, no `:` in file names. */
export function formatRotationStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '');
}

/**
 * Reads a file name of the audit directory as a rotated file of the live file
 * named `liveName` (`audit.jsonl`), or returns undefined when it is not one.
 */
export function parseRotatedName(liveName: string, fileName: string): RotatedFile | undefined {
  const prefix = `${liveName}.`;
  if (!fileName.startsWith(prefix)) return undefined;
  let rest = fileName.slice(prefix.length);
  let kind: RotatedFileKind = 'plain';
  const temporary = TEMPORARY_GZIP.exec(rest);
  if (temporary !== null) {
    kind = 'gz.tmp';
    rest = rest.slice(0, temporary.index);
  } else if (rest.endsWith('.gz')) {
    kind = 'gz';
    rest = rest.slice(0, -'.gz'.length);
  }
  const match = STAMP_AND_COUNTER.exec(rest);
  if (match === null) return undefined;
  return { name: fileName, plainName: prefix + rest, kind, stamp: match[1] as string, counter: match[2] === undefined ? 0 : Number(match[2]) };
}

/** Orders rotated files oldest rotation first. */
export function compareRotatedFiles(a: RotatedFile, b: RotatedFile): number {
  if (a.stamp !== b.stamp) return a.stamp < b.stamp ? -1 : 1;
  if (a.counter !== b.counter) return a.counter - b.counter;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * The rotated files (plain, `.gz`, `.gz.tmp`) of the live file at `livePath`,
 * oldest rotation first.
 *
 * @example
 * listRotatedFiles('/var/log/mcpgw/audit.jsonl').filter((f) => f.kind === 'gz').map((f) => f.name)
 * // ['audit.jsonl.20261126T010203.456Z.gz', 'audit.jsonl.20261126T010203.456Z-1.gz', …]
 */
export function listRotatedFiles(livePath: string): RotatedFile[] {
  const liveName = path.basename(livePath);
  const files: RotatedFile[] = [];
  for (const name of readdirSync(path.dirname(livePath))) {
    const file = parseRotatedName(liveName, name);
    if (file !== undefined) files.push(file);
  }
  return files.sort(compareRotatedFiles);
}

/**
 * A name for the gzip of `file` while it is being written, unique to this
 * compression (pid and random), so that two processes compressing the same
 * file never write to, or delete, each other's temporary file.
 *
 * @example
 * temporaryGzipPath('/var/log/mcpgw/audit.jsonl.20261126T010203.456Z')
 * // '/var/log/mcpgw/audit.jsonl.20261126T010203.456Z.gz.4242-9f3a61c2.tmp'
 */
export function temporaryGzipPath(file: string): string {
  return `${file}.gz.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

/** The pid in the name of a temporary gzip (`.gz.<pid>-<hex>.tmp`): the process that writes it; undefined for other names. */
export function temporaryGzipWriter(file: string): number | undefined {
  const pid = TEMPORARY_GZIP.exec(file)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/**
 * Picks the name of the next rotation of one live file so that names never
 * collide and sort in rotation order: `<live>.<stamp>` and, for further
 * rotations in the same millisecond, `<live>.<stamp>-1`, `-2`, … When the
 * clock steps back, the previous stamp is reused with the next counter, so
 * order by name stays the order of rotation. Names are checked against the
 * disk, so a name another process took is skipped: when several processes
 * write one live file, call it under the rotation lock (`rotateLiveFile`).
 */
export class RotationNamer {
  #stamp = '';
  #counter = -1;

  /** `newest`: the newest rotated file already on disk, to continue after it. */
  constructor(newest?: RotatedFile) {
    if (newest !== undefined) {
      this.#stamp = newest.stamp;
      this.#counter = newest.counter;
    }
  }

  /** The full path to rename the live file at `livePath` to. */
  next(livePath: string, now: Date): string {
    const stamp = formatRotationStamp(now);
    let counter = 0;
    if (stamp <= this.#stamp) counter = this.#counter + 1;
    const chosen = stamp > this.#stamp ? stamp : this.#stamp;
    let name = rotatedPath(livePath, chosen, counter);
    // Rare (rotations are seconds apart), so a few stats are fine here.
    while (existsSync(name) || existsSync(`${name}.gz`) || existsSync(`${name}.gz.tmp`)) name = rotatedPath(livePath, chosen, ++counter);
    this.#stamp = chosen;
    this.#counter = counter;
    return name;
  }
}

function rotatedPath(livePath: string, stamp: string, counter: number): string {
  return `${livePath}.${stamp}${counter === 0 ? '' : `-${counter}`}`;
}
