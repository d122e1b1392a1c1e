import { INVALID_SPAN_CONTEXT, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Histogram, type Meter, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { DecisionAuditEvent, RequestTrace, RequestTracer, TraceStart } from '@mcpgw/core';
import type { SpanAccounting } from './dropped-spans.js';
import { decisionAttributes, errorType, operationAttributes, requestAttributes, spanName } from './mcp-attributes.js';

/** The bucket boundaries the MCP semantic conventions give both duration histograms, in seconds. */
const DURATION_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

const propagator = new W3CTraceContextPropagator();
const carrierGetter = {
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
  get: (carrier: Record<string, string>, key: string) => carrier[key],
};
const carrierSetter = { set: (carrier: Record<string, string>, key: string, value: string) => void (carrier[key] = value) };

/** What a request gets instead of spans while the collector does not take them: nothing recorded, nothing to pay. */
const NOT_RECORDED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Epoch milliseconds of a `performance.now()` reading, as span times are given. */
const epochMs = (now: number): number => performance.timeOrigin + now;

/**
 * mcpgw's {@link RequestTracer} on OpenTelemetry (SPEC §11): for each
 * request a SERVER span, continuing the client's trace context; for one
 * that goes upstream a CLIENT span under it, whose context is what the
 * upstream gets; both named and described from the request's decision
 * event, and timed into `mcp.server.operation.duration` and
 * `mcp.client.operation.duration`.
 */
export class OtelRequestTracer implements RequestTracer {
  readonly #tracer: Tracer;
  readonly #spans: SpanAccounting;
  readonly #transport: 'tcp' | 'pipe';
  readonly #serverDuration: Histogram;
  readonly #clientDuration: Histogram;

  constructor(tracer: Tracer, meter: Meter, options: { spans: SpanAccounting; transport: 'tcp' | 'pipe' }) {
    this.#tracer = tracer;
    this.#spans = options.spans;
    const transport = options.transport;
    this.#transport = transport;
    const advice = { explicitBucketBoundaries: DURATION_BUCKETS };
    this.#serverDuration = meter.createHistogram('mcp.server.operation.duration', {
      unit: 's',
      description: 'MCP request or notification duration as observed on the receiver from the time it was received until the result or ack is sent.',
      advice,
    });
    this.#clientDuration = meter.createHistogram('mcp.client.operation.duration', {
      unit: 's',
      description: 'The duration of the MCP request or notification as observed on the sender from the time it was sent until the response or ack is received.',
      advice,
    });
  }

  begin(start: TraceStart): RequestTrace {
    if (!this.#spans.admits()) {
      // A collector that does not keep up or fails costs requests nothing: their spans are not made (but counted), their durations still are.
      this.#spans.drop(start.forwarded ? 2 : 1);
      return new OtelRequestTrace(this, start, NOT_RECORDED, start.forwarded ? NOT_RECORDED : null);
    }
    const parent = start.traceparent === null ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, { traceparent: start.traceparent, ...(start.tracestate === null ? {} : { tracestate: start.tracestate }) }, carrierGetter);
    // Named when it ends: what names it (the tool) is known redacted only then.
    const server = this.#tracer.startSpan('mcp', { kind: SpanKind.SERVER, startTime: epochMs(start.started) }, parent);
    if (!start.forwarded) return new OtelRequestTrace(this, start, server, null);
    const client = this.#tracer.startSpan('mcp', { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, server));
    return new OtelRequestTrace(this, start, server, client);
  }

  /** Ends a request's spans and records their durations. */
  finish(event: DecisionAuditEvent, trace: { start: TraceStart; server: Span; client: { span: Span; started: number; answered: number | null } | null }): void {
    const now = performance.now();
    const shared = operationAttributes(event, this.#transport, trace.start.protocolVersion);
    // No spans while the collector does not take them (or unsampled): only the durations are recorded.
    const recording = trace.server.isRecording();
    const name = recording ? spanName(event) : '';
    const attributes = recording ? { ...shared, ...requestAttributes(event) } : shared;
    if (trace.client !== null) {
      const { span, started, answered } = trace.client;
      const ended = answered ?? now;
      if (recording) endSpan(span, name, attributes, event, epochMs(ended));
      this.#clientDuration.record((ended - started) / 1000, shared);
    }
    if (recording) endSpan(trace.server, name, { ...attributes, ...decisionAttributes(event) }, event, epochMs(now));
    this.#serverDuration.record((now - trace.start.started) / 1000, shared);
  }
}

function endSpan(span: Span, name: string, attributes: Attributes, event: DecisionAuditEvent, at: number): void {
  span.updateName(name);
  span.setAttributes(attributes);
  if (errorType(event) !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end(at);
}

/** One request's trace: its spans until its decision event. */
class OtelRequestTrace implements RequestTrace {
  readonly upstreamContext: Readonly<Record<string, string>> | null;
  readonly #tracer: OtelRequestTracer;
  readonly #start: TraceStart;
  readonly #server: Span;
  readonly #client: { span: Span; started: number; answered: number | null } | null;
  #ended = false;

  constructor(tracer: OtelRequestTracer, start: TraceStart, server: Span, client: Span | null) {
    this.#tracer = tracer;
    this.#start = start;
    this.#server = server;
    this.#client = client === null ? null : { span: client, started: performance.now(), answered: null };
    if (client === null || !client.isRecording()) {
      // Without a span of its own, the gateway passes the client's context on as it came.
      this.upstreamContext = null;
    } else {
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(ROOT_CONTEXT, client), carrier, carrierSetter);
      this.upstreamContext = carrier;
    }
  }

  upstreamAnswered(): void {
    if (this.#client !== null) this.#client.answered ??= performance.now();
  }

  end(event: DecisionAuditEvent): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#tracer.finish(event, { start: this.#start, server: this.#server, client: this.#client });
  }
}
