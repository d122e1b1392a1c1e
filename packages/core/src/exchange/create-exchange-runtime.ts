import type { PolicyHandle } from '../handle/policy-handle.js';
import type { AuditListener } from './audit-event.js';
import { AuditTrail } from './audit-trail.js';
import type { ExchangeRuntime } from './exchange-context.js';
import { OutstandingRequests, type OutstandingLimits } from './outstanding-requests.js';
import { ParamHeaderCache } from './param-header-cache.js';
import type { RequestTracer } from './request-tracer.js';

/** Options of {@link createExchangeRuntime}. */
export interface ExchangeRuntimeOptions {
  /** Receives the audit events: one `decision` per JSON-RPC request, `request_refused` and `server_message_dropped` (thinned in a flood). None: nothing is audited. */
  readonly onAudit?: AuditListener | undefined;
  /** Messages in one JSON-RPC batch, at most (a larger batch is refused whole). Default 100. */
  readonly batchMessages?: number;
  /**
   * Forwarded requests remembered until their answer arrives, which may come
   * on another stream of the session. Defaults: 20,000 in all, 1,000 per
   * session, for 10 minutes.
   */
  readonly outstanding?: Partial<OutstandingLimits>;
  /** Traces each request that gets a `decision` event (SPEC §11), and passes its trace context upstream. None: nothing is traced or changed. */
  readonly tracer?: RequestTracer | undefined;
}

const DEFAULT_OUTSTANDING: OutstandingLimits = Object.freeze({ maxRequests: 20_000, maxPerSession: 1_000, ttlMs: 10 * 60_000 });

/**
 * What every exchange of one gateway shares: the policy handle, the audit
 * trail, the requests waiting for an answer, and the `x-mcp-header`
 * annotations learned from tools lists. One per gateway, whatever its
 * transport; {@link ExchangeRuntime.close} it at shutdown.
 *
 * @example
 * const runtime = createExchangeRuntime(handle, { onAudit: (event) => console.log(JSON.stringify(event)) });
 * const exchange = new Exchange(runtime, { upstream: 'everything', headers: req.headers, client: req.socket.remoteAddress });
 */
export function createExchangeRuntime(handle: PolicyHandle, options: ExchangeRuntimeOptions = {}): ExchangeRuntime {
  const audit = new AuditTrail(options.onAudit);
  // A request whose stream ended without its answer, and no answer came on another stream in time.
  const outstanding = new OutstandingRequests({ ...DEFAULT_OUTSTANDING, ...options.outstanding }, (tracked) =>
    audit.decision(tracked, tracked.origin.status, { outcome: 'no_response' }),
  );
  return {
    handle,
    audit,
    outstanding,
    paramHeaders: new ParamHeaderCache(),
    batchMessages: options.batchMessages ?? 100,
    tracer: options.tracer ?? null,
    close: () => {
      outstanding.close();
      audit.flush();
    },
  };
}
