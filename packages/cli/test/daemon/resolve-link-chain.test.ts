import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveLinkChain } from '../../src/daemon/resolve-link-chain.js';

/** A fresh real directory (the temp dir itself may be reached through a link, as on macOS). */
function root(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'mcpgw-chain-')));
  for (const sub of ['etc', 'srv', 'alt']) mkdirSync(join(dir, sub));
  return dir;
}

const plain = (dirs: ReadonlyMap<string, ReadonlySet<string>>) => Object.fromEntries([...dirs].map(([dir, names]) => [dir, [...names].sort()]));

describe('resolveLinkChain', () => {
  it('a plain file: only its own directory', async () => {
    const dir = root();
    writeFileSync(join(dir, 'etc/mcpgw.yaml'), '');
    const chain = await resolveLinkChain(join(dir, 'etc/mcpgw.yaml'));
    expect(plain(chain.dirs)).toEqual({ [join(dir, 'etc')]: ['mcpgw.yaml'] });
    expect(chain.error).toBeUndefined();
  });

  it('a chain of an absolute and a relative link: the directory of each hop and of the file', async () => {
    const dir = root();
    writeFileSync(join(dir, 'alt/mcpgw.yaml'), '');
    symlinkSync('../alt/mcpgw.yaml', join(dir, 'srv/current.yaml'));
    symlinkSync(join(dir, 'srv/current.yaml'), join(dir, 'etc/mcpgw.yaml'));
    const chain = await resolveLinkChain(join(dir, 'etc/mcpgw.yaml'));
    expect(plain(chain.dirs)).toEqual({
      [join(dir, 'etc')]: ['mcpgw.yaml'],
      [join(dir, 'srv')]: ['current.yaml'],
      [join(dir, 'alt')]: ['mcpgw.yaml'],
    });
  });

  it('a ConfigMap: the link, the ..data directory link beside it, and the timestamped directory', async () => {
    const dir = root();
    mkdirSync(join(dir, 'etc/..2026_12_03_10_00_00.1'));
    writeFileSync(join(dir, 'etc/..2026_12_03_10_00_00.1/mcpgw.yaml'), '');
    symlinkSync('..2026_12_03_10_00_00.1', join(dir, 'etc/..data'));
    symlinkSync('..data/mcpgw.yaml', join(dir, 'etc/mcpgw.yaml'));
    const chain = await resolveLinkChain(join(dir, 'etc/mcpgw.yaml'));
    expect(plain(chain.dirs)).toEqual({
      [join(dir, 'etc')]: ['..data', 'mcpgw.yaml'],
      [join(dir, 'etc/..2026_12_03_10_00_00.1')]: ['mcpgw.yaml'],
    });
  });

  it('a link among the directories of the path itself is watched where it lives', async () => {
    const dir = root();
    mkdirSync(join(dir, 'srv/v2'));
    writeFileSync(join(dir, 'srv/v2/mcpgw.yaml'), '');
    symlinkSync('v2', join(dir, 'srv/current'));
    const chain = await resolveLinkChain(join(dir, 'srv/current/./mcpgw.yaml'));
    expect(plain(chain.dirs)).toEqual({ [join(dir, 'srv')]: ['current'], [join(dir, 'srv/v2')]: ['mcpgw.yaml'] });
  });

  it('a dangling link into a missing directory: no error, and the directory where it would be', async () => {
    const dir = root();
    symlinkSync(join(dir, 'gone/mcpgw.yaml'), join(dir, 'etc/mcpgw.yaml'));
    const chain = await resolveLinkChain(join(dir, 'etc/mcpgw.yaml'));
    expect(plain(chain.dirs)).toEqual({ [join(dir, 'etc')]: ['mcpgw.yaml'], [dir]: ['gone'] });
    expect(chain.error).toBeUndefined();
  });

  it('a loop of links: an ELOOP error, and the directories of the loop', async () => {
    const dir = root();
    symlinkSync(join(dir, 'srv/b.yaml'), join(dir, 'etc/mcpgw.yaml'));
    symlinkSync(join(dir, 'etc/mcpgw.yaml'), join(dir, 'srv/b.yaml'));
    const chain = await resolveLinkChain(join(dir, 'etc/mcpgw.yaml'));
    expect(chain.error).toMatchObject({ code: 'ELOOP', message: `ELOOP: too many symbolic links resolving '${join(dir, 'etc/mcpgw.yaml')}'` });
    expect(plain(chain.dirs)).toEqual({ [join(dir, 'etc')]: ['mcpgw.yaml'], [join(dir, 'srv')]: ['b.yaml'] });
  });
});
