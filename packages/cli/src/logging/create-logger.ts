import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * The daemon's logger: pino JSON lines on stdout, or human-readable lines when
 * stdout is a terminal. `MCPGW_LOG_LEVEL` sets the level (default info).
 */
export function createLogger(options: { pretty?: boolean; level?: string } = {}): Logger {
  const level = options.level ?? process.env['MCPGW_LOG_LEVEL'] ?? 'info';
  const base = { name: 'mcpgw', pid: process.pid };
  if (options.pretty ?? process.stdout.isTTY === true) {
    return pino({ level, base }, pretty({ colorize: true, sync: true, ignore: 'pid,hostname,name' }));
  }
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: true }));
}
