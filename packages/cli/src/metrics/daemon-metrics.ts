import type { McpgwConfig } from '@mcpgw/core';
import type { IMetricReader, MeterProvider } from '@opentelemetry/sdk-metrics';
import { VERSION } from '../version.js';
import { createMeterProvider } from './create-meter-provider.js';
import { GatewayMetrics, type GatewayMetricsOptions } from './gateway-metrics.js';
import { MCPGW_METER, PrometheusEndpoint } from './prometheus-endpoint.js';

/** The daemon's metrics: its one `MeterProvider`, mcpgw's series on it, and the `/metrics` endpoint that reads them. */
export interface DaemonMetrics {
  readonly provider: MeterProvider;
  readonly series: GatewayMetrics;
  readonly endpoint: PrometheusEndpoint;
}

/** What the daemon's metrics read, beside the config; `readers`: more readers of the one provider (an OTLP exporter's). */
export interface DaemonMetricsOptions extends Omit<GatewayMetricsOptions, 'upstreams'> {
  readonly readers?: readonly IMetricReader[];
}

/** Builds the daemon's metrics for `config` (its upstreams, its telemetry service name). */
export function createDaemonMetrics(config: McpgwConfig, options: DaemonMetricsOptions): DaemonMetrics {
  const endpoint = new PrometheusEndpoint();
  const serviceName = config.telemetry?.customer?.service_name;
  const provider = createMeterProvider({ ...(serviceName === undefined ? {} : { serviceName }), readers: [endpoint.reader, ...(options.readers ?? [])] });
  const series = new GatewayMetrics(provider.getMeter(MCPGW_METER, VERSION), { ...options, upstreams: config.upstreams.map((upstream) => upstream.name) });
  return { provider, series, endpoint };
}
