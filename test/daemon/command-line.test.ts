import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../packages/cli/dist/index.js';
import { daemonConfig, freePort, MCPGW, ROOT, run, tempDir } from './harness.js';

/** Runs `mcpgw ARGS` as a user types it, with extra environment variables. */
const mcpgw = run;

/** A directory holding a valid ./mcpgw.yaml, the file a silently ignored argument would validate. */
function dirWithValidConfig(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'mcpgw.yaml'), daemonConfig({ upstreamUrl: 'http://127.0.0.1:3001/mcp', dir }));
  return dir;
}

describe('mcpgw: usage errors exit 2 with a did-you-mean, and nothing runs', () => {
  it('a stray positional is not ignored: validate bad.yaml does not validate ./mcpgw.yaml', async () => {
    const result = await mcpgw(['validate', 'bad.yaml'], { cwd: dirWithValidConfig() });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe('mcpgw validate: unexpected argument "bad.yaml"; did you mean --config bad.yaml?');
    expect(result.stderr).toContain('Usage: mcpgw validate --config FILE');
  });

  it('an unknown flag: --confg suggests --config', async () => {
    const result = await mcpgw(['validate', '--confg', 'mcpgw.yaml'], { cwd: dirWithValidConfig() });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr.split('\n')[0]).toBe('mcpgw validate: unknown option "--confg"; did you mean --config?');
  });

  it('an unknown command suggests the closest one and names a look-alike letter; commands not built are unknown', async () => {
    const typo = await mcpgw(['valdate', '--config', 'mcpgw.yaml'], { cwd: dirWithValidConfig() });
    expect(typo).toMatchObject({ code: 2, stdout: '' });
    expect(typo.stderr.split('\n')[0]).toBe('mcpgw: unknown command "valdate"; did you mean "validate"?');
    // "servе" with a Cyrillic е (U+0435) looks exactly like "serve".
    const lookalike = await mcpgw(['serv\u0435']);
    expect(lookalike).toMatchObject({ code: 2, stdout: '' });
    expect(lookalike.stderr.split('\n')[0]).toBe('mcpgw: unknown command "serv\u0435" (it contains U+0435, not an ASCII letter); did you mean "serve"?');
    // SPEC §6 commands this version does not have are not pretended to exist.
    const missing = await mcpgw(['eval', '--config', 'mcpgw.yaml']);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/^mcpgw: unknown command "eval"\n\nmcpgw \S+ — policy gateway[^]*\n  mcpgw COMMAND --help /);
  });

  it('an option given twice is refused, not last-wins: validate does not pass on the second file', async () => {
    const result = await mcpgw(['validate', '--config', 'nonexist.yaml', '--config', 'mcpgw.yaml'], { cwd: dirWithValidConfig() });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr.split('\n')[0]).toBe('mcpgw validate: --config given twice');
  });

  it('a pasted em dash: validate \u2014config mcpgw.yaml suggests --config mcpgw.yaml, and validates nothing', async () => {
    const result = await mcpgw(['validate', '\u2014config', 'mcpgw.yaml'], { cwd: dirWithValidConfig() });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr.split('\n')[0]).toBe('mcpgw validate: unexpected argument "\u2014config" (it contains U+2014, not an ASCII character); did you mean --config mcpgw.yaml?');
  });

  it('mcpgw version suggests --version', async () => {
    const result = await mcpgw(['version']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr.split('\n')[0]).toBe('mcpgw: unknown command "version"; did you mean --version?');
  });

  it('an option of another command is refused, not ignored', async () => {
    const result = await mcpgw(['schema', '--drain-timeout', '3']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr.split('\n')[0]).toBe('mcpgw schema: --drain-timeout is an option of serve, not of schema');
  });

  it('--drain-timeout takes plain decimal seconds; anything else is refused, saying what was given', async () => {
    // Number() would take " " as 0 and 0x10 as 16; -1 with a space once read as a missing value.
    for (const value of ['-1', ' ', '0x10', '1e3', '-0', '3s', '.5', '5.']) {
      let stderr = '';
      // A config that does not exist: a value wrongly accepted ends in exit 1, not a daemon in this process.
      const code = await main(['serve', '--config', '/nonexistent/mcpgw.yaml', '--drain-timeout', value], { out: () => undefined, err: (text) => (stderr += text) });
      expect({ value, code, first: stderr.split('\n')[0] }).toEqual({ value, code: 2, first: `mcpgw serve: --drain-timeout must be a number of seconds (got ${JSON.stringify(value)})` });
    }
    const spaced = await mcpgw(['serve', '--drain-timeout', '-1']);
    expect(spaced).toMatchObject({ code: 2, stdout: '' });
    expect(spaced.stderr.split('\n')[0]).toBe('mcpgw serve: --drain-timeout must be a number of seconds (got "-1")');
  });

  it('no command at all: the usage on stderr, exit 2', async () => {
    const result = await mcpgw([]);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^mcpgw: no command given\n\nmcpgw \S+ — policy gateway/);
  });

  it('each command has its own --help, on stdout with exit 0', async () => {
    const serve = await mcpgw(['serve', '--help']);
    expect(serve).toMatchObject({ code: 0, stderr: '' });
    expect(serve.stdout).toMatch(/^Usage: mcpgw serve --config FILE \[--pid-file FILE\] \[--drain-delay SECS\] \[--drain-timeout SECS\] \[--no-watch\]\n/);
    for (const flag of ['-c, --config FILE', '--pid-file FILE', '--drain-delay SECS', '--drain-timeout SECS', '--no-watch', '-h, --help']) expect(serve.stdout).toContain(flag);
    expect(serve.stdout).toContain('MCPGW_LOG_LEVEL (fatal, error, warn, info, debug, trace, silent; default info)');
    expect(await mcpgw(['help', 'serve'])).toEqual(serve);
    const validate = await mcpgw(['validate', '-h']);
    expect(validate).toMatchObject({ code: 0, stderr: '' });
    expect(validate.stdout).toMatch(/^Usage: mcpgw validate --config FILE\n/);
    expect(validate.stdout).not.toContain('--pid-file');
  });
});

describe('MCPGW_LOG_LEVEL', () => {
  it('an unknown level: one line listing the levels, exit 2, no daemon started', async () => {
    const dir = dirWithValidConfig();
    const result = await mcpgw(['serve', '--config', join(dir, 'mcpgw.yaml')], { env: { MCPGW_LOG_LEVEL: 'verbose' } });
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'mcpgw serve: MCPGW_LOG_LEVEL="verbose" is not a log level; use one of fatal, error, warn, info, debug, trace, silent\n',
    });
  });

  it('a known level in any letter case is used: at Warn, the daemon runs and logs no info lines', async () => {
    const dir = tempDir();
    const port = await freePort();
    writeFileSync(join(dir, 'mcpgw.yaml'), daemonConfig({ upstreamUrl: 'http://127.0.0.1:3001/mcp', dir, listen: `127.0.0.1:${port}` }));
    const child = spawn(process.execPath, [MCPGW, 'serve', '--config', join(dir, 'mcpgw.yaml')], { env: { ...process.env, MCPGW_LOG_LEVEL: 'Warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 10_000;
    while (!(await fetch(`http://127.0.0.1:${port}/healthz`).then((res) => res.ok, () => false))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the daemon did not start: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // At the default level (info) these would include "mcpgw listening on …" and "shutdown complete".
    expect(output).toBe('');
  });
});
