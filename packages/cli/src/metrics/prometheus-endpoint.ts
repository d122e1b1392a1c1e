import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { MetricReader, ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** The meter mcpgw's own series are made on; the only one `/metrics` shows. */
export const MCPGW_METER = 'mcpgw';

/** The Prometheus text exposition format, version 0.0.4. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * `GET /metrics`: the series of the {@link MCPGW_METER} meter in the
 * Prometheus text format, collected from the one reader of the daemon's one
 * `MeterProvider` (the OTLP exporter's, or {@link PrometheusEndpoint.localReader}
 * without a collector) and written by OpenTelemetry's Prometheus serializer.
 * Other meters' instruments (the semantic-convention histograms, whose
 * labels include tool names clients send) go to OTLP only, and no series
 * carries `otel_scope_*` labels: the labels are exactly those of SPEC §11.
 * `target_info` carries the resource (service name, version, instance id).
 */
export class PrometheusEndpoint {
  /** The reader of a process that exports to no collector: the Prometheus exporter, without a server of its own. */
  static localReader(): MetricReader {
    return new PrometheusExporter({ preventServerStart: true });
  }

  readonly #reader: MetricReader;
  readonly #serializer = new PrometheusSerializer(undefined, false, undefined, false, true);

  constructor(reader: MetricReader) {
    this.#reader = reader;
  }

  /** Answers a request for `/metrics` (GET or HEAD; else 405). Never throws. */
  answer(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed: use GET\n');
      return;
    }
    this.render().then(
      (text) => res.writeHead(200, { 'content-type': CONTENT_TYPE, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : text),
      () => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics collection failed\n'),
    );
  }

  /** The current exposition text. */
  async render(): Promise<string> {
    const { resourceMetrics } = await this.#reader.collect();
    const own: ResourceMetrics = { ...resourceMetrics, scopeMetrics: resourceMetrics.scopeMetrics.filter((scope) => scope.scope.name === MCPGW_METER) };
    return this.#serializer.serialize(own);
  }
}
