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

/** Every key used anywhere in the tree (property names inside `properties` excluded). */
function keywords(schema: unknown): Set<string> {
  const found = new Set<string>();
  const walk = (node: unknown, inProperties: boolean) => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((item) => walk(item, false));
    for (const [key, child] of Object.entries(node)) {
      if (!inProperties) found.add(key);
      walk(child, !inProperties && (key === 'properties' || key === 'patternProperties'));
    }
  };
  walk(schema, false);
  return found;
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
  const variants = items(property(props['policy'], 'rules'))['anyOf'] as Schema[];
  const variant = (action: string, key?: string) =>
    variants.find((v) => property(v, 'action')?.['const'] === action && (key === undefined || property(v, 'key')?.['const'] === key || (key === '*' && property(v, 'key')?.['const'] === undefined))) as Schema;
  const match = property(variants[0], 'match');

  it('is a plain draft-07 JSON Schema document with standard keywords only and no references', () => {
    expect(schema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema['type']).toBe('object');
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    expect(Object.getOwnPropertySymbols(schema)).toEqual([]);
    const standard = new Set([
      '$schema', 'title', 'description', 'default', 'type', 'properties', 'patternProperties', 'additionalProperties', 'required',
      'items', 'minItems', 'anyOf', 'const', 'pattern', 'minLength', 'maxLength', 'minimum', 'exclusiveMinimum',
    ]);
    expect([...keywords(schema)].filter((keyword) => !standard.has(keyword))).toEqual([]);
    expect(JSON.stringify(schema)).not.toMatch(/"\$(ref|id)"/);
  });

  it('sets additionalProperties: false on every object, so a typo is an error in the editor too', () => {
    const objects = objectSchemas(schema);
    expect(objects.length).toBeGreaterThanOrEqual(13);
    for (const { path, schema: node } of objects) {
      expect(node['additionalProperties'], `${path} is closed`).toBe(false);
    }
  });

  it('lists every field of the config at every level', () => {
    expect(propertyNames(schema)).toEqual(
      sorted(['listen', 'allowed_origins', 'license', 'upstreams', 'routes', 'default_upstream', 'policy', 'audit', 'telemetry', 'metrics']),
    );
    expect(schema['required']).toEqual(['upstreams']);
    expect(propertyNames(props['license'])).toEqual(['path', 'public_key']);
    const [http, stdio] = items(props['upstreams'])['anyOf'] as Schema[];
    expect(propertyNames(http)).toEqual(sorted(['name', 'url', 'timeout_ms']));
    expect(http!['required']).toEqual(['name', 'url']);
    expect(propertyNames(stdio)).toEqual(sorted(['name', 'command', 'args', 'env', 'cwd', 'max_sessions', 'idle_timeout', 'timeout_ms']));
    expect(stdio!['required']).toEqual(['name', 'command']);
    expect(propertyNames(items(props['routes']))).toEqual(sorted(['path', 'upstream']));
    expect(propertyNames(props['policy'])).toEqual(['rules']);
    expect(propertyNames(match)).toEqual(sorted(['method', 'tool', 'upstream', 'args', 'headers']));
    expect(propertyNames(props['audit'])).toEqual(sorted(['path', 'max_size_mb', 'compress_rotated']));
    expect(propertyNames(props['telemetry'])).toEqual(['customer']);
    expect(propertyNames(props['metrics'])).toEqual(['listen']);
    expect(propertyNames((props['telemetry']!['properties'] as Record<string, Schema>)['customer'])).toEqual(
      sorted(['endpoint', 'service_name', 'protocol']),
    );
  });

  it('gives each action its own fields: a rule is one of four closed shapes told apart by const values', () => {
    expect(variants.map((v) => property(v, 'action')?.['const'])).toEqual(['deny', 'redact', 'rate_limit', 'rate_limit']);
    expect(propertyNames(variant('deny'))).toEqual(sorted(['name', 'action', 'match', 'message']));
    expect(variant('deny')['required']).toEqual(['name', 'action']);
    expect(propertyNames(variant('redact'))).toEqual(sorted(['name', 'action', 'match', 'direction', 'patterns', 'replacement']));
    expect(variant('redact')['required']).toEqual(['name', 'action', 'patterns']);
    // key: global (or no key) has no key budget; a keyed limit needs its key and may set max_keys.
    expect(propertyNames(variant('rate_limit', 'global'))).toEqual(sorted(['name', 'action', 'match', 'limit', 'window', 'key']));
    expect(variant('rate_limit', 'global')['required']).toEqual(['name', 'action', 'limit', 'window']);
    expect(propertyNames(variant('rate_limit', '*'))).toEqual(sorted(['name', 'action', 'match', 'limit', 'window', 'key', 'max_keys']));
    expect(variant('rate_limit', '*')['required']).toEqual(['name', 'action', 'limit', 'window', 'key']);
  });

  it('states the enums, defaults and formats an editor can check', () => {
    const literals = (s: Schema | undefined) => (s?.['anyOf'] as Schema[]).map((option) => option['const']);
    expect(literals(property(variant('redact'), 'direction'))).toEqual(['request', 'response', 'both']);
    expect(property(variant('rate_limit', 'global'), 'limit')).toMatchObject({ type: 'integer', minimum: 1 });
    expect(property(variant('rate_limit', '*'), 'max_keys')).toMatchObject({ type: 'integer', minimum: 1, default: 100000 });
    const window = new RegExp(property(variant('rate_limit', 'global'), 'window')!['pattern'] as string, 'u');
    for (const ok of ['500ms', '10s', '1m', '1h', '8784h', '527040m', '0010s']) expect(window.test(ok), ok).toBe(true);
    for (const bad of ['5 minutes', '0s', '10d', '1.5s', '8785h', '527041m', '31622400001ms']) expect(window.test(bad), bad).toBe(false);
    const [httpUpstream, stdioUpstream] = items(props['upstreams'])['anyOf'] as Schema[];
    const upstreamProps = httpUpstream!['properties'] as Record<string, Schema>;
    const stdioProps = stdioUpstream!['properties'] as Record<string, Schema>;
    expect(stdioProps['max_sessions']).toMatchObject({ type: 'integer', minimum: 1, default: 16 });
    expect(stdioProps['idle_timeout']).toMatchObject({ type: 'string', default: '10m', pattern: property(variant('rate_limit', 'global'), 'window')!['pattern'] });
    expect(stdioProps['args']).toMatchObject({ type: 'array', items: { type: 'string' }, default: [] });
    expect(stdioProps['env']).toMatchObject({ type: 'object', additionalProperties: false, patternProperties: { '^[^=\\u0000]+$': { type: 'string' } } });
    expect(upstreamProps['timeout_ms']).toMatchObject({ type: 'integer', default: 30000 });
    expect(upstreamProps['name']).toMatchObject({ pattern: '^[a-z0-9-]+$' });
    const url = new RegExp(upstreamProps['url']!['pattern'] as string, 'u');
    for (const ok of ['http://127.0.0.1:3001/mcp', 'https://files.internal.example/mcp', 'http://[::1]:8080/mcp?x=1']) expect(url.test(ok), ok).toBe(true);
    for (const bad of ['ftp://x/mcp', 'http:/x', 'HTTP://x', '127.0.0.1:3001/mcp', 'http://', 'http://a b/']) expect(url.test(bad), bad).toBe(false);
    const listen = new RegExp(props['listen']!['pattern'] as string, 'u');
    for (const ok of ['127.0.0.1:8080', '[::1]:0', 'localhost:65535']) expect(listen.test(ok), ok).toBe(true);
    for (const bad of ['localhost', ':8080', '127.0.0.1:65536', '[::1]']) expect(listen.test(bad), bad).toBe(false);
    const auditProps = props['audit']!['properties'] as Record<string, Schema>;
    expect(auditProps['max_size_mb']).toMatchObject({ type: 'number', exclusiveMinimum: 0, default: 100 });
    expect(auditProps['compress_rotated']).toMatchObject({ type: 'boolean', default: true });
  });
});
