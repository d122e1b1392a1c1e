import type { CompiledPolicy } from '../policy/compiled-policy.js';
import type { AuditListener, DecisionAuditEvent, DroppedReason, GatewayAuditEvent, RefusalAuditEvent, ServerMessageDroppedEvent } from './audit-event.js';
import type { GatewayError } from './exchange-error.js';
import type { TrackedRequest } from './tracked-request.js';

/** Refusal events written per reason and second before a flood is thinned. */
const REFUSALS_PER_SECOND = 10;

/** What a refusal event says of where the refused request came from. */
export interface RefusalOrigin {
  readonly upstream: string;
  readonly session: string | null;
  readonly client: string | null;
  readonly httpMethod: string | null;
  /** For redacting names in the event (the policy the request was admitted under, or the current one). */
  readonly policy: CompiledPolicy;
}

/** An event of a kind that is thinned in a flood, before it says how many were left out. */
type ThinnedEvent = Omit<RefusalAuditEvent, 'suppressed'> | Omit<ServerMessageDroppedEvent, 'suppressed'>;

interface Thinning {
  tokens: number;
  at: number;
  /** Refusals left out since the last one written, and the newest of them (written when the flood ends). */
  suppressed: number;
  latest: ThinnedEvent | null;
  timer: NodeJS.Timeout | null;
}

/**
 * Writes the gateway's audit events to its listener: one `decision` event
 * per JSON-RPC request, and `request_refused` events for HTTP requests
 * refused before any decision, thinned to {@link REFUSALS_PER_SECOND} per
 * reason and second (the next one written, or one a second after a flood,
 * counts those left out). A listener that throws never breaks a request.
 */
export class AuditTrail {
  readonly #listener: AuditListener | undefined;
  /** Per event kind and reason (`request_refused:parse_error`). */
  readonly #thinning = new Map<string, Thinning>();

  constructor(listener: AuditListener | undefined) {
    this.#listener = listener;
  }

  /** The decision event of a request, written when its answer is delivered (or it ended without one). */
  decision(tracked: TrackedRequest, status: number | null, details: { outcome?: DecisionAuditEvent['outcome']; resumed?: boolean; upstreamError?: string | undefined } = {}): void {
    if (this.#listener === undefined && tracked.trace === null) return;
    const { decision, origin } = tracked;
    const policy = origin.policy;
    const text = (value: string | null) => (value === null ? null : policy.redactText(value));
    const redacted = decision.redactions + tracked.responseRedactions > 0;
    const reason = (decision.error?.data as { reason?: unknown } | undefined)?.reason;
    const event: DecisionAuditEvent = {
      time: new Date().toISOString(),
      event: 'decision',
      generation: origin.generation,
      upstream: origin.upstream,
      session: text(origin.session),
      client: origin.client,
      method: text(decision.method),
      tool: text(decision.tool),
      id: decision.id === undefined ? null : typeof decision.id === 'string' ? policy.redactText(decision.id) : decision.id,
      action: auditAction(tracked, redacted),
      rules: decision.rules,
      redactions: { request: decision.redactions, response: tracked.responseRedactions },
      status,
      error_code: tracked.errorCode,
      is_error: tracked.isError,
      duration_ms: Math.round((performance.now() - origin.started) * 1000) / 1000,
      ...(details.outcome === undefined ? {} : { outcome: details.outcome }),
      ...(details.upstreamError === undefined ? {} : { upstream_error: policy.redactText(details.upstreamError) }),
      ...(details.resumed === true ? { resumed: true } : {}),
      ...(reason === 'key_budget_full' ? { reason } : {}),
    };
    // The trace ends with what the audit log gets: the same names, redacted the same way.
    try {
      tracked.trace?.end(event);
    } catch {
      // A tracer must not break the request path.
    }
    this.#emit(event);
  }

  /**
   * A `request_refused` event for a client body refused before any decision
   * (thinned in a flood); `status` is the HTTP status it was answered with
   * (null for stdio, which has none), `bytes` the length of a line too long
   * to read.
   */
  refusal(origin: RefusalOrigin, error: GatewayError, status: number | null = error.httpStatus, bytes?: number): void {
    if (this.#listener === undefined) return;
    this.#thinned(`request_refused:${error.kind}`, {
      time: new Date().toISOString(),
      event: 'request_refused',
      upstream: origin.upstream,
      session: origin.session === null ? null : origin.policy.redactText(origin.session),
      client: origin.client,
      http_method: origin.httpMethod,
      reason: error.kind,
      message: origin.policy.redactText(error.message),
      status,
      error_code: error.rpcCode,
      ...(bytes === undefined ? {} : { bytes }),
    });
  }

  /**
   * A `server_message_dropped` event: something the server sent that is no
   * message the gateway can check, and was not passed on (thinned in a flood
   * like refusals). `message` says what was wrong, never what was sent.
   */
  dropped(upstream: string, reason: DroppedReason, message: string, bytes: number): void {
    if (this.#listener === undefined) return;
    this.#thinned(`server_message_dropped:${reason}`, { time: new Date().toISOString(), event: 'server_message_dropped', upstream, reason, message, bytes });
  }

  /** Writes what a flood left out, now (at shutdown). */
  flush(): void {
    for (const key of this.#thinning.keys()) this.#flush(key);
  }

  /** Writes an event of a kind thinned to {@link REFUSALS_PER_SECOND} a second, or counts it left out. */
  #thinned(key: string, event: ThinnedEvent): void {
    const thinning = this.#thinningOf(key);
    const now = performance.now();
    thinning.tokens = Math.min(REFUSALS_PER_SECOND, thinning.tokens + ((now - thinning.at) / 1000) * REFUSALS_PER_SECOND);
    thinning.at = now;
    if (thinning.tokens < 1) {
      thinning.suppressed++;
      thinning.latest = event;
      thinning.timer ??= setTimeout(() => this.#flush(key), 1000).unref();
      return;
    }
    thinning.tokens--;
    this.#writeThinned(thinning, event);
  }

  #flush(key: string): void {
    const thinning = this.#thinning.get(key);
    if (thinning === undefined) return;
    if (thinning.timer !== null) clearTimeout(thinning.timer);
    thinning.timer = null;
    const latest = thinning.latest;
    if (latest === null) return;
    // The newest one left out is written itself; it counts the others.
    thinning.suppressed--;
    this.#writeThinned(thinning, latest);
  }

  #writeThinned(thinning: Thinning, event: ThinnedEvent): void {
    const suppressed = thinning.suppressed;
    thinning.suppressed = 0;
    thinning.latest = null;
    this.#emit(suppressed > 0 ? { ...event, suppressed } : event);
  }

  #thinningOf(key: string): Thinning {
    let thinning = this.#thinning.get(key);
    if (thinning === undefined) {
      thinning = { tokens: REFUSALS_PER_SECOND, at: performance.now(), suppressed: 0, latest: null, timer: null };
      this.#thinning.set(key, thinning);
    }
    return thinning;
  }

  #emit(event: GatewayAuditEvent): void {
    try {
      this.#listener?.(event);
    } catch {
      // An audit sink must not break the request path.
    }
  }
}

function auditAction({ decision, forwarded }: TrackedRequest, redacted: boolean): DecisionAuditEvent['action'] {
  if (decision.action === 'deny' || decision.action === 'rate_limit') return decision.action;
  // Invalid messages, and allowed requests of a refused batch, never reached the upstream.
  if (!forwarded) return 'deny';
  return redacted ? 'redact' : 'allow';
}
