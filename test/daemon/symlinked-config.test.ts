import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { daemonConfig, Proc, startDaemon, startDemoUpstream, tempDir } from './harness.js';

// Each config has its own rule count, so that the reload line says which file was read.
const rules = (count: number) =>
  Array.from({ length: count }, (_, i) => `    - name: deny-${i}\n      action: deny\n      match: { tool: "^t${i}$" }`).join('\n');

/** A reload is seen well within this; without one the test fails fast instead of at the harness's 10 s. */
const RELOAD_MS = 5_000;

describe('mcpgw serve: a config path that is a symlink is followed', () => {
  let upstream: { proc: Proc; url: string };
  let daemon: { proc: Proc; url: string } | undefined;
  beforeAll(async () => {
    upstream = await startDemoUpstream();
  });
  afterAll(async () => {
    await upstream?.proc.stop();
  });
  afterEach(async () => {
    await daemon?.proc.stop();
    daemon = undefined;
  });

  /** A directory with `etc/`, `srv/` and `alt/`, and a config writer; the daemon is started on whatever `link` is. */
  function layout() {
    const root = tempDir('mcpgw-symlink-');
    const dirs = { etc: join(root, 'etc'), srv: join(root, 'srv'), alt: join(root, 'alt') };
    for (const dir of Object.values(dirs)) mkdirSync(dir);
    const config = (count: number) => daemonConfig({ upstreamUrl: upstream.url, dir: root, rules: rules(count) });
    return { ...dirs, link: join(dirs.etc, 'mcpgw.yaml'), config };
  }

  async function expectReload(count: number, change: () => void): Promise<void> {
    const proc = (daemon as { proc: Proc }).proc;
    const from = proc.lines.length;
    change();
    await proc.waitForMsg(`policy reload: ok (rules=${count})`, from, RELOAD_MS);
  }

  it('an in-place edit of the target reloads', async () => {
    const { srv, link, config } = layout();
    writeFileSync(join(srv, 'mcpgw.yaml'), config(1));
    symlinkSync(join(srv, 'mcpgw.yaml'), link);
    daemon = await startDaemon(link);

    await expectReload(2, () => writeFileSync(join(srv, 'mcpgw.yaml'), config(2)));
  });

  it('an editor save-by-rename of the target reloads, and so does the next one', async () => {
    const { srv, link, config } = layout();
    writeFileSync(join(srv, 'mcpgw.yaml'), config(1));
    symlinkSync('../srv/mcpgw.yaml', link); // relative, as `ln -s` often leaves it
    daemon = await startDaemon(link);

    for (const count of [2, 3]) {
      await expectReload(count, () => {
        writeFileSync(join(srv, '.mcpgw.yaml.swp'), config(count));
        renameSync(join(srv, '.mcpgw.yaml.swp'), join(srv, 'mcpgw.yaml'));
      });
    }
  });

  it('re-pointing the symlink to a file elsewhere reloads, and then edits of the new file reload', async () => {
    const { etc, srv, alt, link, config } = layout();
    writeFileSync(join(srv, 'mcpgw.yaml'), config(1));
    writeFileSync(join(alt, 'other.yaml'), config(2));
    symlinkSync(join(srv, 'mcpgw.yaml'), link);
    daemon = await startDaemon(link);

    // As configuration management does it: a new link renamed over the old one.
    await expectReload(2, () => {
      symlinkSync(join(alt, 'other.yaml'), join(etc, '.mcpgw.yaml.new'));
      renameSync(join(etc, '.mcpgw.yaml.new'), link);
    });
    await expectReload(3, () => writeFileSync(join(alt, 'other.yaml'), config(3)));
  });

  it('a two-hop chain (link → link in a third directory → file) reloads on an edit of the file, and on a re-pointed middle hop', async () => {
    const { srv, alt, link, config } = layout();
    const final = join(alt, 'mcpgw.yaml');
    writeFileSync(final, config(1));
    symlinkSync(final, join(srv, 'current.yaml'));
    symlinkSync(join(srv, 'current.yaml'), link);
    daemon = await startDaemon(link);

    await expectReload(2, () => writeFileSync(final, config(2)));
    // The middle hop now points at a new file in a fourth directory; its edits are seen from then on.
    const next = join(tempDir('mcpgw-symlink-next-'), 'mcpgw.yaml');
    writeFileSync(next, config(3));
    await expectReload(3, () => {
      symlinkSync(next, join(srv, '.current.yaml.new'));
      renameSync(join(srv, '.current.yaml.new'), join(srv, 'current.yaml'));
    });
    await expectReload(4, () => writeFileSync(next, config(4)));
  });

  it('a Kubernetes ConfigMap update (the ..data directory link swapped) reloads, and so does the next one', async () => {
    // The kubelet's layout: mcpgw.yaml → ..data/mcpgw.yaml, ..data → ..<timestamp>/.
    // An update writes a new timestamped directory, swaps ..data onto it and removes the old one.
    const { etc, link, config } = layout();
    let previous: string | undefined;
    const publish = (stamp: string, count: number) => {
      mkdirSync(join(etc, stamp));
      writeFileSync(join(etc, stamp, 'mcpgw.yaml'), config(count));
      symlinkSync(stamp, join(etc, '..data_tmp'));
      renameSync(join(etc, '..data_tmp'), join(etc, '..data'));
      if (previous !== undefined) rmSync(join(etc, previous), { recursive: true });
      previous = stamp;
    };
    publish('..2026_12_03_10_00_00.1', 1);
    symlinkSync('..data/mcpgw.yaml', link);
    daemon = await startDaemon(link);

    await expectReload(2, () => publish('..2026_12_03_10_05_00.2', 2));
    await expectReload(3, () => publish('..2026_12_03_10_10_00.3', 3));
  });

  it('the target’s directory removed: the daemon runs on, SIGHUP says the file is missing, and the directory’s return reloads', async () => {
    const { srv, link, config } = layout();
    writeFileSync(join(srv, 'mcpgw.yaml'), config(1));
    symlinkSync(join(srv, 'mcpgw.yaml'), link);
    daemon = await startDaemon(link);
    const { proc } = daemon;

    rmSync(srv, { recursive: true });
    const from = proc.lines.length;
    proc.signal('SIGHUP');
    await proc.waitForMsg(`policy reload: rejected: cannot read config ${link}: no such file`, from, RELOAD_MS);

    await expectReload(2, () => {
      mkdirSync(srv);
      writeFileSync(join(srv, 'mcpgw.yaml'), config(2));
    });
    await expectReload(3, () => writeFileSync(join(srv, 'mcpgw.yaml'), config(3)));
    expect(proc.child.exitCode).toBeNull();
    expect(proc.lines.filter((line) => line['level'] === 40 || line['level'] === 50).map((line) => line['msg'])).toEqual([
      `policy reload: rejected: cannot read config ${link}: no such file`,
    ]);
  });
});
