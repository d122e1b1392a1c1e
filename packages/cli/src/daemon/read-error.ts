/** Why the config file could not be read, in one line: the same words at startup and on reload. */
export function describeReadError(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return `cannot read config ${path}: no such file`;
  if (code === 'EACCES') return `cannot read config ${path}: permission denied`;
  return `cannot read config ${path}: ${error instanceof Error ? error.message : String(error)}`;
}
