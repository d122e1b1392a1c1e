import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from './config-error.js';
import { compileRules } from '../rules/compile-rules.js';
import { checkConfig } from './check-config.js';
import { toConfigIssue } from './config-error.js';
import type { RawIssue } from '../util/issue.js';
import { DEFAULT_MAX_KEYS } from '../rules/rule-schema.js';
import { ConfigSchema, type ConfigInput, type PolicyInput, type RouteInput, type UpstreamInput } from './schema.js';
import { schemaIssues } from './schema-issues.js';
import { createSourceLocator } from './yaml-locator.js';
import { yamlIssues } from './yaml-errors.js';
import { deepFreeze } from '../util/deep-freeze.js';

/** An HTTP upstream (`url`) with its defaults filled in. */
export interface UpstreamConfig {
  readonly name: string;
  readonly url: string;
  readonly timeout_ms: number;
}

/**
 * A stdio upstream (`command`) with its defaults filled in: the daemon runs
 * it, one process per client session, and serves it over Streamable HTTP
 * (SPEC §10). `cwd` is as written (the daemon resolves it against the config
 * file's directory); `idle_timeout` as written, like a rule's `window`
 * (`parseWindow` reads it).
 */
export interface StdioUpstreamConfig {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly max_sessions: number;
  readonly idle_timeout: string;
  readonly timeout_ms: number;
}

/** Whether an upstream of a config is a stdio upstream (it has `command`), not an HTTP one. */
export function isStdioUpstream(upstream: UpstreamConfig | StdioUpstreamConfig): upstream is StdioUpstreamConfig {
  return 'command' in upstream;
}

/** The audit section with its defaults filled in. */
export interface AuditConfig {
  readonly path: string;
  readonly max_size_mb: number;
  readonly compress_rotated: boolean;
}

/** A validated `mcpgw.yaml`, defaults filled in, deep-frozen. */
export interface McpgwConfig {
  readonly listen: string;
  readonly allowed_origins?: readonly string[];
  readonly license?: { readonly path: string; readonly public_key?: string };
  readonly upstreams: ReadonlyArray<UpstreamConfig | StdioUpstreamConfig>;
  readonly routes: readonly RouteInput[];
  readonly default_upstream?: string;
  readonly policy: PolicyInput;
  readonly audit?: AuditConfig;
  readonly telemetry?: { readonly customer?: { readonly endpoint: string; readonly service_name: string; readonly protocol: 'http/protobuf' | 'http/json' } };
  /** Where `/metrics` is served when not on `listen`. */
  readonly metrics?: { readonly listen?: string };
}

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /**
   * Whether the file must list `upstreams` (default true: `mcpgw serve` and
   * `validate` need them). `mcpgw stdio` wraps one local server and routes
   * nothing (SPEC §10), so it passes false: `upstreams` may then be absent
   * (`[]` in the result), and without them `default_upstream` and
   * `match.upstream` name the wrapped server rather than a listed upstream.
   */
  readonly requireUpstreams?: boolean;
}

/** Defaults of optional fields (SPEC §2). */
export const CONFIG_DEFAULTS = Object.freeze({
  listen: '127.0.0.1:8080',
  timeout_ms: 30_000,
  max_size_mb: 100,
  compress_rotated: true,
  service_name: 'mcpgw',
  telemetry_protocol: 'http/protobuf',
  /** stdio upstreams: sessions (server processes) at once. */
  max_sessions: 16,
  /** stdio upstreams: a session with no request for this long is ended. */
  idle_timeout: '10m',
  /** rate_limit rules: keys counted at once per rule (not filled into the config: a rule's summary has it). */
  max_keys: DEFAULT_MAX_KEYS,
});

/**
 * Parses and validates `mcpgw.yaml` text. Returns the typed config with
 * defaults filled in, or throws a {@link ConfigError} listing every problem
 * in plain words with its YAML line — unknown keys, wrong types, duplicate
 * names, unknown upstreams, bad windows, and every pattern compiled by RE2.
 *
 * @example
 * try { const config = parseConfig(text); }
 * catch (error) { if (error instanceof ConfigError) console.error(error.format('mcpgw.yaml')); }
 */
export function parseConfig(yamlText: string, options: ParseConfigOptions = {}): McpgwConfig {
  const lineCounter = new LineCounter();
  // logLevel 'error': yaml's warnings would go to process.emitWarning; a library stays quiet.
  const doc = parseDocument(yamlText, { lineCounter, uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  if (doc.errors.length > 0) throw new ConfigError(yamlIssues(doc, lineCounter, yamlText));

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    const text = cause instanceof Error ? cause.message : String(cause);
    const message = text.startsWith('Excessive alias count')
      ? 'YAML: aliases expand to too much data; refused as a possible resource exhaustion ("billion laughs") attack'
      : `YAML: ${text}`;
    throw new ConfigError([{ path: '', message }], { cause });
  }
  if (value === null || value === undefined) {
    throw new ConfigError([{ path: '', message: `the config is empty; it needs at least "${options.requireUpstreams === false ? 'policy' : 'upstreams'}"` }]);
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([{ path: '', message: 'the config must be a mapping of keys such as upstreams and policy' }]);
  }

  const raw = value as Record<string, unknown>;
  const checked = check(raw, options);
  if (Array.isArray(checked)) {
    const locate = createSourceLocator(doc);
    const located = checked.map((issue) => ({ issue, offset: locate(issue.at, issue.key) ?? 0 }));
    // In file order (by line, then column), as a reader goes through the file; sort is stable.
    located.sort((a, b) => a.offset - b.offset);
    throw new ConfigError(
      located.map(({ issue, offset }) => {
        const { line, col } = lineCounter.linePos(offset);
        return toConfigIssue(issue, { line, column: col });
      }),
    );
  }
  return checked;
}

/** The checked, frozen config with defaults; or every problem found. */
function check(raw: Record<string, unknown>, options: ParseConfigOptions): McpgwConfig | RawIssue[] {
  const unlisted = options.requireUpstreams === false && raw['upstreams'] === undefined;
  const shapeIssues = unlisted ? schemaIssues(ConfigSchema, raw).filter((issue) => !isMissingUpstreams(issue)) : schemaIssues(ConfigSchema, raw);
  const semanticIssues = checkConfig(raw, { checkReferences: !unlisted });
  const rules = (raw['policy'] as { rules?: unknown } | undefined)?.rules;
  // Rules with a valid shape get the semantic checks (regexes, windows...) even if another rule is broken.
  if (Array.isArray(rules)) semanticIssues.push(...compileRules(rules).issues);
  // A value the schema refused gets no second report from the semantic checks
  // (`upstream: Everything` is not also an unknown upstream): one report per place.
  const refused = new Set(shapeIssues.filter((issue) => issue.key === undefined).map((issue) => JSON.stringify(issue.at)));
  const issues = [...shapeIssues, ...semanticIssues.filter((issue) => !refused.has(JSON.stringify(issue.at)))];
  if (issues.length > 0) return dedupe(issues);
  return deepFreeze(withDefaults((unlisted ? { ...raw, upstreams: [] } : raw) as ConfigInput));
}

const isMissingUpstreams = (issue: RawIssue) => issue.at.length === 0 && issue.message === 'missing required key "upstreams"';

function dedupe(issues: RawIssue[]): RawIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${JSON.stringify(issue.at)}|${issue.key ?? ''}|${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function withUpstreamDefaults(upstream: UpstreamInput): UpstreamConfig | StdioUpstreamConfig {
  const timeout_ms = upstream.timeout_ms ?? CONFIG_DEFAULTS.timeout_ms;
  if (!('command' in upstream)) return { ...upstream, timeout_ms };
  return {
    ...upstream,
    args: upstream.args ?? [],
    env: upstream.env ?? {},
    max_sessions: upstream.max_sessions ?? CONFIG_DEFAULTS.max_sessions,
    idle_timeout: upstream.idle_timeout ?? CONFIG_DEFAULTS.idle_timeout,
    timeout_ms,
  };
}

function withDefaults(input: ConfigInput): McpgwConfig {
  const { listen, upstreams, routes, policy, audit, telemetry, ...rest } = input;
  return {
    ...rest,
    listen: listen ?? CONFIG_DEFAULTS.listen,
    upstreams: upstreams.map(withUpstreamDefaults),
    routes: routes ?? [],
    policy: policy ?? { rules: [] },
    ...(audit === undefined
      ? {}
      : {
          audit: {
            path: audit.path,
            max_size_mb: audit.max_size_mb ?? CONFIG_DEFAULTS.max_size_mb,
            compress_rotated: audit.compress_rotated ?? CONFIG_DEFAULTS.compress_rotated,
          },
        }),
    ...(telemetry === undefined
      ? {}
      : {
          telemetry:
            telemetry.customer === undefined
              ? {}
              : {
                  customer: {
                    endpoint: telemetry.customer.endpoint,
                    service_name: telemetry.customer.service_name ?? CONFIG_DEFAULTS.service_name,
                    protocol: telemetry.customer.protocol ?? CONFIG_DEFAULTS.telemetry_protocol,
                  },
                },
        }),
  };
}
