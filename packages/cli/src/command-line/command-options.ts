import type { CliIo } from '../cli-io.js';
import { LOG_LEVELS, parseLogLevel, type LogLevel } from '../logging/create-logger.js';
import type { OptionValues } from './parse-command-line.js';
import { UsageError } from './usage-error.js';

/**
 * The log level `MCPGW_LOG_LEVEL` names (default info), or `undefined` after
 * saying on stderr, in one line, that it names none: the caller exits 2.
 */
export function logLevelFromEnv(command: string, io: CliIo): LogLevel | undefined {
  const raw = process.env['MCPGW_LOG_LEVEL'];
  const level = parseLogLevel(raw);
  if (level === undefined) io.err(`mcpgw ${command}: MCPGW_LOG_LEVEL=${JSON.stringify(raw)} is not a log level; use one of ${LOG_LEVELS.join(', ')}\n`);
  return level;
}

/**
 * An option given in seconds, as plain decimal seconds only (Number() would
 * read " " as 0 and 0x10 as 16), or `fallback` when it is absent. Throws a
 * {@link UsageError} for anything else.
 */
export function secondsOption(values: OptionValues, name: string, command: string, fallback: number): number {
  const text = values[name];
  if (typeof text !== 'string') return fallback;
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`--${name} must be a number of seconds (got ${JSON.stringify(text)})`, command);
  return Number(text);
}
