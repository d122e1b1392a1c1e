import type { JsonRpcId } from '../jsonrpc/message.js';
import type { GatewayErrorKind } from './exchange-error.js';

/**
 * One `decision` audit event: one per JSON-RPC request (and per refused
 * notification), emitted when its response completes (SPEC §5). It never
 * carries message content — only names, counts and codes — and names that
 * match a redact pattern are redacted too.
 */
export interface DecisionAuditEvent {
  readonly time: string;
  readonly event: 'decision';
  readonly generation: number;
  readonly upstream: string;
  readonly session: string | null;
  readonly client: string | null;
  readonly method: string | null;
  readonly tool: string | null;
  readonly id: JsonRpcId | null;
  readonly action: 'allow' | 'deny' | 'redact' | 'rate_limit';
  readonly rules: readonly string[];
  readonly redactions: { readonly request: number; readonly response: number };
  /**
   * HTTP status sent to the client. `null` when none was: the gateway
   * abandoned the request at shutdown before its response began.
   */
  readonly status: number | null;
  /** JSON-RPC error code when the answer was an error, else null. */
  readonly error_code: number | null;
  /** True when the tool result carried `isError: true`. */
  readonly is_error: boolean;
  readonly duration_ms: number;
  /**
   * Set when the exchange ended without a response: why (client closed,
   * upstream failed, no answer came, or `abandoned`: the gateway gave up on
   * it at shutdown and dropped the connection).
   */
  readonly outcome?: 'client_closed' | 'upstream_failed' | 'no_response' | 'abandoned';
  /**
   * With `outcome: "upstream_failed"`: what failed, for operators — the
   * client's message and what it was not told, such as the socket error
   * (`upstream "main" is unreachable: connect ECONNREFUSED 10.0.0.5:3001`).
   */
  readonly upstream_error?: string;
  /** Set when the answer arrived on another stream of the session than the request's own (a resumed GET stream). */
  readonly resumed?: true;
  /** Set on a rate_limit refusal that is not the limit itself: `key_budget_full` (the rule holds `max_keys` keys, and this one is new). */
  readonly reason?: 'key_budget_full';
}

/**
 * One `request_refused` audit event: an HTTP request refused before any
 * JSON-RPC request in it could be decided on (a parse error, a body too
 * large, an Origin not allowed, a 2026-era batch, …). A flood of them is
 * thinned: at most a few a second per reason, and the next one written
 * says how many were left out (`suppressed`).
 */
export interface RefusalAuditEvent {
  readonly time: string;
  readonly event: 'request_refused';
  readonly upstream: string;
  readonly session: string | null;
  readonly client: string | null;
  /** The HTTP method of the refused request. */
  readonly http_method: string | null;
  readonly reason: GatewayErrorKind;
  /** The error the client got, as it got it (names that match a redact pattern are redacted). */
  readonly message: string;
  /** The HTTP status it was answered with; null on stdio. */
  readonly status: number | null;
  readonly error_code: number;
  /** The length of a line too long to read (stdio), in bytes. */
  readonly bytes?: number;
  /** Refusals of this reason left out since the last one written. */
  readonly suppressed?: number;
}

/** Why something the server sent was not passed on: not JSON (or not UTF-8), not JSON-RPC, or too long to read. */
export type DroppedReason = 'parse_error' | 'invalid_message' | 'line_too_long';

/**
 * One `server_message_dropped` audit event: something an upstream sent (a
 * stdio server's stdout line) that is no message the gateway can check, and
 * was not passed on. Thinned in a flood like refusals.
 */
export interface ServerMessageDroppedEvent {
  readonly time: string;
  readonly event: 'server_message_dropped';
  readonly upstream: string;
  readonly reason: DroppedReason;
  /** What was wrong, in plain words (never what was sent). */
  readonly message: string;
  readonly bytes: number;
  readonly suppressed?: number;
}

/** Every event the gateway audits. */
export type GatewayAuditEvent = DecisionAuditEvent | RefusalAuditEvent | ServerMessageDroppedEvent;

/** Receives audit events; must not throw (errors are caught and dropped). */
export type AuditListener = (event: GatewayAuditEvent) => void;
