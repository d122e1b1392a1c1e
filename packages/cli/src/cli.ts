import { configJsonSchema } from '@mcpgw/core';
import { STDIO, type CliIo } from './cli-io.js';
import { commandUsage, COMMANDS, generalUsage } from './command-line/command-specs.js';
import { parseCommandLine, type CommandLine } from './command-line/parse-command-line.js';
import { UsageError } from './command-line/usage-error.js';
import { licenseShowCommand, licenseSignCommand } from './commands/license-command.js';
import { serveCommand } from './commands/serve-command.js';
import { stdioCommand } from './commands/stdio-command.js';
import { validateCommand } from './commands/validate-command.js';
import { ExitCodes } from './exit-codes.js';
import { VERSION } from './version.js';

export type { CliIo };

/**
 * Runs the `mcpgw` command line; resolves with the exit code (`serve` only
 * when the daemon stops): 0 ok, 1 invalid config or the daemon could not run
 * (or a second signal cut its drain short), 2 usage error, 3 the drain timed
 * out and requests were abandoned, 70 internal error. Never rejects.
 *
 * ```ts
 * process.exit(await main(process.argv.slice(2)));
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = STDIO): Promise<number> {
  try {
    return await run(parseCommandLine(argv), io);
  } catch (error) {
    if (error instanceof UsageError) {
      const command = COMMANDS.find((candidate) => candidate.name === error.command);
      const where = command === undefined ? 'mcpgw' : `mcpgw ${command.name}`;
      io.err(`${where}: ${error.message}\n\n${command === undefined ? generalUsage() : commandUsage(command)}`);
      return ExitCodes.USAGE;
    }
    io.err(`mcpgw: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCodes.INTERNAL;
  }
}

async function run(line: CommandLine, io: CliIo): Promise<number> {
  if (line.kind === 'version') {
    io.out(`${VERSION}\n`);
    return ExitCodes.OK;
  }
  if (line.kind === 'help') {
    io.out(line.command === undefined ? generalUsage() : commandUsage(line.command));
    return ExitCodes.OK;
  }
  const { command, values } = line;
  const configPath = typeof values['config'] === 'string' ? values['config'] : (process.env['MCPGW_CONFIG'] ?? 'mcpgw.yaml');
  switch (command.name) {
    case 'schema':
      io.out(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
      return ExitCodes.OK;
    case 'validate':
      return validateCommand(configPath, io);
    case 'serve':
      return serveCommand(configPath, values, io);
    case 'stdio':
      return stdioCommand(configPath, values, line.trailing, io);
    case 'license show':
      return licenseShowCommand(configPath, io);
    case 'license sign':
      return licenseSignCommand(values, io);
    default:
      throw new Error(`command "${command.name}" has no implementation`);
  }
}
