import { parseArgs } from 'node:util';
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './command-specs.js';
import { didYouMean } from './did-you-mean.js';
import { UsageError } from './usage-error.js';

/** The option values of a command line, by long name. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** What a valid command line asks for. */
export type CommandLine =
  | { readonly kind: 'version' }
  | { readonly kind: 'help'; readonly command: CommandSpec | undefined }
  | { readonly kind: 'run'; readonly command: CommandSpec; readonly values: OptionValues; readonly trailing: readonly string[] };

/**
 * Reads `mcpgw`'s arguments: the command first, then its own options. Throws
 * {@link UsageError} for anything else — an unknown command or option, an
 * option of another command, a stray argument, a missing value — with a
 * did-you-mean where one is close (SPEC §6: never silently ignored).
 *
 * ```ts
 * parseCommandLine(['validate', '--config', 'a.yaml']); // { kind: 'run', command: validate, values: { config: 'a.yaml' } }
 * parseCommandLine(['validate', 'a.yaml']);             // throws: unexpected argument "a.yaml"; did you mean --config a.yaml?
 * ```
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('no command given');
  if (first.startsWith('-')) {
    const commandNamed = argv.find((arg) => COMMANDS.some((command) => command.name === arg));
    const { values } = readOptions(argv, GLOBAL_OPTIONS, undefined, { positionals: 0, commandNamed });
    return values['version'] === true ? { kind: 'version' } : { kind: 'help', command: undefined };
  }
  if (first === 'help') {
    // `mcpgw help license sign`: a command of two words.
    const { positionals } = readOptions(rest, { help: GLOBAL_OPTIONS['help'] as OptionSpec }, undefined, { positionals: rest[0] === LICENSE ? 2 : 1 });
    const name = positionals.join(' ');
    return { kind: 'help', command: name === '' || name === LICENSE ? undefined : findCommand(name) };
  }
  const [command, args] = first === LICENSE ? findLicenseCommand(rest) : [findCommand(first), rest];
  if (command === undefined) return { kind: 'help', command: undefined };
  if (command.trailing === undefined) {
    const { values } = readOptions(args, command.options, command);
    return values['help'] === true ? { kind: 'help', command } : { kind: 'run', command, values, trailing: [] };
  }
  // Everything after the first `--` is another program's command line: passed on as it is.
  const dash = args.indexOf('--');
  const trailing = dash === -1 ? [] : args.slice(dash + 1);
  let values: OptionValues;
  try {
    ({ values } = readOptions(dash === -1 ? args : args.slice(0, dash), command.options, command));
  } catch (error) {
    // `mcpgw stdio --config a.yaml node server.js`: the server's command without its `--`.
    const stray = dash === -1 && error instanceof UsageError ? /^unexpected argument "(?:[^"\\]|\\.)*"/.exec(error.message)?.[0] : undefined;
    if (stray !== undefined) throw new UsageError(`${stray}; the server command goes after --, as in mcpgw stdio --config FILE -- COMMAND [ARGS...]`, command.name);
    throw error;
  }
  if (values['help'] === true) return { kind: 'help', command };
  if (trailing.length === 0) throw new UsageError('no server command: give it after --, as in mcpgw stdio --config FILE -- COMMAND [ARGS...]', command.name);
  return { kind: 'run', command, values, trailing };
}

/** The first word of the `license` commands. */
const LICENSE = 'license';

/**
 * `license show` or `license sign` from the word after `license`; `undefined`
 * for `mcpgw license --help` (the general usage lists both).
 */
function findLicenseCommand(rest: readonly string[]): [CommandSpec | undefined, readonly string[]] {
  const [word, ...args] = rest;
  const names = COMMANDS.filter((command) => command.name.startsWith(`${LICENSE} `)).map((command) => command.name);
  if (word === '--help' || word === '-h') return [undefined, args];
  if (word === undefined || word.startsWith('-')) throw new UsageError(`license needs a command: ${names.join(' or ')}`);
  const command = COMMANDS.find((candidate) => candidate.name === `${LICENSE} ${word}`);
  if (command !== undefined) return [command, args];
  const similar = didYouMean(`${LICENSE} ${word}`, names);
  throw new UsageError(`unknown command ${quote(`${LICENSE} ${word}`)}${similar === undefined ? `; use ${names.join(' or ')}` : `; did you mean "${similar}"?`}`);
}

function findCommand(name: string): CommandSpec {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command !== undefined) return command;
  // `mcpgw version` (or `—version`, pasted) meant the option `--version`.
  const bare = name.replace(DASH_LOOKALIKE, '');
  const similar = didYouMean(name, COMMANDS.map((candidate) => candidate.name));
  const hint = Object.hasOwn(GLOBAL_OPTIONS, bare) ? `--${bare}` : similar === undefined ? undefined : `"${similar}"`;
  throw new UsageError(`unknown command ${quote(name)}${hint === undefined ? '' : `; did you mean ${hint}?`}`);
}

/**
 * Checks every argument against `options` — our own messages, with
 * suggestions — and collects the values. parseArgs' strict mode would let a
 * repeated option through (last wins), so the values are taken from its tokens.
 */
function readOptions(
  args: readonly string[],
  options: Readonly<Record<string, OptionSpec>>,
  command: CommandSpec | undefined,
  limits: { positionals: number; commandNamed?: string | undefined } = { positionals: 0 },
): { values: OptionValues; positionals: readonly string[] } {
  for (const [index, arg] of args.entries()) {
    // `-config` would read as `-c onfig`: almost certainly a long option with one dash.
    const long = /^-([a-z][a-z-]+)(=.*)?$/.exec(arg)?.[1];
    if (long !== undefined && Object.hasOwn(options, long)) throw new UsageError(`${arg} has one dash; did you mean --${long}?`, command?.name);
    // parseArgs would read `-—config` as short options `-—`, `-c`, …; one without the ASCII dash is a stray word (below).
    if (arg.startsWith('-') && DASH_LOOKALIKE.test(arg)) throw pastedDashes(arg, args[index + 1], options, command);
  }
  const { tokens = [] } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const positionals: string[] = [];
  const values: Record<string, string | boolean> = {};
  for (const token of tokens) {
    if (token.kind === 'positional') {
      if (positionals.length >= limits.positionals) throw strayArgument(token, tokens, options, command);
      positionals.push(token.value);
    } else if (token.kind === 'option') {
      // Own keys only: `--constructor` is no option.
      const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
      if (option === undefined) throw unknownOption(token.rawName, options, command, limits.commandNamed);
      if (option.type === 'boolean' && token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`, command?.name);
      // A value that starts with a dash is the next option, its value forgotten,
      // unless it is a negative number (`--drain-timeout -1`): that is a bad value, said as such.
      const nextOption = !token.inlineValue && token.value?.startsWith('-') === true && !/^-[\d.]/.test(token.value);
      if (option.type === 'string' && (token.value === undefined || token.value === '' || nextOption)) {
        throw new UsageError(`${token.rawName} needs a value (${token.rawName} ${option.value ?? 'VALUE'})`, command?.name);
      }
      // Last-wins would silently ignore the first one (SPEC §6).
      if (Object.hasOwn(values, token.name)) throw new UsageError(`--${token.name} given twice`, command?.name);
      values[token.name] = option.type === 'boolean' ? true : (token.value as string);
    }
  }
  return { values, positionals };
}

type Tokens = ReturnType<typeof parseArgs>['tokens'];

type Token = NonNullable<Tokens>[number];

function strayArgument(token: Token & { kind: 'positional' }, tokens: Tokens, options: Readonly<Record<string, OptionSpec>>, command: CommandSpec | undefined): UsageError {
  const { value } = token;
  if (DASH_LOOKALIKE.test(value)) {
    const next = tokens?.find((other) => other.kind === 'positional' && other.index === token.index + 1);
    return pastedDashes(value, next?.kind === 'positional' ? next.value : undefined, options, command);
  }
  // `mcpgw validate bad.yaml` meant the config file: say how to give it.
  const configGiven = (tokens ?? []).some((other) => other.kind === 'option' && other.name === 'config');
  const hint = 'config' in options && !configGiven ? `; did you mean --config ${shellWord(value)}?` : '';
  return new UsageError(`unexpected argument ${quote(value)}${hint}`, command?.name);
}

/** An en dash, em dash or minus sign where a `-` belongs, with or without ASCII dashes around it. */
const DASH_LOOKALIKE = /^-*[\u2013\u2014\u2212][-\u2013\u2014\u2212]*/;

/**
 * `—config a.yaml`: the `--` turned into a dash by a word processor. Refused
 * like any stray word, with the option it meant and its value (inline, or the
 * next argument) as the suggestion: `did you mean --config a.yaml?`.
 */
function pastedDashes(word: string, next: string | undefined, options: Readonly<Record<string, OptionSpec>>, command: CommandSpec | undefined): UsageError {
  const [name = '', ...inline] = word.replace(DASH_LOOKALIKE, '').split('=');
  const flag = Object.hasOwn(options, name) ? `--${name}` : didYouMean(`--${name}`, Object.keys(options).map((long) => `--${long}`));
  const value = inline.length > 0 ? inline.join('=') : next;
  const withValue = options[flag?.slice(2) ?? '']?.type === 'string' && value !== undefined && value !== '' && !/^[-\u2013\u2014\u2212]/.test(value);
  const meant = flag === undefined ? '' : `; did you mean ${flag}${withValue ? ` ${shellWord(value)}` : ''}?`;
  return new UsageError(`unexpected argument ${quote(word)}${meant}`, command?.name);
}

function unknownOption(raw: string, options: Readonly<Record<string, OptionSpec>>, command: CommandSpec | undefined, commandNamed: string | undefined): UsageError {
  const name = raw.replace(/^--?/, '');
  const owners = raw.startsWith('--') ? COMMANDS.filter((other) => other !== command && Object.hasOwn(other.options, name)) : [];
  if (owners.length > 0) {
    const names = owners.map((owner) => owner.name).join(', ').replace(/, ([^,]*)$/, ' and $1');
    const fix = command === undefined ? `; the command comes first: mcpgw ${commandNamed ?? owners[0]?.name} ${raw} …` : '';
    return new UsageError(`${raw} is an option of ${names}, not of ${command === undefined ? 'mcpgw itself' : command.name}${fix}`, command?.name);
  }
  // `--watch` where only `--no-watch` exists: watching is what happens without it.
  if (raw.startsWith('--') && Object.hasOwn(options, `no-${name}`)) return new UsageError(`unknown option ${quote(raw)}; it is the default (--no-${name} turns it off)`, command?.name);
  const suggestion = raw.startsWith('--') ? didYouMean(raw, Object.keys(options).map((long) => `--${long}`)) : undefined;
  return new UsageError(`unknown option ${quote(raw)}${suggestion === undefined ? '' : `; did you mean ${suggestion}?`}`, command?.name);
}

/**
 * A word in double quotes; a character beyond ASCII is named, since `servе`
 * with a Cyrillic `е` looks exactly like `serve`.
 */
function quote(word: string): string {
  const quoted = JSON.stringify(word);
  const odd = [...word].find((char) => (char.codePointAt(0) ?? 0) > 0x7e);
  if (odd === undefined) return quoted;
  const code = `U+${(odd.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `${quoted} (it contains ${code}, not an ASCII ${/\p{L}/u.test(odd) ? 'letter' : 'character'})`;
}

function shellWord(value: string): string {
  return /^[\w./:@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}
