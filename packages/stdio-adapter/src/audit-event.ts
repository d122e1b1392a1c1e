import type { JsonRpcId } from '@mcpgw/core';

/**
 * One `decision` audit event: one per JSON-RPC request of the client (and
 * per refused notification or invalid message), written when its answer is
 * sent, or when the exchange ends without one (SPEC §5). The same shape as
 * `@mcpgw/express`'s, so one audit log reads the same whichever transport
 * wrote it; stdio has no HTTP, so `status` is always `null`, and `session`
 * and `client` too (one client per process). It never carries message
 * content — only names, counts and codes — and names that match a redact
 * pattern are redacted too.
 */
export interface StdioDecisionEvent {
  readonly time: string;
  readonly event: 'decision';
  readonly generation: number;
  /** The wrapped server's name. */
  readonly upstream: string;
  readonly session: null;
  readonly client: null;
  readonly method: string | null;
  readonly tool: string | null;
  readonly id: JsonRpcId | null;
  readonly action: 'allow' | 'deny' | 'redact' | 'rate_limit';
  readonly rules: readonly string[];
  readonly redactions: { readonly request: number; readonly response: number };
  /** Always null: no HTTP status on stdio. */
  readonly status: null;
  /** JSON-RPC error code when the answer was an error, else null. */
  readonly error_code: number | null;
  /** True when the tool result carried `isError: true`. */
  readonly is_error: boolean;
  readonly duration_ms: number;
  /**
   * Set when the request ended without an answer: the client went away
   * (`client_closed`), the server ended or sent an answer the gateway could
   * not use (`upstream_failed`, with `upstream_error`), or the server ended
   * after the client had closed its input (`no_response`).
   */
  readonly outcome?: 'client_closed' | 'upstream_failed' | 'no_response';
  readonly upstream_error?: string;
  /** Set on a rate_limit refusal for a new key over the rule's `max_keys`. */
  readonly reason?: 'key_budget_full';
}

/** Why a client line was refused before any message in it could be decided on. */
export type ClientLineProblem = 'parse_error' | 'invalid_request' | 'line_too_long' | 'internal';

/**
 * One `request_refused` audit event: a line of the client that carried no
 * message the policy could decide on (not JSON, too long, an empty or too
 * large batch, a failure while deciding), answered with a JSON-RPC error.
 * Thinned in a flood, as over HTTP: the next one written counts those left
 * out (`suppressed`). `session`, `client`, `http_method` and `status` are
 * null on stdio.
 */
export interface StdioRefusalEvent {
  readonly time: string;
  readonly event: 'request_refused';
  readonly upstream: string;
  readonly session: null;
  readonly client: null;
  readonly http_method: null;
  readonly reason: ClientLineProblem;
  /** The error the client got (names that match a redact pattern are redacted). */
  readonly message: string;
  readonly status: null;
  readonly error_code: number;
  /** Length of a line too long to read, in bytes. */
  readonly bytes?: number;
  readonly suppressed?: number;
}

/** Why a line of the server was not passed on. */
export type ServerLineProblem = 'parse_error' | 'invalid_message' | 'line_too_long';

/**
 * One `server_message_dropped` audit event: a line of the server's stdout
 * that was not passed on to the client because it is not a JSON-RPC message
 * the gateway can check (not JSON — a stray log line —, not JSON-RPC, too
 * long). Thinned like `request_refused`.
 */
export interface ServerDropEvent {
  readonly time: string;
  readonly event: 'server_message_dropped';
  readonly upstream: string;
  readonly reason: ServerLineProblem;
  /** What was wrong, in plain words (never the line itself). */
  readonly message: string;
  readonly bytes: number;
  readonly suppressed?: number;
}

/** Every event the stdio gateway audits. */
export type StdioAuditEvent = StdioDecisionEvent | StdioRefusalEvent | ServerDropEvent;

/** Receives audit events; must not throw (errors are caught and dropped). */
export type StdioAuditListener = (event: StdioAuditEvent) => void;
