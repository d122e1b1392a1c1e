import { randomUUID } from 'node:crypto';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { VERSION } from '../version.js';

/**
 * The daemon's one `MeterProvider`: every number it reports comes from its
 * instruments, whichever reader takes them (the Prometheus endpoint, an OTLP
 * exporter). Resource: `service.name` (default `mcpgw`), `service.version`
 * (the mcpgw version), `service.instance.id` (a random UUID per process).
 */
export function createMeterProvider(options: { serviceName?: string; readers: readonly IMetricReader[] }): MeterProvider {
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName ?? 'mcpgw',
    [ATTR_SERVICE_VERSION]: VERSION,
    [ATTR_SERVICE_INSTANCE_ID]: randomUUID(),
  });
  return new MeterProvider({ resource, readers: [...options.readers] });
}
