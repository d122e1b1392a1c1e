import { AggregationTemporalityPreference, OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { PeriodicExportingMetricReader, type MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
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

/** The meter of the semantic conventions' duration histograms: not mcpgw's own series, which `/metrics` shows. */
const SEMCONV_METER = 'mcpgw.mcp';

/** The telemetry of a running mcpgw: its one MeterProvider, the tracer its gateway is given, and the flush at shutdown. */
export interface Telemetry {
  /** Null without a collector to export to. */
  readonly tracer: RequestTracer | null;
  /** The process's one MeterProvider: every instrument is made on it. */
  readonly meterProvider: MeterProvider;
  /**
   * Its one reader: the OTLP exporter's when there is a collector, else the
   * `localReader`. The daemon's `/metrics` collects from it too, so every
   * record is aggregated once (the SDK keeps a storage per reader).
   */
  readonly metricReader: MetricReader;
  /** Exports what is pending and stops; resolves within {@link FLUSH_TIMEOUT_MS} whatever the collector does. Never rejects. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  readonly logger: Logger;
  /** How clients reach this process: `tcp` for `mcpgw serve`, `pipe` for `mcpgw stdio`. */
  readonly transport: 'tcp' | 'pipe';
  /** The reader when there is no collector, for a process that reads its metrics itself (the daemon's `/metrics`). */
  readonly localReader?: () => MetricReader;
}

/**
 * The process's telemetry: OTLP/HTTP export of traces and metrics to the
 * customer's collector (SPEC §11) when `telemetry.customer.endpoint` is
 * set, and one MeterProvider with one reader. Null when there is neither a
 * collector nor a `localReader`: then nothing is made and nothing costs.
 */
export function createTelemetry(customer: CustomerTelemetry | undefined, options: TelemetryOptions & { readonly localReader: () => MetricReader }): Telemetry;
export function createTelemetry(customer: CustomerTelemetry | undefined, options: TelemetryOptions): Telemetry | null;
export function createTelemetry(customer: CustomerTelemetry | undefined, options: TelemetryOptions): Telemetry | null {
  if (customer === undefined) {
    if (options.localReader === undefined) return null;
    const metricReader = options.localReader();
    const meterProvider = createMeterProvider(createTelemetryResource('mcpgw'), [metricReader]);
    return { tracer: null, meterProvider, metricReader, shutdown: () => boundedFlush([meterProvider.shutdown()]) };
  }
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

  // Cumulative whatever OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE says: `/metrics` collects from the same reader, and a delta collection there would take counts from the export.
  const metricOptions = { ...exporterOptions('metrics'), temporalityPreference: AggregationTemporalityPreference.CUMULATIVE };
  const metricExporter = json ? new JsonMetricExporter(metricOptions) : new ProtoMetricExporter(metricOptions);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: METRIC_EXPORT_INTERVAL_MS, exportTimeoutMillis: EXPORT_TIMEOUT_MS });
  const meterProvider = createMeterProvider(resource, [reader]);

  const tracer = new OtelRequestTracer(tracerProvider.getTracer('mcpgw', VERSION), meterProvider.getMeter(SEMCONV_METER, VERSION), { spans: accounting, transport: options.transport });
  options.logger.info({ endpoint: base, protocol: customer.protocol, service_name: customer.service_name }, `telemetry: exporting traces and metrics to ${base} (OTLP ${customer.protocol})`);
  let closing: Promise<void> | null = null;
  return {
    tracer,
    meterProvider,
    metricReader: reader,
    shutdown: () => (closing ??= boundedFlush([tracerProvider.shutdown(), meterProvider.shutdown()]).then(() => accounting.settle())),
  };
}

/** Waits for the providers' last exports, at most {@link FLUSH_TIMEOUT_MS}. Never rejects. */
async function boundedFlush(shutdowns: Promise<void>[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_TIMEOUT_MS).unref()));
  await Promise.race([Promise.allSettled(shutdowns), cap]);
  clearTimeout(timer);
}
