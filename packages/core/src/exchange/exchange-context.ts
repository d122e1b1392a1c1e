import type { HeaderSource } from '../jsonrpc/header-value.js';
import type { CallerIdentity, Decision } from '../policy/decision.js';
import type { PolicyHandle } from '../handle/policy-handle.js';
import type { AuditTrail } from './audit-trail.js';
import type { OutstandingRequests } from './outstanding-requests.js';
import type { ParamHeaderCache } from './param-header-cache.js';
import type { ExchangeAnswer } from './refusal-answer.js';
import type { RequestTracer } from './request-tracer.js';

/**
 * What every exchange of one gateway shares, whatever its transport: made
 * by {@link createExchangeRuntime}. `audit`, `outstanding` and
 * `paramHeaders` are the engine's own (their classes are in
 * `@mcpgw/core/internal`, with no compatibility promise).
 */
export interface ExchangeRuntime {
  readonly handle: PolicyHandle;
  readonly audit: AuditTrail;
  /** Forwarded requests of each session whose answer has not arrived yet. */
  readonly outstanding: OutstandingRequests;
  readonly paramHeaders: ParamHeaderCache;
  /** Messages in one JSON-RPC batch, at most (a larger batch is refused whole). */
  readonly batchMessages: number;
  /** Traces each audited request, or null when nothing is traced. */
  readonly tracer: RequestTracer | null;
  /**
   * At shutdown, once no exchange is open: audits the requests still
   * awaited on another stream (`no_response`), writes the count of events a
   * flood left out, and stops the expiry timer.
   */
  close(): void;
}

/** Who sends an exchange's messages, and to which upstream. */
export interface ExchangeContext {
  /** The upstream's name (matched by `match.upstream`, in audit events). */
  readonly upstream: string;
  /** The request's headers (HTTP), or none (stdio). */
  readonly headers?: HeaderSource & Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The client's address, for `client` rate limits and audit. */
  readonly client?: string;
  /** The MCP session, when the transport has one (2025-era HTTP). */
  readonly session?: string;
  /** The authenticated caller, when the adapter authenticates (SPEC §9); absent = anonymous. */
  readonly identity?: CallerIdentity;
  /** The HTTP method, for `request_refused` events; null (or absent) off HTTP, where answers have no status. */
  readonly httpMethod?: string | null;
  /**
   * The connection its requests are remembered under until answered, when
   * the transport has no session (a stdio connection): what {@link Channel}
   * finds an answer's request by. Not a session: not audited, not a rate-limit key.
   */
  readonly connection?: string;
}

/**
 * What to do with a client's message or batch once decided: forward it
 * (already checked and redacted; `headers` are the HTTP headers that mirror
 * the body, rewritten to follow it), or answer the client directly with
 * the refusal, forwarding nothing.
 */
export type Admission =
  | { readonly forward: true; readonly body: unknown; readonly decisions: readonly Decision[]; readonly headers: Readonly<Record<string, string | null>> }
  | { readonly forward: false; readonly answer: ExchangeAnswer; readonly decisions: readonly Decision[] };

/** Why an exchange's unanswered requests are audited as they are, when it closes. */
export interface ExchangeEnd {
  /** The response reached the client whole (false: the client went away first). */
  readonly finished: boolean;
  /** The status the client got (HTTP), or null (stdio). */
  readonly status: number | null;
  /** The response carried an event id: the client can resume it, and an answer may still come on another stream. */
  readonly resumable?: boolean;
}
