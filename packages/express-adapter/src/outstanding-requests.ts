import type { JsonRpcId } from '@mcpgw/core';
import { idKey, type TrackedRequest } from './tracked-request.js';

/** Bounds of {@link OutstandingRequests}. */
export interface OutstandingLimits {
  /** Requests remembered in all (oldest forgotten first). */
  readonly maxRequests: number;
  /** Requests remembered per session (past it a new one is not remembered). */
  readonly maxPerSession: number;
  /** How long a request is remembered, in ms. */
  readonly ttlMs: number;
}

interface Entry {
  readonly tracked: TrackedRequest;
  readonly sessionKey: string;
  readonly expires: number;
  /** Its own response stream ended without its answer: it is audited when the answer comes, or when forgotten. */
  awaited: boolean;
}

/**
 * The 2025-era requests of each session that were forwarded and not yet
 * answered, by JSON-RPC id. An upstream may answer a request on another
 * stream of the session than the POST that carried it — the GET stream a
 * client resumes with `Last-Event-ID` after the server ended the POST's
 * stream early (2025-11-25), or the standalone GET stream — and the answer
 * must still get that request's redaction scope and tools/list filtering.
 *
 * Bounded and expiring. A request it does not remember (forgotten, or over
 * a bound) is not a way around the policy: an answer the gateway cannot
 * place is redacted with every response rule.
 */
export class OutstandingRequests {
  readonly #limits: OutstandingLimits;
  /** Insertion order is expiry order: the TTL is the same for every entry. */
  readonly #entries = new Map<string, Entry>();
  readonly #perSession = new Map<string, number>();
  readonly #onForget: (tracked: TrackedRequest) => void;
  readonly #timer: NodeJS.Timeout;

  /** `onForget` gets each awaited request forgotten unanswered (to audit it as having no response). */
  constructor(limits: OutstandingLimits, onForget: (tracked: TrackedRequest) => void) {
    this.#limits = limits;
    this.#onForget = onForget;
    this.#timer = setInterval(() => this.#expire(Date.now()), Math.min(limits.ttlMs, 5_000));
    this.#timer.unref();
  }

  /** Requests remembered now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Remembers a forwarded request of `session` (on `upstream`) until it is answered. */
  add(upstream: string, session: string, tracked: TrackedRequest): void {
    const now = Date.now();
    this.#expire(now);
    const sessionKey = `${upstream}\u0000${session}`;
    const key = `${sessionKey}\u0000${idKey(tracked.decision.id)}`;
    const same = this.#entries.get(key);
    if (same !== undefined) {
      // Two outstanding requests of one session with one id: their answers cannot
      // be told apart. The first stays remembered; both are redacted with everything.
      same.tracked.ambiguous = true;
      tracked.ambiguous = true;
      return;
    }
    const count = this.#perSession.get(sessionKey) ?? 0;
    if (count >= this.#limits.maxPerSession) return;
    while (this.#entries.size >= this.#limits.maxRequests) this.#forgetOldest();
    this.#entries.set(key, { tracked, sessionKey, expires: now + this.#limits.ttlMs, awaited: false });
    this.#perSession.set(sessionKey, count + 1);
  }

  /** The request of `session` with this id, forgotten from here on (it is being answered). */
  take(upstream: string, session: string, id: JsonRpcId | undefined): TrackedRequest | undefined {
    const key = `${upstream}\u0000${session}\u0000${idKey(id)}`;
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#delete(key, entry);
    return entry.tracked;
  }

  /** Forgets a request answered on its own stream. */
  remove(upstream: string, session: string, tracked: TrackedRequest): void {
    const key = `${upstream}\u0000${session}\u0000${idKey(tracked.decision.id)}`;
    const entry = this.#entries.get(key);
    if (entry?.tracked === tracked) this.#delete(key, entry);
  }

  /**
   * Whether the request is remembered; if so it is marked as awaited: its
   * own stream ended without its answer, and it will be audited when the
   * answer arrives on another stream or when it is forgotten.
   */
  await(upstream: string, session: string, tracked: TrackedRequest): boolean {
    const entry = this.#entries.get(`${upstream}\u0000${session}\u0000${idKey(tracked.decision.id)}`);
    if (entry?.tracked !== tracked) return false;
    entry.awaited = true;
    return true;
  }

  /** Forgets everything (audits what was awaited) and stops the expiry timer. */
  close(): void {
    clearInterval(this.#timer);
    while (this.#entries.size > 0) this.#forgetOldest();
  }

  #expire(now: number): void {
    for (const entry of this.#entries.values()) {
      if (entry.expires > now) return;
      this.#forgetOldest();
    }
  }

  #forgetOldest(): void {
    const first = this.#entries.entries().next();
    if (first.done === true) return;
    const [key, entry] = first.value;
    this.#delete(key, entry);
    if (entry.awaited && !entry.tracked.answered) this.#onForget(entry.tracked);
  }

  #delete(key: string, entry: Entry): void {
    this.#entries.delete(key);
    const count = (this.#perSession.get(entry.sessionKey) ?? 1) - 1;
    if (count === 0) this.#perSession.delete(entry.sessionKey);
    else this.#perSession.set(entry.sessionKey, count);
  }
}
