import { quote, suggest, type RawIssue } from '../util/issue.js';
import { isRecord } from '../util/is-record.js';

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

// Empty strings are left to the schema ("must not be empty"): one report per problem.
const isFilled = (value: unknown): value is string => typeof value === 'string' && value !== '';

/**
 * Checks of a config that a schema cannot express: unique names, references
 * to upstreams (unless `checkReferences` is false: a config with no
 * upstreams listed, for `mcpgw stdio`), URLs and origins that look right but
 * do not parse as one. Defensive: parts with the wrong shape are skipped
 * (the schema reports them).
 */
export function checkConfig(config: Record<string, unknown>, options: { checkReferences?: boolean } = {}): RawIssue[] {
  const issues: RawIssue[] = [];

  const upstreamNames = new Map<string, number>();
  asArray(config['upstreams']).forEach((upstream, index) => {
    if (!isRecord(upstream)) return;
    const { name, url } = upstream;
    if (isFilled(name)) {
      const first = upstreamNames.get(name);
      if (first === undefined) upstreamNames.set(name, index);
      else issues.push({ at: ['upstreams', index, 'name'], message: `duplicate upstream name ${quote(name)} (first used by upstreams[${first}])` });
    }
    if (isFilled(url) && !isHttpUrl(url)) {
      issues.push({ at: ['upstreams', index, 'url'], message: `must be an http:// or https:// URL (got ${quote(url)})` });
    }
  });

  const known = [...upstreamNames.keys()];
  const reference = (at: RawIssue['at'], value: unknown) => {
    if (options.checkReferences !== false && isFilled(value) && !upstreamNames.has(value)) {
      issues.push({ at, message: `unknown upstream ${quote(value)}${suggest(value, known)}; upstreams are: ${known.join(', ') || '(none)'}` });
    }
  };

  const routePaths = new Map<string, number>();
  asArray(config['routes']).forEach((route, index) => {
    if (!isRecord(route)) return;
    if (typeof route['path'] === 'string') {
      const first = routePaths.get(route['path']);
      if (first === undefined) routePaths.set(route['path'], index);
      else issues.push({ at: ['routes', index, 'path'], message: `duplicate route path ${quote(route['path'])} (first used by routes[${first}])` });
    }
    reference(['routes', index, 'upstream'], route['upstream']);
  });
  reference(['default_upstream'], config['default_upstream']);

  const policy = config['policy'];
  asArray(isRecord(policy) ? policy['rules'] : undefined).forEach((rule, index) => {
    const match = isRecord(rule) ? rule['match'] : undefined;
    if (!isRecord(match)) return;
    const upstream = match['upstream'];
    const at = ['policy', 'rules', index, 'match', 'upstream'];
    if (Array.isArray(upstream)) upstream.forEach((value) => reference(at, value));
    else reference(at, upstream);
  });

  asArray(config['allowed_origins']).forEach((origin, index) => {
    if (isFilled(origin) && !isOrigin(origin)) {
      issues.push({ at: ['allowed_origins', index], message: `must be an origin: scheme, host and optional port, like https://app.example.com (got ${quote(origin)})` });
    }
  });

  const telemetry = config['telemetry'];
  const customer = isRecord(telemetry) ? telemetry['customer'] : undefined;
  if (isRecord(customer) && isFilled(customer['endpoint']) && !isHttpUrl(customer['endpoint'])) {
    issues.push({ at: ['telemetry', 'customer', 'endpoint'], message: `must be an http:// or https:// URL (got ${quote(customer['endpoint'])})` });
  }
  return issues;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return url.origin !== 'null' && url.origin === text;
  } catch {
    return false;
  }
}
