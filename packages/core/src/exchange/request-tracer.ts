import type { DecisionAuditEvent } from './audit-event.js';

/**
 * Where a traced request came from, as the gateway read it when it decided
 * on it. Every string here passed the policy's redaction unchanged: a value
 * that matches a redact pattern is left out, never passed on.
 */
export interface TraceStart {
  /** `performance.now()` when the request arrived (its HTTP request, or its line). */
  readonly started: number;
  /** The client's W3C trace context: `params._meta.traceparent`, else the HTTP `traceparent` header; null when neither (or redacted). */
  readonly traceparent: string | null;
  readonly tracestate: string | null;
  /** `MCP-Protocol-Version` (header, or the 2026 `_meta` key), or an `initialize` request's `protocolVersion`. */
  readonly protocolVersion: string | null;
  /** Whether it goes on to the upstream: then the trace has an upstream call too. */
  readonly forwarded: boolean;
}

/**
 * The trace of one JSON-RPC request through the gateway (SPEC §11), made by
 * a {@link RequestTracer}. It must not throw: the exchange calls it on the
 * request path.
 */
export interface RequestTrace {
  /**
   * The trace context to send upstream with the request (`traceparent`, and
   * `tracestate` when there is one), or null: it goes into the forwarded
   * message's `params._meta` and, on HTTP, the request's headers.
   */
  readonly upstreamContext: Readonly<Record<string, string>> | null;
  /** The upstream's answer to the request arrived (its call ends). */
  upstreamAnswered(): void;
  /** The request's decision event, as the audit log gets it (names redacted): the trace ends. */
  end(event: DecisionAuditEvent): void;
}

/**
 * Traces the gateway's JSON-RPC requests: given to `createExchangeRuntime`
 * as `tracer`. Plain TypeScript, so that @mcpgw/core carries no telemetry
 * dependency; the mcpgw daemon implements it with OpenTelemetry. Called for
 * each request (and refused notification) that gets a `decision` event,
 * when it is decided.
 */
export interface RequestTracer {
  begin(start: TraceStart): RequestTrace;
}
