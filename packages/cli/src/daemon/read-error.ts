import { errnoWords } from './errno-words.js';

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
  return `cannot read config ${path}: ${errnoWords(error) ?? (error instanceof Error ? error.message : String(error))}`;
}
