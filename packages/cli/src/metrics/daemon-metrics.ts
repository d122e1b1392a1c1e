import type { McpgwConfig } from '@mcpgw/core';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { VERSION } from '../version.js';
import { GatewayMetrics, type GatewayMetricsOptions } from './gateway-metrics.js';
import { MCPGW_METER, type PrometheusEndpoint } from './prometheus-endpoint.js';

/** The daemon's metrics: mcpgw's series, and the `/metrics` endpoint that reads them. */
export interface DaemonMetrics {
  readonly series: GatewayMetrics;
  readonly endpoint: PrometheusEndpoint;
}

/**
 * mcpgw's series for `config` (its upstreams), made on the process's one
 * `provider`, whose readers include `endpoint`'s.
 */
export function createDaemonMetrics(config: McpgwConfig, provider: MeterProvider, endpoint: PrometheusEndpoint, options: Omit<GatewayMetricsOptions, 'upstreams'>): DaemonMetrics {
  const series = new GatewayMetrics(provider.getMeter(MCPGW_METER, VERSION), { ...options, upstreams: config.upstreams.map((upstream) => upstream.name) });
  return { series, endpoint };
}
