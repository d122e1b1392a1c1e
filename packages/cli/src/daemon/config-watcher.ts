import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { resolveLinkChain } from './resolve-link-chain.js';

/**
 * Watches a config file for changes and calls `onChange` (debounced) when its
 * content differs from the last content seen.
 *
 * It watches directories, not the file, so that an editor's save-by-rename is
 * seen as well as an in-place write; and it watches every directory the path
 * resolves through (see {@link resolveLinkChain}), so that a config path that
 * is a symlink (`/etc/mcpgw/mcpgw.yaml → /srv/config/mcpgw.yaml`, a chain of
 * them, a Kubernetes ConfigMap's `..data` swap) is followed: an edit of the
 * target, a re-pointed link and a replaced hop are all seen. Every change
 * re-resolves the path and watches the directories anew. The content hash
 * filters out events that changed nothing.
 *
 * Watching never throws: a failure (a directory that cannot be watched, a
 * loop of links) goes to `onError`, and the rest is watched still; a missing
 * file or a dangling link is no failure (the directory where it would be is
 * watched, so its return is seen).
 *
 * @example
 * const watcher = new ConfigWatcher('/etc/mcpgw/mcpgw.yaml', { onChange: reload, onError: warn });
 * watcher.noteContent(textTheDaemonRuns);
 * await watcher.start();
 */
export class ConfigWatcher {
  readonly #path: string;
  readonly #debounceMs: number;
  readonly #onChange: () => void;
  readonly #onError: (error: Error) => void;
  readonly #watchers = new Map<string, FSWatcher>();
  #refreshes: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #lastHash: string | null = null;
  #stopped = false;

  constructor(path: string, options: { debounceMs?: number; onChange: () => void; onError: (error: Error) => void }) {
    this.#path = resolve(path);
    this.#debounceMs = options.debounceMs ?? 250;
    this.#onChange = options.onChange;
    this.#onError = options.onError;
  }

  /** Remembers the content the daemon runs with, so that only real changes trigger a reload. */
  noteContent(text: string): void {
    this.#lastHash = hash(text);
  }

  /**
   * Starts watching. Resolves once the directories are watched (and the file
   * compared with the noted content, so that a change made before that is
   * not missed; with none noted, the content read then is the baseline).
   * Never rejects.
   */
  start(): Promise<void> {
    this.#stopped = false;
    return this.#enqueue(this.#lastHash === null);
  }

  stop(): void {
    this.#stopped = true;
    this.#closeAll();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** The directories watched now (real paths), for tests and diagnostics. */
  get watchedDirs(): readonly string[] {
    return [...this.#watchers.keys()];
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#enqueue(false);
    }, this.#debounceMs);
    this.#timer.unref();
  }

  /** One refresh at a time, so that an older resolution never replaces a newer one. */
  #enqueue(baseline: boolean): Promise<void> {
    // Caught here: a rejection would end the queue, and as an unhandled one it would end the daemon.
    this.#refreshes = this.#refreshes.then(() => this.#refresh(baseline)).catch((error: unknown) => this.#onError(error instanceof Error ? error : new Error(String(error))));
    return this.#refreshes;
  }

  /** Re-resolves the path, watches its directories anew, compares the content (or, as `baseline`, notes it). */
  async #refresh(baseline: boolean): Promise<void> {
    if (this.#stopped) return;
    const chain = await resolveLinkChain(this.#path);
    if (this.#stopped) return;
    this.#watchAll(chain.dirs);
    // A loop of links, an unreadable hop: said, and watched where a fix would show.
    if (chain.error !== undefined) this.#onError(chain.error);
    await this.#check(baseline);
  }

  /**
   * Watches each directory of the chain anew. Anew, not reused: a watch stays
   * on the directory it was opened on, and that directory may since have been
   * removed or renamed and another put in its place.
   */
  #watchAll(dirs: ReadonlyMap<string, ReadonlySet<string>>): void {
    this.#closeAll();
    for (const [dir, names] of dirs) {
      // A directory removed or renamed reports an event with its own name.
      const self = basename(dir);
      let watcher: FSWatcher;
      try {
        watcher = watch(dir, { persistent: false }, (_event, name) => {
          if (name === null || names.has(name) || name === self) this.#schedule();
        });
      } catch (error) {
        // Gone since it was resolved: look again. Anything else (EACCES, ENOSPC) is worth a warning.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') this.#schedule();
        else this.#onError(error as Error);
        continue;
      }
      watcher.on('error', (error) => {
        watcher.close();
        if (this.#watchers.get(dir) === watcher) this.#watchers.delete(dir);
        this.#onError(error);
      });
      this.#watchers.set(dir, watcher);
    }
  }

  #closeAll(): void {
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  async #check(baseline: boolean): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch {
      return; // mid-rename, deleted or dangling: the next event tells
    }
    if (this.#stopped) return;
    const next = hash(text);
    if (next === this.#lastHash) return;
    this.#lastHash = next;
    if (!baseline) this.#onChange();
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
