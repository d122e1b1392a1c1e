// `mcpgw license sign` and `mcpgw license show`, run as a user types them
// (the real `mcpgw` command), with keys from openssl: the round trip, every
// status with its exit code, and the refusals with their words.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../packages/cli/dist/index.js';
import { run, tempDir } from '../daemon/harness.js';
import { flipSignatureBit, opensslKeyPair } from './license-fixtures.js';

let dir: string;
let keys: { privateKey: string; publicKey: string };
beforeAll(() => {
  dir = tempDir('mcpgw-license-cli-');
  keys = opensslKeyPair(dir);
});

/** A config in `dir` naming `license` and, when given, `public_key`. */
function config(name: string, license: string, publicKey?: string): string {
  const path = join(dir, name);
  writeFileSync(path, `upstreams:\n  - name: a\n    url: http://127.0.0.1:1/mcp\nlicense:\n  path: ${license}\n${publicKey === undefined ? '' : `  public_key: ${publicKey}\n`}`);
  return path;
}

/** `mcpgw license show`'s output as rows: name → value. */
function rows(stdout: string): Record<string, string> {
  return Object.fromEntries(stdout.trimEnd().split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(14)]));
}

describe('mcpgw license sign and show', () => {
  it('signs a license that show then reports as valid, with its fields and the days left', async () => {
    const sign = await run(['license', 'sign', '--key', keys.privateKey, '--licensee', 'Example Corp', '--expires', '2030-01-31', '--entitlements', 'gateway, stdio', '--issued', '2026-12-01T09:30:00Z', '--out', join(dir, 'license.json')]);
    expect(sign).toEqual({ code: 0, stdout: `${join(dir, 'license.json')}: signed for "Example Corp", expires 2030-01-31T00:00:00Z\n`, stderr: '' });
    expect(JSON.parse(readFileSync(join(dir, 'license.json'), 'utf8'))).toEqual({
      payload: { licensee: 'Example Corp', issued: '2026-12-01T09:30:00Z', expires: '2030-01-31T00:00:00Z', entitlements: ['gateway', 'stdio'] },
      signature: expect.stringMatching(/^[A-Za-z0-9+/]{86}==$/),
    });
    // The license path relative to the config file, the key inline as PEM.
    const show = await run(['license', 'show', '--config', config('mcpgw.yaml', 'license.json', JSON.stringify(readFileSync(keys.publicKey, 'utf8')))]);
    expect(show.code).toBe(0);
    expect(show.stderr).toBe('');
    const daysLeft = Math.floor((Date.parse('2030-01-31T00:00:00Z') - Date.now()) / 86_400_000);
    expect(rows(show.stdout)).toEqual({
      license: join(dir, 'license.json'),
      licensee: 'Example Corp',
      issued: '2026-12-01T09:30:00Z',
      expires: '2030-01-31T00:00:00Z',
      entitlements: 'gateway, stdio',
      status: 'valid',
      'days left': expect.stringMatching(new RegExp(`^(${daysLeft}|${daysLeft - 1})$`)),
    });
  });

  it('prints the license on stdout without --out, issued now when --issued is absent', async () => {
    const before = Date.now();
    const sign = await run(['license', 'sign', '--key', keys.privateKey, '--licensee', 'Solo', '--expires', '2031-01-01T12:00:00Z']);
    expect(sign.code).toBe(0);
    const { payload } = JSON.parse(sign.stdout) as { payload: { issued: string; entitlements: string[] } };
    expect(Date.parse(payload.issued)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(Date.parse(payload.issued)).toBeLessThanOrEqual(Date.now());
    expect(payload.entitlements).toEqual([]);
    writeFileSync(join(dir, 'stdout.json'), sign.stdout);
    expect(rows((await run(['license', 'show', '--config', config('stdout.yaml', 'stdout.json', keys.publicKey)])).stdout)['status']).toBe('valid');
  });

  it('show says each status, with the reason, and exits 1 when the daemon would not accept the license', async () => {
    const other = opensslKeyPair(dir, 'other');
    const sign = (name: string, expires = '2030-01-31') => run(['license', 'sign', '--key', keys.privateKey, '--licensee', 'Example Corp', '--issued', '2020-01-01', '--expires', expires, '--out', join(dir, name)]);
    await sign('s-valid.json');
    await sign('s-expired.json', '2021-01-01');
    await sign('s-tampered.json');
    flipSignatureBit(join(dir, 's-tampered.json'));
    const cases: Array<[string, string | undefined, number, string, string | undefined]> = [
      ['s-valid.json', keys.publicKey, 0, 'valid', undefined],
      ['s-valid.json', undefined, 0, 'unverified', 'no license.public_key to check its signature'],
      ['s-valid.json', other.publicKey, 1, 'invalid signature', 'not signed by the key in license.public_key'],
      ['s-tampered.json', keys.publicKey, 1, 'invalid signature', 'not signed by the key in license.public_key'],
      ['s-expired.json', keys.publicKey, 1, 'expired', 'expired on 2021-01-01T00:00:00Z'],
      ['s-missing.json', keys.publicKey, 1, 'unreadable', `cannot read ${join(dir, 's-missing.json')}: no such file`],
    ];
    for (const [license, publicKey, code, status, reason] of cases) {
      const show = await run(['license', 'show', '--config', config('statuses.yaml', license, publicKey)]);
      expect(show.code, `${license} ${publicKey}`).toBe(code);
      expect(rows(show.stdout), `${license} ${publicKey}`).toMatchObject({ status, ...(reason === undefined ? {} : { reason }) });
      if (reason === undefined) expect(show.stdout).not.toContain('reason:');
    }
    const expired = rows((await run(['license', 'show', '--config', config('statuses.yaml', 's-expired.json', keys.publicKey)])).stdout);
    expect(Number(expired['days left'])).toBeLessThan(-300);
    const missing = rows((await run(['license', 'show', '--config', config('statuses.yaml', 's-missing.json', keys.publicKey)])).stdout);
    expect(missing).toMatchObject({ licensee: '-', expires: '-', 'days left': '-' });
  });

  it('show exits 1 for a config without license.path, or one it cannot use', async () => {
    writeFileSync(join(dir, 'none.yaml'), 'upstreams:\n  - name: a\n    url: http://127.0.0.1:1/mcp\n');
    expect(await run(['license', 'show', '--config', join(dir, 'none.yaml')])).toEqual({ code: 1, stdout: '', stderr: `${join(dir, 'none.yaml')} has no license.path: the gateway runs without a license\n` });
    writeFileSync(join(dir, 'bad.yaml'), 'upstreams:\n  - name: a\n    url: http://127.0.0.1:1/mcp\nlicense:\n  path: x.json\n  publickey: k.pem\n');
    const bad = await run(['license', 'show', '--config', join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown key "publickey"');
    expect(await run(['license', 'show', '--config', join(dir, 'absent.yaml')])).toEqual({ code: 1, stdout: '', stderr: `cannot read config ${join(dir, 'absent.yaml')}: no such file\n` });
  });

  it('sign refuses a key it cannot use, exit 1, in one line', async () => {
    const encrypted = join(dir, 'encrypted.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-aes-256-cbc', '-pass', 'pass:secret', '-out', encrypted]);
    const rsa = join(dir, 'rsa.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'rsa', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', rsa], { stdio: 'ignore' });
    const cases: Array<[string, string]> = [
      [join(dir, 'nokey.pem'), `cannot read --key ${join(dir, 'nokey.pem')}: no such file`],
      [keys.publicKey, `--key ${keys.publicKey} is not a PEM private key`],
      [encrypted, `--key ${encrypted} is encrypted; give an unencrypted key`],
      [rsa, `--key ${rsa} is an rsa key, not Ed25519`],
    ];
    for (const [key, message] of cases) {
      expect(await run(['license', 'sign', '--key', key, '--licensee', 'X', '--expires', '2030-01-01'])).toEqual({ code: 1, stdout: '', stderr: `mcpgw license sign: ${message}\n` });
    }
  });

  it('refuses a command line it cannot read: exit 2, one line, then the usage', async () => {
    const sign = ['license', 'sign', '--key', keys.privateKey];
    const cases: Array<[string[], string]> = [
      [['license'], 'mcpgw: license needs a command: license show or license sign'],
      [['license', 'shwo'], 'mcpgw: unknown command "license shwo"; did you mean "license show"?'],
      [['license', 'frobnicate'], 'mcpgw: unknown command "license frobnicate"; use license show or license sign'],
      [['license', 'sign', '--licensee', 'X', '--expires', '2030-01-01'], 'mcpgw license sign: --key is required'],
      [[...sign, '--expires', '2030-01-01'], 'mcpgw license sign: --licensee is required'],
      [[...sign, '--licensee', 'X'], 'mcpgw license sign: --expires is required'],
      [[...sign, '--licencee', 'X'], 'mcpgw license sign: unknown option "--licencee"; did you mean --licensee?'],
      [[...sign, '--licensee', 'X', '--expires', '31/12/2030'], 'mcpgw license sign: --expires must be a date such as 2027-12-31 or a UTC time such as 2027-12-31T12:00:00Z (got "31/12/2030")'],
      [[...sign, '--licensee', 'X', '--expires', '2030-02-30'], 'mcpgw license sign: --expires must be a date such as 2027-12-31 or a UTC time such as 2027-12-31T12:00:00Z (got "2030-02-30")'],
      [[...sign, '--licensee', 'X', '--expires', '2030-01-01', '--issued', '2031-01-01'], 'mcpgw license sign: --expires 2030-01-01T00:00:00Z is not after --issued 2031-01-01T00:00:00Z'],
      [[...sign, '--licensee', 'X', '--expires', '2030-01-01', '--entitlements', 'gateway,Gateway'], 'mcpgw license sign: --entitlements holds "Gateway": each must be lowercase letters, digits, ".", "_" or "-" (at most 64)'],
      [[...sign, '--licensee', 'X', '--expires', '2030-01-01', '--entitlements', 'a,a'], 'mcpgw license sign: --entitlements lists "a" twice'],
      [[...sign, '--licensee', ' ', '--expires', '2030-01-01'], 'mcpgw license sign: --licensee must be a name of 1 to 200 characters, without control characters'],
      [['license', 'show', 'mcpgw.yaml'], 'mcpgw license show: unexpected argument "mcpgw.yaml"; did you mean --config mcpgw.yaml?'],
      [['license', 'show', '--key', 'k.pem'], 'mcpgw license show: --key is an option of license sign, not of license show'],
      [['validate', '--licensee', 'X'], 'mcpgw validate: --licensee is an option of license sign, not of validate'],
    ];
    // In-process, as the other usage tables (the same main() the bin runs): a process each would cost seconds.
    for (const [argv, line] of cases) {
      const result = await inProcess(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.split('\n')[0], argv.join(' ')).toBe(line);
      expect(result.stderr).toContain('Usage:');
    }
  });

  it('--help shows each command\'s options; mcpgw --help and mcpgw license --help list both commands', async () => {
    const signHelp = await run(['license', 'sign', '--help']);
    expect(signHelp.code).toBe(0);
    expect(signHelp.stdout).toMatch(/^Usage: mcpgw license sign --key FILE --licensee NAME --expires DATE \[--entitlements LIST\] \[--issued DATE\] \[--out FILE\]\n/);
    for (const flag of ['--key FILE', '--licensee NAME', '--expires DATE', '--entitlements LIST', '--issued DATE', '-o, --out FILE']) expect(signHelp.stdout).toContain(flag);
    expect(await inProcess(['help', 'license', 'show'])).toEqual(await inProcess(['license', 'show', '-h']));
    for (const argv of [['--help'], ['license', '--help'], ['help', 'license']]) {
      const help = await inProcess(argv);
      expect(help.code, argv.join(' ')).toBe(0);
      expect(help.stdout).toContain('mcpgw license show --config mcpgw.yaml');
      expect(help.stdout).toContain('mcpgw license sign --key F --licensee N');
    }
  });
});

/** `main(argv)` with its output collected, as `run` gives it. */
async function inProcess(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { out: (text) => (stdout += text), err: (text) => (stderr += text) });
  return { code, stdout, stderr };
}
