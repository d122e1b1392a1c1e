/**
 * Why the config file could not be read, in one line of plain words: the same
 * words at startup, on reload and in `validate`. Codes without words here
 * keep Node's message, which names the code.
 *
 * ```ts
 * describeReadError(eisdir, '/tmp'); // 'cannot read config /tmp: is a directory'
 * ```
 */
export function describeReadError(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const words = code === undefined ? undefined : READ_ERRORS[code];
  return `cannot read config ${path}: ${words ?? (error instanceof Error ? error.message : String(error))}`;
}

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links (a loop?)',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error',
};
