import { LOG_LEVELS } from '../logging/create-logger.js';
import { VERSION } from '../version.js';

/** One option of a command, as node:util parseArgs takes it, plus its help line. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's placeholder in help (`FILE`, `SECS`), for string options. */
  readonly value?: string;
  readonly help: string;
}

/** A command of the `mcpgw` CLI: its name, what it does, and the options it accepts. */
export interface CommandSpec {
  readonly name: string;
  readonly synopsis: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly notes?: string;
  /**
   * `command`: after its options and a `--`, the command takes a command
   * line of its own (`mcpgw stdio … -- COMMAND [ARGS...]`), passed on
   * verbatim and required.
   */
  readonly trailing?: 'command';
}

const HELP: OptionSpec = { type: 'boolean', short: 'h', help: 'show this help' };
const CONFIG: OptionSpec = { type: 'string', short: 'c', value: 'FILE', help: 'config file (default: $MCPGW_CONFIG, else mcpgw.yaml)' };

/**
 * The commands this version has; `license sign` and `license show` are named
 * by two words. SPEC §6 lists more (test, eval, pins); they are not built
 * yet, so they are unknown commands here.
 */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'serve',
    synopsis: 'mcpgw serve --config FILE [--pid-file FILE] [--drain-delay SECS] [--drain-timeout SECS] [--no-watch]',
    summary: 'Run the gateway. SIGHUP (or saving the config) reloads the policy; SIGTERM or SIGINT drains and exits.',
    options: {
      config: CONFIG,
      'pid-file': { type: 'string', value: 'FILE', help: 'write the PID here once listening, for kill -HUP "$(cat FILE)"; removed on exit' },
      'drain-delay': { type: 'string', value: 'SECS', help: 'at shutdown, keep serving this long after /readyz turns 503, for load balancers to stop sending (default 0)' },
      'drain-timeout': { type: 'string', value: 'SECS', help: 'longest wait for in-flight requests at shutdown, once the listener is closed (default 30)' },
      'no-watch': { type: 'boolean', help: 'reload on SIGHUP only, not when the config file changes' },
      help: HELP,
    },
    notes: `Environment: MCPGW_CONFIG (config path), MCPGW_LOG_LEVEL (${LOG_LEVELS.join(', ')}; default info).`,
  },
  {
    name: 'stdio',
    synopsis: 'mcpgw stdio --config FILE [--log-file FILE] [--no-watch] [--name NAME] [--grace SECS] -- COMMAND [ARGS...]',
    summary:
      'Run a stdio MCP server (COMMAND) behind the policy: a drop-in for an MCP client\'s server entry. stdin and stdout carry the protocol; SIGHUP (or saving the config) reloads; the server ends when the client closes stdin, and mcpgw exits with its code.',
    options: {
      config: CONFIG,
      'log-file': { type: 'string', value: 'FILE', help: 'append log lines to FILE instead of stderr (never stdout: it is the protocol)' },
      'no-watch': { type: 'boolean', help: 'reload on SIGHUP only, not when the config file changes' },
      name: { type: 'string', value: 'NAME', help: "the server's name in rules (match.upstream) and audit (default: default_upstream, else the command's file name)" },
      grace: { type: 'string', value: 'SECS', help: 'at the end, wait this long after closing the server\'s stdin before SIGTERM, and again before SIGKILL (default 1)' },
      help: HELP,
    },
    notes: `Environment: MCPGW_CONFIG (config path), MCPGW_LOG_LEVEL (${LOG_LEVELS.join(', ')}; default info).
Exit status: the server's (128 + the signal number when a signal ended it); 127 when COMMAND is not found, 126 when it cannot be run; 1 for an invalid config, 2 for a usage error.`,
    trailing: 'command',
  },
  {
    name: 'validate',
    synopsis: 'mcpgw validate --config FILE',
    summary: 'Check a config file: exit 0, or 1 listing every problem with its line.',
    options: { config: CONFIG, help: HELP },
  },
  {
    name: 'license show',
    synopsis: 'mcpgw license show --config FILE',
    summary:
      "Print the license as the daemon would see it at start: licensee, issued, expires, entitlements, status (valid, unverified, invalid signature, expired or unreadable) and days left. Exit 0 when valid or unverified, 1 otherwise.",
    options: { config: CONFIG, help: HELP },
  },
  {
    name: 'license sign',
    synopsis: 'mcpgw license sign --key FILE --licensee NAME --expires DATE [--entitlements LIST] [--issued DATE] [--out FILE]',
    summary: "Issue a license signed with the issuer's Ed25519 private key (for issuers and tests). Prints it, or writes it to --out.",
    options: {
      key: { type: 'string', value: 'FILE', help: "the issuer's Ed25519 private key, unencrypted PEM (openssl genpkey -algorithm ed25519)" },
      licensee: { type: 'string', value: 'NAME', help: 'who the license is for' },
      expires: { type: 'string', value: 'DATE', help: 'when it stops being valid: 2027-12-31 (its first second, UTC) or 2027-12-31T12:00:00Z' },
      entitlements: { type: 'string', value: 'LIST', help: 'what it grants, comma-separated (default: none)' },
      issued: { type: 'string', value: 'DATE', help: 'when it is issued, as --expires (default: now)' },
      out: { type: 'string', short: 'o', value: 'FILE', help: 'write the license to FILE instead of stdout' },
      help: HELP,
    },
  },
  {
    name: 'schema',
    synopsis: 'mcpgw schema',
    summary: 'Print the JSON Schema of mcpgw.yaml, for editors.',
    options: { help: HELP },
  },
];

/** The options accepted before any command: `mcpgw --help`, `mcpgw --version`. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  help: HELP,
  version: { type: 'boolean', short: 'v', help: 'print the version' },
};

/** What `mcpgw --help` prints. */
export function generalUsage(): string {
  return `mcpgw ${VERSION} — policy gateway for the Model Context Protocol

Usage:
  mcpgw serve    --config mcpgw.yaml [--pid-file F]   run the gateway (SIGHUP reloads, SIGTERM drains)
  mcpgw stdio    --config mcpgw.yaml -- COMMAND ...   run a stdio MCP server behind the policy
  mcpgw validate --config mcpgw.yaml                  check a config: exit 0, or 1 listing every problem
  mcpgw schema                                        print the JSON Schema of mcpgw.yaml
  mcpgw license show --config mcpgw.yaml              the license as the daemon sees it, and its status
  mcpgw license sign --key F --licensee N ...         issue a signed license (see its --help)
  mcpgw COMMAND --help                                a command's options
  mcpgw --help | --version

Exit codes: 0 ok, 1 invalid config, the daemon could not run, or the license is not valid, 2 usage error, 70 internal error.
`;
}

/** What `mcpgw COMMAND --help` prints. */
export function commandUsage(command: CommandSpec): string {
  const rows = Object.entries(command.options).map(([name, option]) => {
    const flag = `${option.short === undefined ? '    ' : `-${option.short}, `}--${name}${option.value === undefined ? '' : ` ${option.value}`}`;
    return [flag, option.help] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  const lines = rows.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`);
  return `Usage: ${command.synopsis}

${command.summary}

Options:
${lines.join('\n')}
${command.notes === undefined ? '' : `\n${command.notes}\n`}`;
}
