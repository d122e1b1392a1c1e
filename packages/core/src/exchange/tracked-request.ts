import type { JsonRpcId } from '../jsonrpc/message.js';
import type { CompiledPolicy } from '../policy/compiled-policy.js';
import type { Decision, EvaluationContext } from '../policy/decision.js';
import type { RequestTrace } from './request-tracer.js';

/**
 * Where a request was admitted: the policy generation it is pinned to (its
 * answer is redacted with that generation, wherever the answer arrives) and
 * what its audit event says of its origin. One per HTTP request, shared by
 * the JSON-RPC requests it carried.
 */
export interface RequestOrigin {
  readonly generation: number;
  readonly policy: CompiledPolicy;
  readonly upstream: string;
  /** What filtering an answer's tools list needs of the request's context (no headers: it may be remembered long). */
  readonly context: EvaluationContext;
  readonly client: string | null;
  /** The MCP session, once known (an `initialize` learns it from the answer). */
  session: string | null;
  /** `performance.now()` when the HTTP request arrived. */
  readonly started: number;
  /** HTTP status of the request's own response, set when it closed (for an answer audited later); null off HTTP. */
  status: number | null;
}

/** A JSON-RPC request of the client, from its decision until its audit event. */
export interface TrackedRequest {
  readonly decision: Decision;
  readonly origin: RequestOrigin;
  /** Whether it went to the upstream (an allowed request in a refused batch did not). */
  readonly forwarded: boolean;
  responseRedactions: number;
  errorCode: number | null;
  isError: boolean;
  /** Audited already: nothing more is written for it. */
  answered: boolean;
  /**
   * Another request of its session was outstanding with the same id: an
   * answer to this id cannot be told apart, so it is redacted with every
   * response rule and a tools list in it is filtered.
   */
  ambiguous: boolean;
  /** Its trace, when the gateway traces requests (ended with its decision event). */
  readonly trace: RequestTrace | null;
}

/** Map key of a JSON-RPC id: `1` and `"1"` are different ids. */
export const idKey = (id: JsonRpcId | undefined): string => `${typeof id}:${String(id)}`;
