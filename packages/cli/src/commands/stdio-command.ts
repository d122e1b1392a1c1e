import { basename } from 'node:path';
import { PolicyHandle, type GatewayAuditEvent } from '@mcpgw/core';
import { ServerProcess, StdioGateway } from '@mcpgw/stdio';
import type { CliIo } from '../cli-io.js';
import { logLevelFromEnv, secondsOption } from '../command-line/command-options.js';
import type { OptionValues } from '../command-line/parse-command-line.js';
import { UsageError } from '../command-line/usage-error.js';
import { errnoWords } from '../daemon/errno-words.js';
import { ExitCodes } from '../exit-codes.js';
import { createLogger, type Logger } from '../logging/create-logger.js';
import { ConfigReloader } from '../reload/config-reloader.js';
import { createTelemetry } from '../telemetry/create-telemetry.js';
import { VERSION } from '../version.js';

/** How `mcpgw stdio` reads its config: a wrapped server needs no `upstreams` (SPEC §10). */
const PARSE = { requireUpstreams: false } as const;
/** The longest wait for the client to take the last answers before exiting. */
const FLUSH_MS = 2_000;

/**
 * `mcpgw stdio --config FILE -- COMMAND [ARGS...]` (SPEC §10): runs COMMAND
 * as a stdio MCP server behind the policy, speaking the protocol on this
 * process's stdin and stdout; logs go to stderr or `--log-file`, never
 * stdout. SIGHUP and saving the file reload; the server is ended when the
 * client closes stdin or on SIGTERM/SIGINT. Resolves with the server's exit
 * status — 127/126 when it cannot be started, 1 for a config or log file
 * that will not do, 2 for a bad `MCPGW_LOG_LEVEL`.
 * Throws {@link UsageError} for a bad `--grace` or `--name`.
 */
export async function stdioCommand(configPath: string, values: OptionValues, command: readonly string[], io: CliIo): Promise<number> {
  const level = logLevelFromEnv('stdio', io);
  if (level === undefined) return ExitCodes.USAGE;
  const graceMs = secondsOption(values, 'grace', 'stdio', 1) * 1000;
  const name = values['name'];
  if (typeof name === 'string' && !/^[a-z0-9-]+$/.test(name)) throw new UsageError(`--name must use only lowercase letters, digits and dashes, as upstream names do (got ${JSON.stringify(name)})`, 'stdio');
  const [file, ...args] = command as [string, ...string[]];

  const logFile = values['log-file'];
  let logger: Logger;
  try {
    logger = createLogger({ level, destination: typeof logFile === 'string' ? logFile : 2 });
  } catch (error) {
    io.err(`mcpgw stdio: cannot write the log file ${String(logFile)}: ${errnoWords(error) ?? (error as Error).message}\n`);
    return ExitCodes.FAILURE;
  }

  // Signal handlers before anything else: a signal while starting must not kill mcpgw and leave the server.
  let gateway: StdioGateway | null = null;
  let reloader: ConfigReloader | null = null;
  let stopSignal: NodeJS.Signals | null = null;
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, stopSignal === null ? `${signal}: ending the server` : `${signal} again: killing the server`);
    stopSignal = signal;
    gateway?.stop();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading config');
    void reloader?.reload('SIGHUP');
  });

  let loaded;
  try {
    loaded = await ConfigReloader.read(configPath, PARSE);
  } catch (error) {
    io.err(`${ConfigReloader.describeReadFailure(error, configPath)}\n`);
    return ExitCodes.FAILURE;
  }
  if (stopSignal !== null) return ExitCodes.FAILURE;
  const { config, text } = loaded;
  const { policy, cache } = ConfigReloader.compile(config);
  const handle = new PolicyHandle(policy);
  const running = new ConfigReloader({ configPath, handle, cache, config, text, logger, watch: values['no-watch'] !== true, parse: PARSE });
  reloader = running;
  const serverName = typeof name === 'string' ? name : (config.default_upstream ?? basename(file));

  const server = ServerProcess.spawn({ command: file, args, graceMs });
  // A bug that escapes every handler: say so, end the server, exit 70.
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, `internal error: ${error.message}`);
    server.kill();
    process.exit(ExitCodes.INTERNAL);
  });
  const started = Date.now();
  if (server.pid === undefined) {
    // Not started (not found, not executable): nothing to relay.
    const exit = await server.exited;
    const error = exit.error;
    const why = error?.code === 'ENOENT' ? 'command not found' : (errnoWords(error) ?? error?.message ?? 'unknown error');
    io.err(`mcpgw stdio: cannot run ${JSON.stringify(file)}: ${why}${error?.code === undefined ? '' : ` (${error.code})`}\n`);
    running.stop();
    await running.idle();
    await running.closeAudit();
    return exit.code;
  }
  const rules = handle.policy.ruleCount;
  running.audit({ event: 'startup', version: VERSION, pid: process.pid, mode: 'stdio', server: serverName, server_pid: server.pid, rules, generation: handle.generation });
  logger.info({ server: serverName, command: basename(file), server_pid: server.pid, rules, version: VERSION }, `mcpgw stdio: serving ${serverName} (pid ${server.pid})`);
  const telemetry = createTelemetry(config.telemetry?.customer, { logger, transport: 'pipe' });
  const live = StdioGateway.start({ handle, server, serverName, onAudit: (event) => record(running, logger, event), ...(telemetry?.tracer == null ? {} : { tracer: telemetry.tracer }) });
  gateway = live;
  if (stopSignal !== null) live.stop();
  await running.start();

  const { ended, exit } = await live.done;
  running.stop();
  await running.idle();
  const how = exit.signal === null ? `exited with code ${exit.code}` : `was ended by ${exit.signal}`;
  logger.info({ server: serverName, ended, code: exit.code, signal: exit.signal }, `mcpgw stdio: server ${how}`);
  running.audit({ event: 'shutdown', mode: 'stdio', ended, ...(stopSignal === null ? {} : { signal: stopSignal }), server_code: exit.code, server_signal: exit.signal, duration_ms: Date.now() - started });
  // The last spans go to the collector while the client takes the last answers (each bounded).
  await Promise.all([
    telemetry?.shutdown(),
    Promise.race([Promise.all([running.closeAudit(), flushed(process.stdout)]), new Promise((resolve) => setTimeout(resolve, FLUSH_MS).unref())]),
  ]);
  return exit.code;
}

/** Writes a gateway event to the audit log; lines that were not messages are logged too (they are thinned). */
function record(reloader: ConfigReloader, logger: Logger, event: GatewayAuditEvent): void {
  reloader.audit(event);
  if (event.event === 'request_refused') logger.warn({ reason: event.reason, bytes: event.bytes, suppressed: event.suppressed }, `client line refused: ${event.message}`);
  else if (event.event === 'server_message_dropped') logger.warn({ reason: event.reason, bytes: event.bytes, suppressed: event.suppressed }, `server line dropped: ${event.message}`);
}

/** Resolves when what was written to `stream` so far has been handed to the OS. */
function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    if ((stream as { destroyed?: boolean }).destroyed === true) return resolve();
    stream.write('', () => resolve());
  });
}
