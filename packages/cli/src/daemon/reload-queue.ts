/**
 * Runs reloads one at a time. A reload asked for while one runs is not
 * queued once per request: a burst coalesces into a single follow-up run,
 * which reads the newest file.
 */
export class ReloadQueue {
  readonly #reload: (reason: string) => Promise<void>;
  #running: Promise<void> | null = null;
  #pending: string | null = null;

  constructor(reload: (reason: string) => Promise<void>) {
    this.#reload = reload;
  }

  /** Asks for a reload; resolves when a reload that started after this call has finished. */
  request(reason: string): Promise<void> {
    if (this.#running !== null) {
      this.#pending = reason;
      return this.#running;
    }
    this.#running = this.#loop(reason);
    return this.#running;
  }

  /** Resolves when no reload is running. */
  async idle(): Promise<void> {
    while (this.#running !== null) await this.#running;
  }

  async #loop(first: string): Promise<void> {
    let reason: string | null = first;
    try {
      while (reason !== null) {
        this.#pending = null;
        await this.#reload(reason);
        reason = this.#pending;
      }
    } finally {
      this.#running = null;
    }
  }
}
