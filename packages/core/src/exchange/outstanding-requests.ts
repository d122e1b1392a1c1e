import type { JsonRpcId } from '../jsonrpc/message.js';
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

interface Meta {
  readonly key: string;
  readonly session: Session;
  readonly expires: number;
  /** Its own response stream ended without its answer: it is audited when the answer comes, or when forgotten. */
  awaited: boolean;
}

/** What is outstanding in one session. */
interface Session {
  readonly key: string;
  /** Requests remembered. */
  stored: number;
  /**
   * Requests forwarded and not answered that are not remembered (over a
   * bound, or forgotten while their own stream was still open). While there
   * are any, an id of a new request may be one of theirs: it is ambiguous.
   */
  unremembered: number;
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
 * place is redacted with every response rule, and so is the answer to an id
 * that two outstanding requests of a session share — or may share, because
 * a request of that session with an id it did not keep is still
 * outstanding.
 *
 * Each request must leave through {@link take}, {@link remove} or
 * {@link await} (then expiry): the exchange removes its requests when their
 * stream ends, unless the stream can be resumed.
 */
export class OutstandingRequests {
  readonly #limits: OutstandingLimits;
  /** By session and id: the requests outstanding with that id (more than one: all ambiguous). */
  readonly #byId = new Map<string, TrackedRequest[]>();
  /** Insertion order is expiry order: the TTL is the same for every request. */
  readonly #meta = new Map<TrackedRequest, Meta>();
  readonly #sessions = new Map<string, Session>();
  /** Requests counted as unremembered in their session, to count them out once. */
  readonly #unremembered = new WeakMap<TrackedRequest, Session>();
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
    return this.#meta.size;
  }

  /** Notes a forwarded request of `session` (on `upstream`) as outstanding until it is answered or removed. */
  add(upstream: string, session: string, tracked: TrackedRequest): void {
    const now = Date.now();
    this.#expire(now);
    const sessionKey = `${upstream}\u0000${session}`;
    const state = this.#sessions.get(sessionKey) ?? { key: sessionKey, stored: 0, unremembered: 0 };
    this.#sessions.set(sessionKey, state);
    // A request of this session the gateway did not keep is outstanding: this id may be its.
    if (state.unremembered > 0) tracked.ambiguous = true;
    if (state.stored >= this.#limits.maxPerSession) {
      tracked.ambiguous = true;
      this.#markUnremembered(tracked, state);
      return;
    }
    while (this.#meta.size >= this.#limits.maxRequests) this.#forgetOldest();
    const key = `${sessionKey}\u0000${idKey(tracked.decision.id)}`;
    const same = this.#byId.get(key);
    if (same === undefined) this.#byId.set(key, [tracked]);
    else {
      // Outstanding requests of one session with one id: their answers cannot be told apart.
      for (const other of same) other.ambiguous = true;
      tracked.ambiguous = true;
      same.push(tracked);
    }
    this.#meta.set(tracked, { key, session: state, expires: now + this.#limits.ttlMs, awaited: false });
    state.stored++;
  }

  /** The (oldest) request of `session` with this id, no longer outstanding (it is being answered). */
  take(upstream: string, session: string, id: JsonRpcId | undefined): TrackedRequest | undefined {
    const tracked = this.#byId.get(`${upstream}\u0000${session}\u0000${idKey(id)}`)?.[0];
    if (tracked !== undefined) this.remove(tracked);
    return tracked;
  }

  /** The request is no longer outstanding: answered on its own stream, or its stream ended for good. */
  remove(tracked: TrackedRequest): void {
    const meta = this.#meta.get(tracked);
    if (meta !== undefined) {
      this.#delete(tracked, meta);
      return;
    }
    const state = this.#unremembered.get(tracked);
    if (state === undefined) return;
    this.#unremembered.delete(tracked);
    state.unremembered--;
    this.#dropIfIdle(state);
  }

  /**
   * Whether the request is remembered; if so it is marked as awaited: its
   * own stream ended without its answer, and it will be audited when the
   * answer arrives on another stream or when it is forgotten.
   */
  await(tracked: TrackedRequest): boolean {
    const meta = this.#meta.get(tracked);
    if (meta === undefined) return false;
    meta.awaited = true;
    return true;
  }

  /** Forgets everything (audits what was awaited) and stops the expiry timer. */
  close(): void {
    clearInterval(this.#timer);
    while (this.#meta.size > 0) this.#forgetOldest();
  }

  #expire(now: number): void {
    for (const meta of this.#meta.values()) {
      if (meta.expires > now) return;
      this.#forgetOldest();
    }
  }

  #forgetOldest(): void {
    const first = this.#meta.entries().next();
    if (first.done === true) return;
    const [tracked, meta] = first.value;
    this.#delete(tracked, meta);
    if (meta.awaited) {
      if (!tracked.answered) this.#onForget(tracked);
    } else {
      // Its own stream is still open: still outstanding, no longer remembered.
      this.#markUnremembered(tracked, meta.session);
    }
  }

  #markUnremembered(tracked: TrackedRequest, state: Session): void {
    state.unremembered++;
    this.#sessions.set(state.key, state);
    this.#unremembered.set(tracked, state);
  }

  #delete(tracked: TrackedRequest, meta: Meta): void {
    this.#meta.delete(tracked);
    const same = this.#byId.get(meta.key);
    if (same !== undefined) {
      const rest = same.filter((other) => other !== tracked);
      if (rest.length === 0) this.#byId.delete(meta.key);
      else this.#byId.set(meta.key, rest);
    }
    meta.session.stored--;
    this.#dropIfIdle(meta.session);
  }

  #dropIfIdle(state: Session): void {
    if (state.stored === 0 && state.unremembered === 0) this.#sessions.delete(state.key);
  }
}
