import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { McpgwConfig, RequestTracer } from '@mcpgw/core';
import type { Logger } from '../logging/create-logger.js';
import { VERSION } from '../version.js';
import { createMeterProvider, createTelemetryResource } from './create-meter-provider.js';
import { DroppedSpans, SpanAccounting } from './dropped-spans.js';
import { OtelRequestTracer } from './otel-request-tracer.js';

/** Longest wait for one export to the collector: past it the batch is dropped (and counted). */
const EXPORT_TIMEOUT_MS = 5_000;
/** Longest wait for the last spans and metrics at shutdown: a dead collector delays exit by no more. */
export const FLUSH_TIMEOUT_MS = 3_000;
/** Ended spans waiting for export, at most; past it they are dropped (and counted). */
const MAX_QUEUED_SPANS = 2_048;
const SPAN_BATCH = 512;
const SPAN_EXPORT_DELAY_MS = 1_000;
const METRIC_EXPORT_INTERVAL_MS = 60_000;

type CustomerTelemetry = NonNullable<NonNullable<McpgwConfig['telemetry']>['customer']>;

/** The telemetry of a running mcpgw: the tracer its gateway is given, and the flush at shutdown. */
export interface Telemetry {
  readonly tracer: RequestTracer;
  /** Exports what is pending and stops; resolves within {@link FLUSH_TIMEOUT_MS} whatever the collector does. Never rejects. */
  shutdown(): Promise<void>;
}

/**
 * OTLP/HTTP export of traces and metrics to the customer's collector
 * (SPEC §11), or null without `telemetry.customer.endpoint`: then nothing
 * is made and nothing costs. `transport`: how clients reach this process
 * (`tcp` for `mcpgw serve`, `pipe` for `mcpgw stdio`).
 */
export function createTelemetry(customer: CustomerTelemetry | undefined, options: { logger: Logger; transport: 'tcp' | 'pipe' }): Telemetry | null {
  if (customer === undefined) return null;
  const base = customer.endpoint.replace(/\/+$/, '');
  const json = customer.protocol === 'http/json';
  const exporterOptions = (signal: string) => ({ url: `${base}/v1/${signal}`, timeoutMillis: EXPORT_TIMEOUT_MS });
  const resource = createTelemetryResource(customer.service_name);

  const dropped = new DroppedSpans(options.logger, `${base}/v1/traces`);
  const accounting = new SpanAccounting(dropped, MAX_QUEUED_SPANS);
  const spanExporter = accounting.exporter(json ? new JsonTraceExporter(exporterOptions('traces')) : new ProtoTraceExporter(exporterOptions('traces')));
  const processor = new BatchSpanProcessor({
    exporter: spanExporter,
    maxQueueSize: MAX_QUEUED_SPANS,
    maxExportBatchSize: SPAN_BATCH,
    scheduledDelayMillis: SPAN_EXPORT_DELAY_MS,
    exportTimeoutMillis: EXPORT_TIMEOUT_MS,
  });
  const tracerProvider = new TracerProvider({ resource, spanProcessors: [accounting.processor(processor)] });

  const metricExporter = json ? new JsonMetricExporter(exporterOptions('metrics')) : new ProtoMetricExporter(exporterOptions('metrics'));
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: METRIC_EXPORT_INTERVAL_MS, exportTimeoutMillis: EXPORT_TIMEOUT_MS });
  const meterProvider = createMeterProvider(resource, [reader]);

  const tracer = new OtelRequestTracer(tracerProvider.getTracer('mcpgw', VERSION), meterProvider.getMeter('mcpgw', VERSION), { spans: accounting, transport: options.transport });
  options.logger.info({ endpoint: base, protocol: customer.protocol, service_name: customer.service_name }, `telemetry: exporting traces and metrics to ${base} (OTLP ${customer.protocol})`);
  let closing: Promise<void> | null = null;
  return {
    tracer,
    shutdown: () =>
      (closing ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_TIMEOUT_MS).unref()));
        await Promise.race([Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]), cap]);
        clearTimeout(timer);
        accounting.settle();
      })()),
  };
}
