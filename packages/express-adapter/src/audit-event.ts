import type { JsonRpcId } from '@mcpgw/core';

/**
 * One `decision` audit event: one per JSON-RPC request, emitted when its
 * response completes (SPEC §5). It never carries message content — only
 * names, counts and codes — and names that match a redact pattern are
 * redacted too.
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
  /** HTTP status sent to the client. */
  readonly status: number;
  /** JSON-RPC error code when the answer was an error, else null. */
  readonly error_code: number | null;
  /** True when the tool result carried `isError: true`. */
  readonly is_error: boolean;
  readonly duration_ms: number;
  /** Set when the exchange ended without a response: why (client closed, upstream failed). */
  readonly outcome?: 'client_closed' | 'upstream_failed' | 'no_response';
}

/** Receives audit events; must not throw (errors are caught and dropped). */
export type AuditListener = (event: DecisionAuditEvent) => void;
