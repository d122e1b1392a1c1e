import type { CliIo } from '../cli-io.js';
import { logLevelFromEnv, secondsOption } from '../command-line/command-options.js';
import type { OptionValues } from '../command-line/parse-command-line.js';
import { UsageError } from '../command-line/usage-error.js';
import { ExitCodes } from '../exit-codes.js';
import { Daemon } from '../daemon/daemon.js';
import { PidFile } from '../daemon/pid-file.js';
import { StartupError } from '../daemon/startup-error.js';
import { createLogger } from '../logging/create-logger.js';

/**
 * `mcpgw serve`: runs the daemon until SIGTERM/SIGINT; resolves with the exit
 * code — 0 after a drain, 1 when it cannot start or a second signal cuts the
 * drain short, 2 for a bad `MCPGW_LOG_LEVEL`, 3 when the drain timed out and
 * requests were abandoned, 70 on an internal error.
 * Throws {@link UsageError} for a bad `--drain-timeout` or `--drain-delay`.
 */
export async function serveCommand(configPath: string, values: OptionValues, io: CliIo): Promise<number> {
  const level = logLevelFromEnv('serve', io);
  if (level === undefined) return ExitCodes.USAGE;
  const drain = secondsOption(values, 'drain-timeout', 'serve', 30);
  const drainDelay = secondsOption(values, 'drain-delay', 'serve', 0);
  const pidPath = values['pid-file'];

  process.title = 'mcpgw';
  const logger = createLogger({ level });
  // Signal handlers go in before anything else: a SIGHUP or SIGTERM that
  // arrives while the daemon starts must not kill it (the default action).
  let daemon: Daemon | null = null;
  let pidFile: PidFile | null = null;
  let reloadWhenReady = false;
  let stopSignal: NodeJS.Signals | null = null;
  let forced = false;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const end = (code: number) => {
    pidFile?.remove();
    finish(code);
  };
  const drainThenEnd = (running: Daemon, signal: NodeJS.Signals) =>
    void running.shutdown(signal).then((drained) => {
      // A forced exit ends the process itself, with its own code.
      if (!forced) end(drained ? ExitCodes.OK : ExitCodes.DRAIN_TIMED_OUT);
    });
  const stop = (signal: NodeJS.Signals) => {
    if (stopSignal !== null) {
      // A second signal: stop waiting for in-flight requests; a third one does not wait for the audit log either.
      logger.warn({ signal }, 'second signal: exiting now');
      if (daemon === null || forced) return end(ExitCodes.FAILURE);
      forced = true;
      // What is still in flight is audited as abandoned, and `shutdown` written, before the exit (SPEC §5).
      void daemon.forceShutdown(signal).then(() => end(ExitCodes.FAILURE));
      return;
    }
    stopSignal = signal;
    if (daemon !== null) drainThenEnd(daemon, signal);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading config');
    if (daemon === null) reloadWhenReady = true;
    else void daemon.reload('SIGHUP');
  });
  // A bug that escapes every handler: say so, leave no PID file, exit 70 (not
  // Node's 1, which means "could not start" here).
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, `internal error: ${error.message}`);
    end(ExitCodes.INTERNAL);
  });
  // Whatever ends the process, the PID file goes with it, and no stdio upstream's server outlives it.
  process.once('exit', () => {
    pidFile?.remove();
    daemon?.killServers();
  });

  try {
    if (typeof pidPath === 'string') {
      pidFile = PidFile.claim(pidPath);
      if (pidFile.stalePid !== undefined) logger.info({ pid_file: pidPath, stale_pid: pidFile.stalePid }, `PID file ${pidPath} is left from an earlier run (PID ${pidFile.stalePid}): replacing it`);
    }
    const published = pidFile;
    daemon = await Daemon.start({
      configPath,
      logger,
      drainTimeoutMs: drain * 1000,
      drainDelayMs: drainDelay * 1000,
      watch: values['no-watch'] !== true,
      // In place before the "mcpgw listening" line: whoever saw that line finds the file.
      ...(published === null ? {} : { onListening: () => published.publish() }),
    });
  } catch (error) {
    pidFile?.remove();
    if (!(error instanceof StartupError)) throw error;
    io.err(`${error.message}\n`);
    return ExitCodes.FAILURE;
  }
  if (stopSignal !== null) drainThenEnd(daemon, stopSignal);
  else if (reloadWhenReady) void daemon.reload('SIGHUP');
  return finished;
}
