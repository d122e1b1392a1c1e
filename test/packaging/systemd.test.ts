import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../daemon/harness.js';
import { bash, codeBlocks, installScriptWarnings, sh, type Ran } from './shell.js';

/**
 * The install steps of docs/operations.md, performed into a scratch root
 * directory instead of the machine's own /usr and /etc, then checked with
 * `systemd-analyze verify --root=`. The steps that need a running systemd
 * (systemctl, journalctl) cannot run here, in a container without one; the
 * rest run for real, npm install and its re2 build included, because that
 * install is what makes /usr/bin/mcpgw exist.
 */
const NEEDS_RUNNING_SYSTEMD = /^(systemctl|journalctl) /;

/** A documented command, made to act on `root` instead of /. Null for a command that needs a running systemd. */
function intoRoot(line: string, root: string): string | null {
  if (NEEDS_RUNNING_SYSTEMD.test(line)) return null;
  if (line.startsWith('useradd ')) return line.replace(/^useradd /, `useradd --prefix ${root} `);
  if (line.startsWith('systemd-analyze verify ')) return line.replace(/^systemd-analyze verify /, `systemd-analyze verify --root=${root} `);
  return line.replace(/(^|[\s=])\/(usr|etc|var)(?=\/|\s|$)/g, `$1${root}/$2`);
}

/** A scratch root with what the unit needs of the operating system: systemd's own units, /bin/kill, the account files. */
function baseSystem(): string {
  const root = tempDir('mcpgw-root-');
  const units = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((dir) => existsSync(join(dir, 'sysinit.target')));
  if (units === undefined) throw new Error("systemd's units (sysinit.target) are not installed");
  cpSync(units, join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  symlinkSync('usr/bin', join(root, 'bin'));
  copyFileSync('/usr/bin/kill', join(root, 'usr/bin/kill'));
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\n');
  writeFileSync(join(root, 'etc/shadow'), 'root:*:20000:0:99999:7:::\n', { mode: 0o640 });
  writeFileSync(join(root, 'etc/gshadow'), 'root:*::\n', { mode: 0o640 });
  return root;
}

describe("the systemd unit, installed as docs/operations.md says", () => {
  const unit = readFileSync(join(ROOT, 'packaging/systemd/mcpgw.service'), 'utf8');
  const steps = codeBlocks('docs/operations.md', '## systemd')[0]?.trim().split('\n') ?? [];
  let root: string;
  let installed: Ran;

  beforeAll(async () => {
    root = baseSystem();
    const script = steps.map((line) => intoRoot(line, root)).filter((line) => line !== null);
    installed = await bash(script.join('\n'), {
      env: { TMPDIR: tempDir('mcpgw-packs-'), npm_config_prefer_offline: 'true', PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}` },
    });
  }, 600_000);

  it('leaves out only the steps that need a running systemd', () => {
    expect(steps.filter((line) => NEEDS_RUNNING_SYSTEMD.test(line))).toEqual(['systemctl daemon-reload && systemctl enable --now mcpgw.service', 'journalctl -u mcpgw -f']);
    expect(steps.filter((line) => line.startsWith('systemd-analyze verify '))).toHaveLength(1);
  });

  it('fails systemd-analyze verify while /usr/bin/mcpgw does not exist', async () => {
    const bare = baseSystem();
    writeFileSync(join(bare, 'etc/systemd/system/mcpgw.service'), unit);
    const verified = await sh('systemd-analyze', ['verify', `--root=${bare}`, 'mcpgw.service']);
    expect(verified.code).not.toBe(0);
    expect(verified.stderr).toContain('Command /usr/bin/mcpgw is not executable');
  });

  it('installs, and the unit passes systemd-analyze verify', async () => {
    expect(installed.code, installed.stdout + installed.stderr).toBe(0);
    expect(installScriptWarnings(installed.stdout + installed.stderr)).toEqual([]);
    expect(statSync(join(root, 'usr/bin/mcpgw')).mode & 0o111).toBe(0o111);
    expect(await sh('systemd-analyze', ['verify', `--root=${root}`, 'mcpgw.service'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('makes the user, the group and the config the unit names, and the config passes its ExecStartPre', async () => {
    expect(unit).toMatch(/^User=mcpgw$/m);
    expect(unit).toMatch(/^Group=mcpgw$/m);
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toMatch(/^mcpgw:x:\d+:\d+::[^:]*:\/usr\/sbin\/nologin$/m);
    expect(readFileSync(join(root, 'etc/group'), 'utf8')).toMatch(/^mcpgw:x:\d+:$/m);
    const startPre = /^ExecStartPre=\/usr\/bin\/mcpgw (validate --config \/etc\/mcpgw\/mcpgw\.yaml)$/m.exec(unit)?.[1];
    expect(startPre).toBeDefined();
    const config = join(root, 'etc/mcpgw/mcpgw.yaml');
    const validated = await sh(join(root, 'usr/bin/mcpgw'), ['validate', '--config', config]);
    expect(validated).toEqual({ code: 0, stdout: `${config}: ok (upstreams=1, rules=0)\n`, stderr: '' });
  });

  it('keeps the audit log where the unit lets the daemon write, in the directory systemd makes for it', () => {
    expect(unit).toMatch(/^LogsDirectory=mcpgw$/m);
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
    expect(unit).toMatch(/^ReadWritePaths=\/var\/log\/mcpgw$/m);
    expect(readFileSync(join(root, 'etc/mcpgw/mcpgw.yaml'), 'utf8')).toMatch(/^ {2}path: \/var\/log\/mcpgw\/audit\.jsonl$/m);
  });
});
