import { ErrorCodes, McpgwError } from '../util/mcpgw-error.js';
import { CompiledPolicy } from '../policy/compiled-policy.js';
import type { Decision, EvaluationContext } from '../policy/decision.js';
import { MemoryRateLimitStore } from '../rate-limit/memory-rate-limit-store.js';
import type { RateLimitStore } from '../rate-limit/rate-limit-store.js';

/**
 * One request's hold on one policy generation. Everything decided for the
 * request uses `policy`, whatever swaps happen meanwhile; `release()` when
 * the request is over (idempotent).
 */
export interface PolicyLease {
  readonly generation: number;
  readonly policy: CompiledPolicy;
  /** The handle's rate-limit store (counters live outside generations). */
  readonly rateLimits: RateLimitStore;
  /** Whether `release()` has been called. */
  readonly released: boolean;
  release(): void;
  /** `policy.evaluate` with this lease's generation and rate-limit store filled in. */
  evaluate(message: unknown, context?: EvaluationContext): Promise<Decision>;
  /** `policy.evaluateBatch` (a batch forwarded whole or not at all) with this lease's generation and rate-limit store filled in. */
  evaluateBatch(messages: readonly unknown[], context?: EvaluationContext): Promise<Decision[]>;
}

/** A generation that is still running requests. */
export interface GenerationStatus {
  readonly generation: number;
  readonly inFlight: number;
  readonly current: boolean;
}

export interface PolicyHandleOptions {
  /** Where rate-limit counters live (default: a {@link MemoryRateLimitStore}). */
  readonly rateLimits?: RateLimitStore;
}

/** Called once when a replaced generation has no lease left. */
export type DrainListener = (generation: number) => void;

/** Called after each swap with the new and the replaced generation numbers. */
export type SwapListener = (generation: number, previous: number) => void;

interface GenerationState {
  readonly generation: number;
  readonly policy: CompiledPolicy;
  inFlight: number;
}

class Lease implements PolicyLease {
  readonly generation: number;
  readonly policy: CompiledPolicy;
  readonly rateLimits: RateLimitStore;
  #state: GenerationState | null;
  readonly #onRelease: (state: GenerationState) => void;

  constructor(state: GenerationState, rateLimits: RateLimitStore, onRelease: (state: GenerationState) => void) {
    this.generation = state.generation;
    this.policy = state.policy;
    this.rateLimits = rateLimits;
    this.#state = state;
    this.#onRelease = onRelease;
  }

  get released(): boolean {
    return this.#state === null;
  }

  release(): void {
    const state = this.#state;
    if (state === null) return;
    this.#state = null;
    this.#onRelease(state);
  }

  evaluate(message: unknown, context: EvaluationContext = {}): Promise<Decision> {
    return this.policy.evaluate(message, this.#filledIn(context));
  }

  evaluateBatch(messages: readonly unknown[], context: EvaluationContext = {}): Promise<Decision[]> {
    return this.policy.evaluateBatch(messages, this.#filledIn(context));
  }

  #filledIn(context: EvaluationContext): EvaluationContext {
    return { ...context, generation: this.generation, rateLimits: context.rateLimits ?? this.rateLimits };
  }
}

/**
 * Holds the current compiled policy and its generation number (SPEC §4).
 * `acquire()` pins a request to the current generation; `swap()` installs a
 * new one atomically — leases taken before keep theirs. A replaced
 * generation lives exactly as long as its leases, then `onDrained` fires.
 *
 * @example
 * const handle = new PolicyHandle(compilePolicy(config));
 * const lease = handle.acquire();
 * try { const decision = await lease.evaluate(message, { upstream: 'docs' }); }
 * finally { lease.release(); }
 * handle.swap(compilePolicy(nextConfig)); // returns 2
 */
export class PolicyHandle {
  /** The rate-limit store shared by every generation. */
  readonly rateLimits: RateLimitStore;
  #current: GenerationState;
  /** Generations with leases in flight (the current one always included). */
  readonly #live = new Map<number, GenerationState>();
  readonly #drainListeners = new Set<DrainListener>();
  readonly #swapListeners = new Set<SwapListener>();

  constructor(policy: CompiledPolicy, options: PolicyHandleOptions = {}) {
    assertCompiled(policy);
    this.rateLimits = options.rateLimits ?? new MemoryRateLimitStore();
    this.#current = { generation: 1, policy, inFlight: 0 };
    this.#live.set(1, this.#current);
  }

  /** The current generation number (starts at 1, +1 per swap). */
  get generation(): number {
    return this.#current.generation;
  }

  /** The current compiled policy. Requests should `acquire()` instead, to stay pinned. */
  get policy(): CompiledPolicy {
    return this.#current.policy;
  }

  /** Pins the caller to the current generation until `release()`. */
  acquire(): PolicyLease {
    const state = this.#current;
    state.inFlight++;
    return new Lease(state, this.rateLimits, this.#release);
  }

  /**
   * Installs a new compiled policy as the next generation and returns its
   * number. Leases already taken keep their generation; new ones get this.
   */
  swap(policy: CompiledPolicy): number {
    assertCompiled(policy);
    const previous = this.#current;
    this.#current = { generation: previous.generation + 1, policy, inFlight: 0 };
    this.#live.set(this.#current.generation, this.#current);
    const generation = this.#current.generation;
    for (const listener of [...this.#swapListeners]) listener(generation, previous.generation);
    if (previous.inFlight === 0) this.#drained(previous);
    return generation;
  }

  /** Leases in flight on `generation` (default: all generations). */
  inFlight(generation?: number): number {
    if (generation !== undefined) return this.#live.get(generation)?.inFlight ?? 0;
    let total = 0;
    for (const state of this.#live.values()) total += state.inFlight;
    return total;
  }

  /** The current generation and every older one that still has leases. */
  generations(): GenerationStatus[] {
    return [...this.#live.values()].map((state) => ({
      generation: state.generation,
      inFlight: state.inFlight,
      current: state === this.#current,
    }));
  }

  /** Calls `listener(generation)` each time a replaced generation has drained. Returns an unsubscribe function. */
  onDrained(listener: DrainListener): () => void {
    this.#drainListeners.add(listener);
    return () => this.#drainListeners.delete(listener);
  }

  /**
   * Calls `listener(generation, previous)` after each swap — for holders of
   * long-lived leases (notification streams) that should move to the new
   * generation: release the old lease and `acquire()` again. Returns an
   * unsubscribe function.
   */
  onSwap(listener: SwapListener): () => void {
    this.#swapListeners.add(listener);
    return () => this.#swapListeners.delete(listener);
  }

  /** Resolves when `generation` has no lease left and is not current (at once if already so). */
  whenDrained(generation: number): Promise<void> {
    const state = this.#live.get(generation);
    if (state === undefined && generation <= this.#current.generation) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.onDrained((drained) => {
        if (drained !== generation) return;
        off();
        resolve();
      });
    });
  }

  readonly #release = (state: GenerationState): void => {
    state.inFlight--;
    if (state.inFlight === 0 && state !== this.#current) this.#drained(state);
  };

  #drained(state: GenerationState): void {
    // Once only: a swap listener may have released the last lease already.
    if (!this.#live.delete(state.generation)) return;
    for (const listener of [...this.#drainListeners]) listener(state.generation);
  }
}

function assertCompiled(policy: unknown): asserts policy is CompiledPolicy {
  if (!(policy instanceof CompiledPolicy)) {
    throw new McpgwError(ErrorCodes.POLICY_NOT_COMPILED, 'PolicyHandle needs a policy from compilePolicy(config)');
  }
}
