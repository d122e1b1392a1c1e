import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../dist/command-line/did-you-mean.js';
import { parseCommandLine } from '../../dist/command-line/parse-command-line.js';
import { UsageError } from '../../dist/command-line/usage-error.js';

/** The usage error a command line gives: the command whose usage follows, and the message. */
function refusal(argv: readonly string[]): { command: string | undefined; message: string } {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) return { command: error.command, message: error.message };
    throw error;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('reads a command and its options, short or long, with = or a separate value', () => {
    expect(parseCommandLine(['serve', '-c', 'a.yaml', '--pid-file=/run/mcpgw.pid', '--no-watch'])).toMatchObject({
      kind: 'run',
      command: { name: 'serve' },
      values: { config: 'a.yaml', 'pid-file': '/run/mcpgw.pid', 'no-watch': true },
    });
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'version' });
    expect(parseCommandLine(['help', 'validate'])).toMatchObject({ kind: 'help', command: { name: 'validate' } });
    expect(parseCommandLine(['schema', '-h'])).toMatchObject({ kind: 'help', command: { name: 'schema' } });
  });

  it('a value that is missing, empty, or looks like the next option is refused', () => {
    expect(refusal(['validate', '--config'])).toEqual({ command: 'validate', message: '--config needs a value (--config FILE)' });
    expect(refusal(['validate', '--config='])).toEqual({ command: 'validate', message: '--config needs a value (--config FILE)' });
    expect(refusal(['serve', '--config', '--no-watch'])).toEqual({ command: 'serve', message: '--config needs a value (--config FILE)' });
    expect(refusal(['serve', '--no-watch=yes'])).toEqual({ command: 'serve', message: '--no-watch takes no value' });
  });

  it('a negative number after an option is its value, for the command to judge, not a missing value', () => {
    expect(parseCommandLine(['serve', '--drain-timeout', '-1'])).toMatchObject({ kind: 'run', values: { 'drain-timeout': '-1' } });
    expect(parseCommandLine(['serve', '--drain-timeout', '-.5'])).toMatchObject({ kind: 'run', values: { 'drain-timeout': '-.5' } });
    expect(refusal(['serve', '--drain-timeout', '-c', 'a.yaml'])).toEqual({ command: 'serve', message: '--drain-timeout needs a value (--drain-timeout SECS)' });
  });

  it('an option given twice is refused, whichever spelling: the first is not silently dropped', () => {
    expect(refusal(['validate', '--config', 'a.yaml', '--config', 'b.yaml'])).toEqual({ command: 'validate', message: '--config given twice' });
    expect(refusal(['validate', '-c', 'a.yaml', '--config=b.yaml'])).toEqual({ command: 'validate', message: '--config given twice' });
    expect(refusal(['serve', '--no-watch', '--no-watch'])).toEqual({ command: 'serve', message: '--no-watch given twice' });
  });

  it('a name an object has by inheritance is no option', () => {
    expect(refusal(['validate', '--constructor'])).toEqual({ command: 'validate', message: 'unknown option "--constructor"' });
    expect(refusal(['validate', '--toString=x'])).toEqual({ command: 'validate', message: 'unknown option "--toString"' });
  });

  it('a long option with one dash is not read as a short option with a value', () => {
    // parseArgs alone reads -config as -c onfig, and would validate a file named "onfig".
    expect(refusal(['validate', '-config', 'a.yaml'])).toEqual({ command: 'validate', message: '-config has one dash; did you mean --config?' });
  });

  it('a stray argument after --config, or after --, is still refused; the hint is for a missing --config only', () => {
    expect(refusal(['validate', '--config', 'a.yaml', 'b.yaml'])).toEqual({ command: 'validate', message: 'unexpected argument "b.yaml"' });
    expect(refusal(['validate', '--', 'my config.yaml']).message).toBe(`unexpected argument "my config.yaml"; did you mean --config 'my config.yaml'?`);
    expect(refusal(['schema', 'extra']).message).toBe('unexpected argument "extra"');
  });

  it('an option with pasted dashes (em dash, en dash, minus sign) is refused, suggesting the option with its value', () => {
    const emDash = 'unexpected argument "\u2014config" (it contains U+2014, not an ASCII character)';
    expect(refusal(['validate', '\u2014config', 'mcpgw.yaml'])).toEqual({ command: 'validate', message: `${emDash}; did you mean --config mcpgw.yaml?` });
    expect(refusal(['validate', '\u2014config=my config.yaml']).message).toMatch(/; did you mean --config 'my config.yaml'\?$/);
    expect(refusal(['serve', '\u2013confg', 'a.yaml']).message).toMatch(/^unexpected argument "\u2013confg" \(it contains U\+2013, not an ASCII character\); did you mean --config a.yaml\?$/);
    expect(refusal(['serve', '-\u2212no-watch', '\u2014config', 'a.yaml']).message).toMatch(/; did you mean --no-watch\?$/);
    expect(refusal(['serve', '--config', 'a.yaml', '\u2014frobnicate']).message).toBe('unexpected argument "\u2014frobnicate" (it contains U+2014, not an ASCII character)');
  });

  it('a global option written as a command suggests the option; --watch says watching is the default', () => {
    expect(refusal(['version'])).toEqual({ command: undefined, message: 'unknown command "version"; did you mean --version?' });
    expect(refusal(['\u2014version']).message).toBe('unknown command "\u2014version" (it contains U+2014, not an ASCII character); did you mean --version?');
    expect(refusal(['servr']).message).toBe('unknown command "servr"; did you mean "serve"?');
    expect(refusal(['serve', '--watch'])).toEqual({ command: 'serve', message: 'unknown option "--watch"; it is the default (--no-watch turns it off)' });
  });

  it('an option before the command says the command comes first', () => {
    expect(refusal(['--config', 'a.yaml', 'validate'])).toEqual({
      command: undefined,
      message: '--config is an option of serve, stdio, validate and license show, not of mcpgw itself; the command comes first: mcpgw validate --config …',
    });
  });

  it('stdio takes the server command after --, verbatim, options and -- of its own included', () => {
    expect(parseCommandLine(['stdio', '--config', 'a.yaml', '--', 'npx', '-y', 'server', '--config', 'b.json', '--'])).toMatchObject({
      kind: 'run',
      command: { name: 'stdio' },
      values: { config: 'a.yaml' },
      trailing: ['npx', '-y', 'server', '--config', 'b.json', '--'],
    });
    expect(parseCommandLine(['stdio', '--help'])).toMatchObject({ kind: 'help', command: { name: 'stdio' } });
    expect(parseCommandLine(['serve', '--config', 'a.yaml'])).toMatchObject({ kind: 'run', trailing: [] });
  });

  it('stdio without a server command, or with it but no --, is a usage error that shows where it goes', () => {
    const where = 'the server command goes after --, as in mcpgw stdio --config FILE -- COMMAND [ARGS...]';
    expect(refusal(['stdio', '--config', 'a.yaml'])).toEqual({ command: 'stdio', message: 'no server command: give it after --, as in mcpgw stdio --config FILE -- COMMAND [ARGS...]' });
    expect(refusal(['stdio', '--config', 'a.yaml', '--'])).toEqual({ command: 'stdio', message: 'no server command: give it after --, as in mcpgw stdio --config FILE -- COMMAND [ARGS...]' });
    expect(refusal(['stdio', '--config', 'a.yaml', 'node', 'server.js'])).toEqual({ command: 'stdio', message: `unexpected argument "node"; ${where}` });
    expect(refusal(['stdio', '--confg', 'a.yaml', '--', 'node']).message).toBe('unknown option "--confg"; did you mean --config?');
    // Options of serve are not stdio's, even before the --.
    expect(refusal(['stdio', '--pid-file', 'p', '--', 'node']).message).toBe('--pid-file is an option of serve, not of stdio');
  });
});

describe('didYouMean', () => {
  it('suggests within two edits (a swap counts as one) or a prefix, and nothing far off', () => {
    expect(didYouMean('vaildate', ['serve', 'validate', 'schema'])).toBe('validate');
    expect(didYouMean('--drain', ['--config', '--drain-timeout'])).toBe('--drain-timeout');
    expect(didYouMean('SERVE', ['serve', 'schema'])).toBe('serve');
    expect(didYouMean('frobnicate', ['serve', 'validate', 'schema'])).toBeUndefined();
    expect(didYouMean('ab', ['serve', 'schema'])).toBeUndefined();
  });
});
