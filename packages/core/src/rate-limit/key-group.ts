import { isLive, type Counter } from './sliding-counter.js';

/** A key's place in its group: its counter, and its neighbours in the order of their last counted hit. */
interface Slot {
  readonly key: string;
  counter: Counter;
  /** Counted less recently. */
  older: Slot | null;
  /** Counted more recently. */
  newer: Slot | null;
}

/**
 * The counters of one group (one rule's counter identity), in the order of
 * their last counted hit, least recent first (a linked list beside the
 * lookup table, so that moving a key to the end costs a few pointer writes
 * and no rehashing). With one window per group, as a policy's groups have,
 * keys whose windows have passed are always at the front: dropping them
 * costs O(1) per key dropped however many keys the group holds, and the
 * first key is the next to leave.
 */
export class KeyGroup {
  readonly #slots = new Map<string, Slot>();
  #oldest: Slot | null = null;
  #newest: Slot | null = null;

  /** Keys held, live or not yet swept. */
  get size(): number {
    return this.#slots.size;
  }

  get(key: string): Counter | undefined {
    return this.#slots.get(key)?.counter;
  }

  /** Replaces a key's counter in place (another representation of the same hits). */
  replace(key: string, counter: Counter): void {
    const slot = this.#slots.get(key);
    if (slot !== undefined) slot.counter = counter;
  }

  /** Puts `key` at the end, with `counter`: a hit was just counted under it. */
  touch(key: string, counter: Counter): void {
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = { key, counter, older: null, newer: null };
      this.#slots.set(key, slot);
    } else {
      slot.counter = counter;
      if (slot === this.#newest) return;
      this.#unlink(slot);
    }
    slot.older = this.#newest;
    if (this.#newest === null) this.#oldest = slot;
    else this.#newest.newer = slot;
    this.#newest = slot;
  }

  /** Drops the keys at the front that have no counted hit in their window at `now`. */
  sweep(now: number): void {
    while (this.#oldest !== null && !isLive(this.#oldest.counter, now)) {
      const slot = this.#oldest;
      this.#unlink(slot);
      this.#slots.delete(slot.key);
    }
  }

  /**
   * Milliseconds until the least recently counted key leaves its window (at
   * least 1), passing over keys for which `refreshed` is true (a hit is being
   * counted under them now); undefined when no key is left.
   */
  nextPlaceIn(now: number, refreshed: (key: string) => boolean): number | undefined {
    for (let slot = this.#oldest; slot !== null; slot = slot.newer) {
      if (!refreshed(slot.key)) return Math.max(1, Math.ceil(slot.counter.newest + slot.counter.windowMs - now));
    }
    return undefined;
  }

  #unlink(slot: Slot): void {
    if (slot.older === null) this.#oldest = slot.newer;
    else slot.older.newer = slot.newer;
    if (slot.newer === null) this.#newest = slot.older;
    else slot.newer.older = slot.older;
    slot.older = null;
    slot.newer = null;
  }
}
