/**
 * Runs async jobs one at a time, in the order they were pushed, off the
 * caller's path. A failing job is reported and the next one runs.
 */
export class BackgroundQueue {
  #tail: Promise<void> = Promise.resolve();
  readonly #onError: (error: unknown) => void;

  /** `onError` gets what a job threw; it must not throw (what it throws is dropped). */
  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  push(job: () => Promise<void>): void {
    this.#tail = this.#tail.then(job).catch((error: unknown) => {
      try {
        this.#onError(error);
      } catch {
        // A throwing error handler must not become an unhandled rejection.
      }
    });
  }

  /** Resolves when every job pushed so far, and any pushed meanwhile, has finished. */
  async idle(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.#tail;
      await tail;
    } while (tail !== this.#tail);
  }
}
