import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/**
 * Watches a config file for changes and calls `onChange` (debounced) when its
 * content differs from the last content seen. It watches the directory, not
 * the file, so that an editor's save-by-rename and a Kubernetes ConfigMap's
 * `..data` symlink swap are seen as well as in-place writes; the content
 * hash filters out events that changed nothing.
 */
export class ConfigWatcher {
  readonly #path: string;
  readonly #debounceMs: number;
  readonly #onChange: () => void;
  readonly #onError: (error: Error) => void;
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  #lastHash: string | null = null;

  constructor(path: string, options: { debounceMs?: number; onChange: () => void; onError: (error: Error) => void }) {
    this.#path = path;
    this.#debounceMs = options.debounceMs ?? 250;
    this.#onChange = options.onChange;
    this.#onError = options.onError;
  }

  /** Remembers the content the daemon runs with, so that only real changes trigger a reload. */
  noteContent(text: string): void {
    this.#lastHash = hash(text);
  }

  start(): void {
    const file = basename(this.#path);
    this.#watcher = watch(dirname(this.#path), { persistent: false }, (_event, name) => {
      // Any entry of the directory may stand for the file (ConfigMaps swap `..data`); the hash decides.
      if (name !== null && name !== file && !name.startsWith('..')) return;
      this.#schedule();
    });
    this.#watcher.on('error', (error) => this.#onError(error));
  }

  stop(): void {
    this.#watcher?.close();
    this.#watcher = null;
    if (this.#timer !== null) clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#check();
    }, this.#debounceMs);
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch {
      return; // mid-rename or deleted: the next event tells
    }
    const next = hash(text);
    if (next === this.#lastHash) return;
    this.#lastHash = next;
    this.#onChange();
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
