import type { GatewayError } from '@mcpgw/core';

/**
 * How a request to an upstream failed: `unreachable` (refused, reset, DNS,
 * closed without an answer), `timeout` (no answer within `timeout_ms`, or an
 * answer that stopped coming), `bad_response` (an answer the gateway cannot
 * pass on: malformed, too large, a 101, an unknown coding).
 */
export type UpstreamFailureKind = 'unreachable' | 'timeout' | 'bad_response';

/**
 * What became of one request to an upstream, as `onUpstreamOutcome` gets it:
 * the upstream answered (`ok: true`, when its response headers arrived), or
 * the gateway answered in its place (`-32010`/`-32011`) or ended its stream.
 * Requests the client abandoned first are not reported: they say nothing
 * about the upstream.
 */
export type UpstreamOutcome =
  | { readonly upstream: string; readonly time: number; readonly ok: true }
  | {
      readonly upstream: string;
      readonly time: number;
      readonly ok: false;
      readonly kind: UpstreamFailureKind;
      /** What the client was told (redacted with the policy): safe to show to anyone who reaches the gateway. */
      readonly message: string;
      /** The whole error, for operators: `error.detail` holds the socket error and internal address. */
      readonly error: GatewayError;
    };

/** One upstream in a health report (the body of `/healthz` and `/readyz`). */
export interface UpstreamHealthEntry {
  /** `ok`: the newest outcome was an answer; `failing`: a failure; `unknown`: no request yet. */
  readonly status: 'ok' | 'failing' | 'unknown';
  /** When the upstream last answered (ISO 8601), or null. */
  readonly last_success: string | null;
  /** The newest failure, as the client was told it (no socket error, no internal address), or null. */
  readonly last_failure: { readonly time: string; readonly kind: UpstreamFailureKind; readonly message: string } | null;
}

const FAILURE_KINDS: Readonly<Record<string, UpstreamFailureKind>> = {
  upstream_unavailable: 'unreachable',
  upstream_timeout: 'timeout',
  upstream_bad_response: 'bad_response',
};

/** The failure kind of a gateway error, or undefined when it is not the upstream's failure. */
export function failureKind(error: GatewayError): UpstreamFailureKind | undefined {
  return FAILURE_KINDS[error.kind];
}

interface Entry {
  success: number | null;
  failure: { time: number; kind: UpstreamFailureKind; message: string } | null;
  /** Whether the newest outcome recorded was a failure. */
  failing: boolean;
}

/**
 * Remembers each upstream's newest success and newest failure, from the
 * outcomes `mcpGateway` reports, for a health endpoint. The newest outcome
 * decides the status: a success after a failure makes the upstream `ok`
 * again (the failure stays in the report until a newer one replaces it). It
 * never probes an upstream: it says how its latest request went.
 *
 * @example
 * const health = new UpstreamHealth(config.upstreams.map((u) => u.name));
 * app.use('/mcp', mcpGateway({ handle, upstreams: config.upstreams, onUpstreamOutcome: (o) => health.record(o) }));
 * app.get('/readyz', (_req, res) => res.json({ status: 'ok', upstreams: health.report() }));
 */
export class UpstreamHealth {
  readonly #entries = new Map<string, Entry>();

  /** Starts with every named upstream `unknown` (upstreams not named are added when first reported). */
  constructor(upstreams: Iterable<string> = []) {
    for (const name of upstreams) this.#entries.set(name, { success: null, failure: null, failing: false });
  }

  /** Notes an outcome; outcomes are taken as newest in the order they are recorded. */
  record(outcome: UpstreamOutcome): void {
    let entry = this.#entries.get(outcome.upstream);
    if (entry === undefined) this.#entries.set(outcome.upstream, (entry = { success: null, failure: null, failing: false }));
    entry.failing = !outcome.ok;
    if (outcome.ok) entry.success = outcome.time;
    else entry.failure = { time: outcome.time, kind: outcome.kind, message: outcome.message };
  }

  /** Every upstream's state, by name, ready for JSON. */
  report(): Record<string, UpstreamHealthEntry> {
    const report: Record<string, UpstreamHealthEntry> = {};
    for (const [name, { success, failure, failing }] of this.#entries) {
      report[name] = {
        status: failing ? 'failing' : success !== null ? 'ok' : 'unknown',
        last_success: success === null ? null : new Date(success).toISOString(),
        last_failure: failure === null ? null : { time: new Date(failure.time).toISOString(), kind: failure.kind, message: failure.message },
      };
    }
    return report;
  }
}
