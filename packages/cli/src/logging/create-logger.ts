import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** The levels `MCPGW_LOG_LEVEL` accepts: pino's, most severe first. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The level a `MCPGW_LOG_LEVEL` value names, in any letter case; `info` when
 * it is unset or empty; `undefined` when it names no level (the CLI then
 * refuses to start, exit 2, listing {@link LOG_LEVELS}).
 */
export function parseLogLevel(text: string | undefined): LogLevel | undefined {
  if (text === undefined || text.trim() === '') return 'info';
  const level = text.trim().toLowerCase();
  return LOG_LEVELS.find((known) => known === level);
}

/**
 * The daemon's logger: pino JSON lines on stdout, or human-readable lines when
 * stdout is a terminal.
 */
export function createLogger(options: { pretty?: boolean; level?: LogLevel } = {}): Logger {
  const level = options.level ?? 'info';
  const base = { name: 'mcpgw', pid: process.pid };
  if (options.pretty ?? process.stdout.isTTY === true) {
    return pino({ level, base }, pretty({ colorize: true, sync: true, ignore: 'pid,hostname,name' }));
  }
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: true }));
}
