import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigWatcher } from '../../src/daemon/config-watcher.js';

const DEBOUNCE_MS = 20;
/** Long enough for an event, the debounce and a refresh; what has not happened by then does not. */
const SETTLE_MS = 150;
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

/** `etc/mcpgw.yaml → srv/mcpgw.yaml` in a fresh real directory. */
function linkedConfig(): { dir: string; link: string; target: string } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'mcpgw-watcher-')));
  mkdirSync(join(dir, 'etc'));
  mkdirSync(join(dir, 'srv'));
  const target = join(dir, 'srv/mcpgw.yaml');
  writeFileSync(target, 'one');
  symlinkSync(target, join(dir, 'etc/mcpgw.yaml'));
  return { dir, link: join(dir, 'etc/mcpgw.yaml'), target };
}

describe('ConfigWatcher', () => {
  let watcher: ConfigWatcher | undefined;
  afterEach(() => {
    watcher?.stop();
    watcher = undefined;
  });

  function watch(path: string, noted: string | null) {
    const changes = vi.fn();
    const errors = vi.fn();
    watcher = new ConfigWatcher(path, { debounceMs: DEBOUNCE_MS, onChange: changes, onError: errors });
    if (noted !== null) watcher.noteContent(noted);
    return { changes, errors, watcher };
  }

  it('watches the link’s directory and the target’s, and after a re-point the new target’s instead of the old', async () => {
    const { dir, link } = linkedConfig();
    const { changes, watcher } = watch(link, 'one');
    await watcher.start();
    expect([...watcher.watchedDirs].sort()).toEqual([join(dir, 'etc'), join(dir, 'srv')]);

    mkdirSync(join(dir, 'alt'));
    writeFileSync(join(dir, 'alt/other.yaml'), 'two');
    symlinkSync(join(dir, 'alt/other.yaml'), join(dir, 'etc/.new'));
    renameSync(join(dir, 'etc/.new'), link);
    await vi.waitFor(() => expect(changes).toHaveBeenCalledTimes(1));
    expect([...watcher.watchedDirs].sort()).toEqual([join(dir, 'alt'), join(dir, 'etc')]);
  });

  it('a change made before start() resolves is not missed', async () => {
    const { link, target } = linkedConfig();
    const { changes, watcher } = watch(link, 'one');
    writeFileSync(target, 'two');
    await watcher.start();
    expect(changes).toHaveBeenCalledTimes(1);
  });

  it('the target’s directory removed is no error, and its return with new content is one change', async () => {
    const { dir, link, target } = linkedConfig();
    const { changes, errors, watcher } = watch(link, 'one');
    await watcher.start();

    rmSync(join(dir, 'srv'), { recursive: true });
    await vi.waitFor(() => expect(watcher.watchedDirs).toContain(dir)); // where srv would be
    mkdirSync(join(dir, 'srv'));
    writeFileSync(target, 'two');
    await vi.waitFor(() => expect(changes).toHaveBeenCalledTimes(1));
    await settle();
    expect(changes).toHaveBeenCalledTimes(1);
    expect(errors).not.toHaveBeenCalled();
  });

  it('a loop of links goes to onError, and a fix of the loop is seen', async () => {
    const { dir, link } = linkedConfig();
    rmSync(link);
    symlinkSync(join(dir, 'srv/b.yaml'), link);
    symlinkSync(link, join(dir, 'srv/b.yaml'));
    const { changes, errors, watcher } = watch(link, 'one');
    await watcher.start();
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ code: 'ELOOP' }));

    writeFileSync(join(dir, 'srv/c.yaml'), 'two');
    symlinkSync(join(dir, 'srv/c.yaml'), join(dir, 'srv/.new'));
    renameSync(join(dir, 'srv/.new'), join(dir, 'srv/b.yaml'));
    await vi.waitFor(() => expect(changes).toHaveBeenCalledTimes(1));
  });

  it('with no content noted, what start() reads is the baseline, not a change', async () => {
    const { link, target } = linkedConfig();
    const { changes, watcher } = watch(link, null);
    await watcher.start();
    await settle();
    expect(changes).not.toHaveBeenCalled();
    writeFileSync(target, 'two');
    await vi.waitFor(() => expect(changes).toHaveBeenCalledTimes(1));
  });

  it('after stop(), a change calls nothing and nothing is watched', async () => {
    const { link, target } = linkedConfig();
    const { changes, watcher } = watch(link, 'one');
    await watcher.start();
    writeFileSync(target, 'two'); // its event is pending when stop() comes
    watcher.stop();
    await settle();
    expect(changes).not.toHaveBeenCalled();
    expect(watcher.watchedDirs).toEqual([]);
  });
});
