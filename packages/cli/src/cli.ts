import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, configJsonSchema, parseConfig } from '@mcpgw/core';
import { Daemon, StartupError } from './daemon/daemon.js';
import { createLogger } from './logging/create-logger.js';
import { VERSION } from './version.js';

const USAGE = `mcpgw ${VERSION} — policy gateway for the Model Context Protocol

Usage:
  mcpgw serve    --config mcpgw.yaml   run the gateway (SIGHUP reloads, SIGTERM drains)
  mcpgw validate --config mcpgw.yaml   check a config: exit 0, or 1 listing every problem
  mcpgw schema                         print the JSON Schema of mcpgw.yaml
  mcpgw --help | --version

Options for serve:
  --config FILE          config file (default: mcpgw.yaml, or $MCPGW_CONFIG)
  --drain-timeout SECS   longest wait for in-flight requests at shutdown (default 30)
  --no-watch             reload on SIGHUP only, not when the file changes
`;

/** Output streams, injectable for tests. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const STDIO: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Runs the CLI; resolves with the exit code (serve resolves only when the daemon stops). */
export async function main(argv: readonly string[], io: CliIo = STDIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        'drain-timeout': { type: 'string' },
        'no-watch': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    io.err(`mcpgw: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.out(`${VERSION}\n`);
    return 0;
  }
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    io.out(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const configPath = values.config ?? process.env['MCPGW_CONFIG'] ?? 'mcpgw.yaml';
  switch (command) {
    case 'schema':
      io.out(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
      return 0;
    case 'validate':
      return validate(configPath, io);
    case 'serve': {
      const drain = values['drain-timeout'] === undefined ? 30 : Number(values['drain-timeout']);
      if (!Number.isFinite(drain) || drain < 0) {
        io.err(`mcpgw: --drain-timeout must be a number of seconds (got "${values['drain-timeout']}")\n`);
        return 2;
      }
      return serve(configPath, drain * 1000, values['no-watch'] !== true, io);
    }
    default:
      io.err(`mcpgw: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function validate(path: string, io: CliIo): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    io.err(`cannot read config ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}\n`);
    return 1;
  }
  try {
    const config = parseConfig(text);
    io.out(`${path}: ok (upstreams=${config.upstreams.length}, rules=${config.policy.rules.length})\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`${error.format(path)}\n`);
      return 1;
    }
    throw error;
  }
}

async function serve(configPath: string, drainTimeoutMs: number, watch: boolean, io: CliIo): Promise<number> {
  process.title = 'mcpgw';
  const logger = createLogger();
  // Signal handlers go in before anything else: a SIGHUP or SIGTERM that
  // arrives while the daemon starts must not kill it (the default action).
  let daemon: Daemon | null = null;
  let reloadWhenReady = false;
  let stopSignal: NodeJS.Signals | null = null;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const stop = (signal: NodeJS.Signals) => {
    if (stopSignal !== null) {
      // A second signal: stop waiting for in-flight requests.
      logger.warn({ signal }, 'second signal: exiting now');
      finish(1);
      return;
    }
    stopSignal = signal;
    if (daemon !== null) void daemon.shutdown(signal).then(() => finish(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading config');
    if (daemon === null) reloadWhenReady = true;
    else void daemon.reload('SIGHUP');
  });

  try {
    daemon = await Daemon.start({ configPath, logger, drainTimeoutMs, watch });
  } catch (error) {
    if (error instanceof StartupError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (stopSignal !== null) void daemon.shutdown(stopSignal).then(() => finish(0));
  else if (reloadWhenReady) void daemon.reload('SIGHUP');
  return finished;
}
