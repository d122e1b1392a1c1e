import type { Counter, Histogram, Meter } from '@opentelemetry/api';
import type { GatewayAuditEvent, PolicyHandle } from '@mcpgw/core';
import type { UpstreamFailureKind, UpstreamOutcome } from '@mcpgw/express';
import { methodLabel } from './method-label.js';
import { RuleLabels } from './rule-labels.js';

/** Upper bounds of the request duration buckets, in seconds: a policy refusal takes microseconds, a tool call up to minutes. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const FAILURE_KINDS: readonly UpstreamFailureKind[] = ['unreachable', 'timeout', 'bad_response'];

/** What {@link GatewayMetrics} reads: the policy in force, the upstreams' names, the license's expiry. */
export interface GatewayMetricsOptions {
  readonly handle: PolicyHandle;
  /** The configured upstreams' names, whose error series start at 0. */
  readonly upstreams: readonly string[];
  /** When the license expires, in seconds since the epoch; undefined: no sample (no license, or none readable). */
  readonly licenseExpiry?: () => number | undefined;
}

/**
 * mcpgw's own series (SPEC §11), as OpenTelemetry instruments on one meter,
 * named as Prometheus shows them, fed from what the gateway and the reloader
 * report. Every label value comes from the config or from a fixed list:
 * upstream and rule names, MCP method names (else `other`), actions, result
 * and failure kinds — never a tool name or anything else a client sends.
 */
export class GatewayMetrics {
  readonly #requests: Counter;
  readonly #ruleMatches: Counter;
  readonly #duration: Histogram;
  readonly #reloads: Counter;
  readonly #auditErrors: Counter;
  readonly #upstreamErrors: Counter;
  readonly #rules: RuleLabels;

  constructor(meter: Meter, options: GatewayMetricsOptions) {
    this.#rules = new RuleLabels(options.handle);
    this.#requests = meter.createCounter('mcpgw_requests_total', { description: 'JSON-RPC requests decided on, by upstream, MCP method and action.' });
    this.#ruleMatches = meter.createCounter('mcpgw_rule_matches_total', { description: 'Policy rules that matched a request and took part in its decision.' });
    this.#duration = meter.createHistogram('mcpgw_request_duration_seconds', {
      description: 'Time from a request reaching the gateway to its response completing, by upstream and action.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.#reloads = meter.createCounter('mcpgw_policy_reloads_total', { description: 'Policy reloads (SIGHUP, file change), by result.' });
    this.#auditErrors = meter.createCounter('mcpgw_audit_write_errors_total', { description: 'Problems the audit log reported: a failed write, rotation or compression, a dropped event.' });
    this.#upstreamErrors = meter.createCounter('mcpgw_upstream_errors_total', { description: 'Requests an upstream failed, by upstream and kind (unreachable, timeout, bad_response).' });
    meter
      .createObservableGauge('mcpgw_policy_generation', { description: 'Generation of the policy in force (1 at start, one more per successful reload).' })
      .addCallback((result) => result.observe(options.handle.generation));
    const expiry = options.licenseExpiry;
    if (expiry !== undefined) {
      meter.createObservableGauge('mcpgw_license_expiry_timestamp_seconds', { description: 'When the license expires, in seconds since the Unix epoch.', unit: 's' }).addCallback((result) => {
        const seconds = expiry();
        if (seconds !== undefined) result.observe(seconds);
      });
    }
    // Series that alerts watch exist from the start, at 0, so that the first failure is an increase.
    for (const result of ['ok', 'failed']) this.#reloads.add(0, { result });
    this.#auditErrors.add(0);
    for (const upstream of options.upstreams) for (const kind of FAILURE_KINDS) this.#upstreamErrors.add(0, { upstream, kind });
  }

  /** Counts a gateway audit event: a decision's request, its duration and its rules. */
  recordAudit(event: GatewayAuditEvent): void {
    if (event.event !== 'decision') return;
    const { upstream, action } = event;
    this.#requests.add(1, { upstream, method: methodLabel(event.method), action });
    this.#duration.record(event.duration_ms / 1000, { upstream, action });
    for (const rule of event.rules) this.#ruleMatches.add(1, this.#rules.of(rule, action));
  }

  /** Counts an upstream's failure. */
  recordUpstreamOutcome(outcome: UpstreamOutcome): void {
    if (!outcome.ok) this.#upstreamErrors.add(1, { upstream: outcome.upstream, kind: outcome.kind });
  }

  /** Counts a reload, applied (`ok`) or rejected (`failed`). */
  recordReload(result: 'ok' | 'failed'): void {
    this.#reloads.add(1, { result });
  }

  /** Counts one problem of the audit log. */
  recordAuditError(): void {
    this.#auditErrors.add(1);
  }
}
