import { lstat, readlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, parse, resolve, sep } from 'node:path';

/** The most symbolic links one lookup follows, as Linux does (`MAXSYMLINKS`). */
const MAX_LINKS = 40;

/** Where a path leads: the directories to watch, and why the walk stopped early, if it did. */
export interface LinkChain {
  /** Real directory path → the names looked up in it. */
  readonly dirs: ReadonlyMap<string, ReadonlySet<string>>;
  /** A lookup that failed for another reason than a missing entry (`EACCES`, `ELOOP` past 40 links). */
  readonly error?: Error;
}

/**
 * The directories a path resolves through, each with the names looked up in
 * it: the directory of the file itself, and the directory of every symbolic
 * link met on the way, whether it is the file (`mcpgw.yaml → /srv/mcpgw.yaml`),
 * a further hop of a chain, or a directory on the way (a ConfigMap's
 * `..data → ..2026_12_03_…`). Re-pointing any of those links, or replacing
 * the file, changes an entry of one of these directories, so watching them
 * sees every change of what the path reads.
 *
 * Directories are given as real paths (no links in them). A missing entry (a
 * dangling link, a file not there yet) ends the walk, and so does one that
 * cannot be looked up (then `error` says why); either way its directory is
 * listed, so that a fix is seen. Never rejects.
 *
 * @example
 * // /etc/mcpgw/mcpgw.yaml → /srv/config/mcpgw.yaml
 * (await resolveLinkChain('/etc/mcpgw/mcpgw.yaml')).dirs;
 * // Map { '/etc/mcpgw' => Set { 'mcpgw.yaml' }, '/srv/config' => Set { 'mcpgw.yaml' } }
 */
export async function resolveLinkChain(path: string): Promise<LinkChain> {
  const absolute = resolve(path);
  const dirs = new Map<string, Set<string>>();
  const note = (dir: string, name: string) => {
    const names = dirs.get(dir) ?? new Set<string>();
    names.add(name);
    dirs.set(dir, names);
  };
  // `dir` is always a real directory: links are replaced by their targets as they are met.
  let dir = parse(absolute).root;
  const rest = components(absolute);
  let links = 0;
  for (let name = rest.shift(); name !== undefined; name = rest.shift()) {
    if (name === '.') continue;
    if (name === '..') {
      dir = dirname(dir);
      continue;
    }
    const entry = join(dir, name);
    let target: string | null;
    try {
      target = (await lstat(entry)).isSymbolicLink() ? await readlink(entry) : null;
    } catch (error) {
      note(dir, name);
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'ENOENT' || code === 'ENOTDIR' ? { dirs } : { dirs, error: error as Error };
    }
    if (target === null) {
      if (rest.length === 0) note(dir, name);
      dir = entry;
      continue;
    }
    note(dir, name);
    if (++links > MAX_LINKS) {
      const error = Object.assign(new Error(`ELOOP: too many symbolic links resolving '${absolute}'`), { code: 'ELOOP', path: absolute });
      return { dirs, error };
    }
    if (isAbsolute(target)) dir = parse(target).root;
    rest.unshift(...components(target));
  }
  return { dirs };
}

function components(path: string): string[] {
  return path.split(sep).filter((part) => part !== '');
}
