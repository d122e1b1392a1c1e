// docs/license.md as a user follows it: its shell commands run as printed in
// a sandbox with `mcpgw` on the PATH (test/docs/sandbox.ts), and its examples
// checked against the code — the inline key verifies the example file, the
// signed bytes are those the code signs, the output and events have the
// fields the commands and the daemon write.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLicenseFile, signedBytes } from '../../packages/cli/dist/license/license-file.js';
import { judgeLicense, readLicense } from '../../packages/cli/dist/license/license-status.js';
import { RUN_HERE, TESTS } from '../docs/command-table.js';
import { fencedBlocks, ROOT } from '../docs/markdown.js';
import { Sandbox } from '../docs/sandbox.js';
import { docCommands } from '../docs/shell-commands.js';
import { tempDir } from '../daemon/harness.js';

const FILE = 'docs/license.md';
const BLOCKS = fencedBlocks(FILE, readFileSync(join(ROOT, FILE), 'utf8'));
const COMMANDS = docCommands().filter((command) => command.at.startsWith(`${FILE}:`));

/** The one command of docs/license.md that starts with `start`, as printed; RUN_HERE must say this test runs it. */
function printed(start: string): string {
  const found = COMMANDS.filter((command) => command.text.startsWith(start));
  expect(found, start).toHaveLength(1);
  const [command] = found as [(typeof found)[number]];
  expect(RUN_HERE[command.text]).toBe(TESTS.license);
  return command.printed;
}

/** The block of docs/license.md whose text includes `marker`. */
function block(lang: string, marker: string): string {
  const found = BLOCKS.find((candidate) => candidate.lang === lang && candidate.text.includes(marker));
  if (found === undefined) throw new Error(`${FILE} has no ${lang} block with ${marker}`);
  return found.text;
}

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('docs/license.md', () => {
  it(TESTS.license, async () => {
    sandbox = await Sandbox.create();
    expect(await sandbox.run(printed('openssl genpkey'))).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await sandbox.run(printed('openssl pkey'))).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(sandbox.read('private.pem')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(sandbox.read('public.pem')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(await sandbox.run(printed('mcpgw license sign'))).toEqual({ code: 0, stdout: 'license.json: signed for "Example Corp", expires 2030-12-31T00:00:00Z\n', stderr: '' });
    sandbox.write('mcpgw.yaml', 'upstreams:\n  - name: everything\n    url: http://127.0.0.1:3001/mcp\nlicense:\n  path: license.json\n  public_key: public.pem\n');
    const show = await sandbox.run(printed('mcpgw license show'));
    expect(show).toMatchObject({ code: 0, stderr: '' });
    // The docs' sample output, but for the path, the time of issue and the days left.
    const sample = block('', 'days left:').split('\n');
    const lines = show.stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.slice(0, 14))).toEqual(sample.map((line) => line.slice(0, 14)));
    const differ = (line: string) => /^(license|issued|days left):/.test(line);
    expect(lines.filter((line) => !differ(line))).toEqual(sample.filter((line) => !differ(line)));
    expect(lines[0]).toBe(`license:      ${join(sandbox.dir, 'license.json')}`);
  });

  it('the example file verifies with the inline key example, and its signed bytes are the ones shown', () => {
    const inline = /public_key: \|\n((?: {4}.*\n?)+)/.exec(block('yaml', 'public_key: |'))?.[1]?.replace(/^ {4}/gm, '');
    expect(inline).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const example = block('json', '"signature"');
    const dir = tempDir('mcpgw-license-doc-');
    writeFileSync(join(dir, 'license.json'), example);
    const report = judgeLicense(readLicense(join(dir, 'license.json'), inline, dir), new Date('2027-01-01T00:00:00Z'));
    expect(report).toMatchObject({ status: 'valid', licensee: 'Example Corp', entitlements: ['gateway', 'stdio'] });
    expect(block('', 'mcpgw-license-v1')).toBe(signedBytes(parseLicenseFile(example).payload).toString('utf8'));
  });

  it('the audit event and the /readyz object have the fields the daemon writes', () => {
    const event = JSON.parse(block('json', '"license_invalid"')) as Record<string, unknown>;
    expect(Object.keys(event)).toEqual(['time', 'event', 'status', 'license', 'licensee', 'expires', 'reason']);
    const audit = readFileSync(join(ROOT, 'docs/audit.md'), 'utf8');
    expect(audit).toContain(JSON.stringify(event));
    const readyz = JSON.parse(`{${block('json', '"days_left"')}}`) as { license: Record<string, unknown> };
    expect(Object.keys(readyz.license)).toEqual(['status', 'licensee', 'expires', 'days_left', 'entitlements']);
  });
});
