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
 * mcpgw's logger: pino JSON lines on stdout (the daemon), on stderr or
 * appended to a file (`mcpgw stdio`, whose stdout is the protocol), or
 * human-readable lines when the destination is a terminal.
 */
export function createLogger(options: { pretty?: boolean; level?: LogLevel; destination?: 1 | 2 | string } = {}): Logger {
  const level = options.level ?? 'info';
  const base = { name: 'mcpgw', pid: process.pid };
  const destination = options.destination ?? 1;
  const tty = destination === 1 ? process.stdout.isTTY === true : destination === 2 ? process.stderr.isTTY === true : false;
  if (options.pretty ?? tty) {
    return pino({ level, base }, pretty({ colorize: true, sync: true, destination: typeof destination === 'number' ? destination : 1, ignore: 'pid,hostname,name' }));
  }
  const dest = typeof destination === 'number' ? { dest: destination, sync: true } : { dest: destination, sync: true, append: true, mkdir: true };
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(dest));
}
