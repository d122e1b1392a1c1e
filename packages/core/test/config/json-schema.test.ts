import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/index.js';

type Schema = Record<string, unknown>;

/** Every object schema in the tree, with a readable path. */
function objectSchemas(schema: unknown, path = '#'): Array<{ path: string; schema: Schema }> {
  if (schema === null || typeof schema !== 'object') return [];
  if (Array.isArray(schema)) return schema.flatMap((item, i) => objectSchemas(item, `${path}/${i}`));
  const node = schema as Schema;
  const own = node['type'] === 'object' ? [{ path, schema: node }] : [];
  return [...own, ...Object.entries(node).flatMap(([key, child]) => objectSchemas(child, `${path}/${key}`))];
}

function propertyNames(schema: unknown): string[] {
  return Object.keys(((schema as Schema)['properties'] as Schema | undefined) ?? {}).sort();
}

const sorted = (names: string[]) => [...names].sort();

describe('configJsonSchema', () => {
  const schema = configJsonSchema();
  const props = schema['properties'] as Record<string, Schema>;
  const items = (s: Schema | undefined) => s?.['items'] as Schema;
  const property = (s: Schema | undefined, name: string) => (s?.['properties'] as Record<string, Schema>)[name];
  const rule = items(property(props['policy'], 'rules'));
  const match = property(rule, 'match');

  it('is a plain JSON Schema document', () => {
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema['type']).toBe('object');
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    expect(Object.getOwnPropertySymbols(schema)).toEqual([]);
  });

  it('sets additionalProperties: false on every object, so a typo is an error in the editor too', () => {
    const objects = objectSchemas(schema);
    expect(objects.length).toBeGreaterThanOrEqual(10);
    for (const { path, schema: node } of objects) {
      expect(node['additionalProperties'], `${path} is closed`).toBe(false);
    }
  });

  it('lists every field of the config at every level', () => {
    expect(propertyNames(schema)).toEqual(
      sorted(['listen', 'allowed_origins', 'license', 'upstreams', 'routes', 'default_upstream', 'policy', 'audit', 'telemetry']),
    );
    expect(schema['required']).toEqual(['upstreams']);
    expect(propertyNames(props['license'])).toEqual(['path']);
    expect(propertyNames(items(props['upstreams']))).toEqual(sorted(['name', 'url', 'timeout_ms']));
    expect(items(props['upstreams'])['required']).toEqual(['name', 'url']);
    expect(propertyNames(items(props['routes']))).toEqual(sorted(['path', 'upstream']));
    expect(propertyNames(props['policy'])).toEqual(['rules']);
    expect(propertyNames(rule)).toEqual(
      sorted(['name', 'action', 'match', 'message', 'direction', 'patterns', 'replacement', 'limit', 'window', 'key', 'max_keys']),
    );
    expect(rule['required']).toEqual(['name', 'action']);
    expect(propertyNames(match)).toEqual(sorted(['method', 'tool', 'upstream', 'args', 'headers']));
    expect(propertyNames(props['audit'])).toEqual(sorted(['path', 'max_size_mb', 'compress_rotated']));
    expect(propertyNames(props['telemetry'])).toEqual(['customer']);
    expect(propertyNames((props['telemetry']!['properties'] as Record<string, Schema>)['customer'])).toEqual(
      sorted(['endpoint', 'service_name']),
    );
  });

  it('states the enums, defaults and formats an editor can check', () => {
    const ruleProps = rule['properties'] as Record<string, Schema>;
    const literals = (s: Schema | undefined) => (s?.['anyOf'] as Schema[]).map((option) => option['const']);
    expect(literals(ruleProps['action'])).toEqual(['deny', 'redact', 'rate_limit']);
    expect(literals(ruleProps['direction'])).toEqual(['request', 'response', 'both']);
    expect(ruleProps['limit']).toMatchObject({ type: 'integer', minimum: 1 });
    expect(ruleProps['max_keys']).toMatchObject({ type: 'integer', minimum: 1, default: 100000 });
    const window = new RegExp(ruleProps['window']!['pattern'] as string);
    for (const ok of ['500ms', '10s', '1m', '1h']) expect(window.test(ok), ok).toBe(true);
    for (const bad of ['5 minutes', '0s', '10d', '1.5s']) expect(window.test(bad), bad).toBe(false);
    const upstreamProps = items(props['upstreams'])['properties'] as Record<string, Schema>;
    expect(upstreamProps['timeout_ms']).toMatchObject({ type: 'integer', default: 30000 });
    expect(upstreamProps['name']).toMatchObject({ pattern: '^[a-z0-9-]+$' });
    const auditProps = props['audit']!['properties'] as Record<string, Schema>;
    expect(auditProps['max_size_mb']).toMatchObject({ type: 'number', exclusiveMinimum: 0, default: 100 });
    expect(auditProps['compress_rotated']).toMatchObject({ type: 'boolean', default: true });
  });
});
