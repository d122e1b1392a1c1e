import { errnoWords } from './errno-words.js';

/**
 * Why the daemon cannot listen on `listen`, in plain words with the code in
 * parentheses: the code is what runbooks and searches know (and what this
 * line said alone before), the words are for whoever reads it first.
 *
 * ```ts
 * describeListenError(eaddrinuse, '127.0.0.1:8080'); // 'cannot listen on 127.0.0.1:8080: address already in use (EADDRINUSE)'
 * ```
 */
export function describeListenError(error: NodeJS.ErrnoException, listen: string, port: number): string {
  const { code } = error;
  if (code === undefined) return `cannot listen on ${listen}: ${error.message}`;
  let words = errnoWords(error) ?? error.message;
  if (code === 'EACCES' && port > 0 && port < 1024) words += ', ports below 1024 need privileges';
  return `cannot listen on ${listen}: ${words}${words.includes(code) ? '' : ` (${code})`}`;
}
