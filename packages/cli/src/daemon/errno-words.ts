/**
 * Plain words for the system error codes an operator meets at startup and
 * reload (reading the config, writing the PID file, listening), so every
 * message says the same thing for the same code.
 *
 * ```ts
 * errnoWords(eisdir); // 'is a directory'
 * errnoWords(new Error('x')); // undefined: no code, or none known here
 * ```
 */
export function errnoWords(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === undefined ? undefined : WORDS[code];
}

const WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links (a loop?)',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'no such address on this host',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed for now (DNS)',
};
