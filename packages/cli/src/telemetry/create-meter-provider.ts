import { randomUUID } from 'node:crypto';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { VERSION } from '../version.js';

/** Not yet a stable semantic-conventions export: the attribute's name as the conventions spell it. */
const ATTR_SERVICE_INSTANCE_ID = 'service.instance.id';

/** This process as telemetry names it: `service.name`, mcpgw's version, and a random id per process. */
export function createTelemetryResource(serviceName: string): Resource {
  return defaultResource().merge(
    resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName, [ATTR_SERVICE_VERSION]: VERSION, [ATTR_SERVICE_INSTANCE_ID]: randomUUID() }),
  );
}

/**
 * The process's one MeterProvider: every instrument of mcpgw is made on it,
 * and each reader (the OTLP exporter's, when an endpoint is set) sees the
 * same numbers.
 */
export function createMeterProvider(resource: Resource, readers: IMetricReader[]): MeterProvider {
  return new MeterProvider({ resource, readers });
}
