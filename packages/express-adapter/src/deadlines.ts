/** A pending deadline; see {@link Deadlines}. */
export interface Deadline {
  due: number;
  readonly ms: number;
  readonly onExpire: () => void;
}

/** How often deadlines are checked: timeouts fire up to this late (or early). */
const TICK_MS = 100;

/**
 * Coarse timeouts for many requests at once: one interval checks every
 * pending deadline, instead of a timer per request armed, refreshed and
 * cleared on the hot path (measured: per-request timers cost the gateway a
 * fifth of its throughput on a loaded machine). Deadlines fire within
 * ±{@link TICK_MS} ms of their time — fine for upstream timeouts of seconds.
 */
export class Deadlines {
  readonly #pending = new Set<Deadline>();
  #timer: NodeJS.Timeout | null = null;
  /** The time as of the last tick (no clock read per request). */
  #now = 0;

  /** Calls `onExpire` once, about `ms` from now, unless cancelled or refreshed first. */
  add(ms: number, onExpire: () => void): Deadline {
    if (this.#timer === null) {
      this.#now = performance.now();
      this.#timer = setInterval(() => this.#tick(), TICK_MS);
      this.#timer.unref();
    }
    const deadline: Deadline = { due: this.#now + ms, ms, onExpire };
    this.#pending.add(deadline);
    return deadline;
  }

  /** Starts the deadline's period again from now. */
  refresh(deadline: Deadline): void {
    deadline.due = this.#now + deadline.ms;
  }

  cancel(deadline: Deadline): void {
    this.#pending.delete(deadline);
  }

  /** Stops checking (pending deadlines never fire). */
  close(): void {
    this.#pending.clear();
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #tick(): void {
    this.#now = performance.now();
    for (const deadline of this.#pending) {
      if (deadline.due > this.#now) continue;
      this.#pending.delete(deadline);
      deadline.onExpire();
    }
    if (this.#pending.size === 0 && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }
}
