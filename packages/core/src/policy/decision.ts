import type { HeaderSource } from '../jsonrpc/header-value.js';
import type { JsonRpcError, JsonRpcErrorResponse, JsonRpcId, MessageKind } from '../jsonrpc/message.js';
import type { ParamHeaderMap } from '../jsonrpc/mirrored-headers.js';
import type { RateLimitStore } from '../rate-limit/rate-limit-store.js';
import type { ResponseScope } from './response-scope.js';

/**
 * Who sends a message, once an adapter has authenticated the caller (SPEC
 * §9): the subject, how it was proven, and what rules may match on. Absent
 * for an anonymous caller. Today only carried (the exchange passes it to
 * the policy and keeps it with each request); rules and audit read it with
 * `auth` (SPEC §9).
 */
export interface CallerIdentity {
  readonly sub: string;
  readonly via: 'jwt' | 'api_key';
  readonly groups?: readonly string[];
  readonly scope?: readonly string[];
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** Where a message is evaluated: who sent it, to which upstream, under which generation. */
export interface EvaluationContext {
  /** Policy generation, reported in refusals (`data.generation`). A lease fills it in. */
  readonly generation?: number;
  /** Name of the upstream the message is for (matched by `match.upstream`). */
  readonly upstream?: string;
  /** HTTP request headers (matched by `match.headers`, keyed by `header:<name>` limits). */
  readonly headers?: HeaderSource;
  /** Client address (keyed by `client` limits). */
  readonly client?: string;
  /** MCP session id (keyed by `session` limits). */
  readonly session?: string;
  /** The authenticated caller, if any. */
  readonly identity?: CallerIdentity;
  /** Counter store for rate_limit rules. A lease fills in its handle's store. */
  readonly rateLimits?: RateLimitStore;
  /** Clock for rate limits, in ms (default `Date.now()`). */
  readonly now?: number;
  /**
   * The `x-mcp-header` annotations of a tool, when known (learned from
   * `tools/list`), to check `Mcp-Param-*` headers against the arguments.
   */
  readonly paramHeaders?: (tool: string) => ParamHeaderMap | undefined;
}

/** What to do with a message. `invalid`: not a JSON-RPC message mcpgw can decide on. */
export type DecisionAction = 'allow' | 'redact' | 'deny' | 'rate_limit' | 'invalid';

/**
 * The verdict on one client-to-server JSON-RPC message. A refusal is a
 * result, not an exception: `forward` is false and `reply` holds the error
 * response to send (null for notifications, which cannot be answered).
 */
export interface Decision {
  readonly action: DecisionAction;
  readonly kind: MessageKind;
  readonly method: string | null;
  readonly tool: string | null;
  readonly id: JsonRpcId | undefined;
  /** Names of the rules that matched and took part, in config order. */
  readonly rules: readonly string[];
  /** Whether the message goes on to the upstream. */
  readonly forward: boolean;
  /** The message to forward: the input, or a redacted copy. Null when refused. */
  readonly message: unknown;
  /** The JSON-RPC error for a refusal. */
  readonly error: JsonRpcError | null;
  /** The error response to send for a refused request (null for notifications). */
  readonly reply: JsonRpcErrorResponse | null;
  /** Replacements made in the forwarded message. */
  readonly redactions: number;
  /** For `rate_limit`: milliseconds until a retry may succeed (for `Retry-After`). */
  readonly retryAfterMs: number | null;
  /** Redaction to apply to everything that comes back for this message. */
  readonly responseScope: ResponseScope;
  /**
   * True when the message was refused only because another message of its
   * batch was (a batch is forwarded whole or not at all): action `deny`,
   * rules `[]`, error `-32003` "not forwarded: another message in this batch
   * was refused". Its own rate limits were not asked. False otherwise.
   */
  readonly refusedWithBatch: boolean;
}

/** The result of redacting a server-to-client message. */
export interface RedactionResult {
  /** The input, or a redacted copy when something was replaced. */
  readonly message: unknown;
  readonly redactions: number;
}

/** A `tools/list` result with the tools a deny rule refuses removed. */
export interface ToolsListResult {
  readonly result: unknown;
  /** Names of the tools removed. */
  readonly removed: readonly string[];
}
