/**
 * The exit codes of `mcpgw` (docs/configuration.md#exit-codes; a test runs
 * each documented one):
 * - `OK` 0: a valid config, a clean shutdown, help or version printed;
 * - `FAILURE` 1: an invalid or unreadable config, or the daemon could not
 *   run as asked (cannot listen, PID file taken) or a second signal cut its
 *   drain short; `license show` found no license the daemon would accept,
 *   `license sign` could not use its key or write the file;
 * - `USAGE` 2: the command line or `MCPGW_LOG_LEVEL` is wrong; nothing ran;
 * - `DRAIN_TIMED_OUT` 3: the daemon stopped after SIGTERM/SIGINT, but
 *   requests were still in flight when the drain timeout ran out: they were
 *   abandoned (each audited with outcome `abandoned`);
 * - `INTERNAL` 70 (EX_SOFTWARE): a bug in mcpgw.
 */
export const ExitCodes = { OK: 0, FAILURE: 1, USAGE: 2, DRAIN_TIMED_OUT: 3, INTERNAL: 70 } as const;
