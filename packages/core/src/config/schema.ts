import { Type, type Static, type TObject } from '@sinclair/typebox';
import { WINDOW_MESSAGE, WINDOW_PATTERN } from '../rules/duration.js';
import { positiveIntegerUpTo } from '../util/number-pattern.js';
import { RuleSchema } from '../rules/rule-schema.js';

// The schema of `mcpgw.yaml` (SPEC §2). It is the single source of truth:
// parseConfig validates against it and `mcpgw schema` prints it for editors.
// `errorMessage` / `patternErrorMessage` / `keyErrorMessage` are read by our
// validator only; `configJsonSchema()` leaves them out (see json-schema.ts).

const closed = { additionalProperties: false } as const;

const UPSTREAM_NAME = { pattern: '^[a-z0-9-]+$', patternErrorMessage: 'must use only lowercase letters, digits and dashes' } as const;
const UpstreamName = Type.String({ ...UPSTREAM_NAME, description: 'Upstream name: lowercase letters, digits and dashes.' });

/** An http(s) URL with a host; `checkConfig` then parses it as a URL. */
const HTTP_URL = { minLength: 1, pattern: '^https?://[^\\s/?#]+([/?#]\\S*)?$', patternErrorMessage: 'must be an http:// or https:// URL' } as const;

/** `host:port`, IPv6 hosts in brackets, ports 0 to 65535 (parseListenAddress reads it). */
export const LISTEN_PATTERN = `^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):0*(0|${positiveIntegerUpTo(65_535)})$`;

export const PolicySchema = Type.Object(
  { rules: Type.Array(RuleSchema, { description: 'Policy rules, evaluated as in SPEC §3.' }) },
  { ...closed, description: 'Hot-reloadable.' },
);

/** What a process's command line, environment and directory cannot hold (spawn refuses it). */
const NO_NUL = { pattern: '^[^\\u0000]*$', patternErrorMessage: 'must not contain a NUL character' } as const;

const UpstreamTimeout = Type.Optional(
  Type.Integer({ minimum: 1, default: 30000, description: "Longest wait for the upstream's response headers, in ms. Default 30000." }),
);

/** An upstream the gateway reaches over HTTP: a Streamable HTTP MCP endpoint. */
export const HttpUpstreamSchema = Type.Object(
  {
    name: UpstreamName,
    url: Type.String({ ...HTTP_URL, description: "The upstream's MCP endpoint (http or https)." }),
    timeout_ms: UpstreamTimeout,
  },
  { ...closed, title: 'HTTP upstream' },
);

/**
 * An upstream the daemon runs itself: a stdio MCP server, one process per
 * client session (SPEC §10). Its fields apply to `command` only, so `args`
 * beside a `url` is an error, in the editor as in `mcpgw validate`.
 */
export const StdioUpstreamSchema = Type.Object(
  {
    name: UpstreamName,
    command: Type.String({ minLength: 1, ...NO_NUL, description: 'The stdio MCP server to run: a program on PATH, or a path (relative to cwd). Not run through a shell.' }),
    args: Type.Optional(Type.Array(Type.String(NO_NUL), { default: [], description: 'Its arguments, passed as they are (no shell).' })),
    env: Type.Optional(
      Type.Record(Type.String({ pattern: '^[^=\\u0000]+$' }), Type.String(NO_NUL), {
        ...closed,
        description: "Environment variables set for it, over the daemon's own environment (which it inherits).",
        errorMessage: 'must be a mapping from variable name to string value',
        keyErrorMessage: 'is not a valid environment variable name (no "=" or NUL character)',
      }),
    ),
    cwd: Type.Optional(Type.String({ minLength: 1, ...NO_NUL, description: "Its working directory; relative to the config file's directory, which is the default." })),
    max_sessions: Type.Optional(
      Type.Integer({ minimum: 1, default: 16, description: 'Most client sessions (server processes) at once; one more initialize is refused (HTTP 503). Default 16.' }),
    ),
    idle_timeout: Type.Optional(
      Type.String({
        pattern: WINDOW_PATTERN,
        patternErrorMessage: WINDOW_MESSAGE,
        default: '10m',
        description: "A session with no request for this long has its process ended: 500ms, 10s, 1m, 1h (at most 8784h). Default 10m.",
      }),
    ),
    timeout_ms: UpstreamTimeout,
  },
  { ...closed, title: 'stdio upstream' },
);

/** The upstream shapes, in the order they are reported on. */
export const UPSTREAM_VARIANTS: readonly TObject[] = [HttpUpstreamSchema, StdioUpstreamSchema];

export const UpstreamSchema = Type.Union([HttpUpstreamSchema, StdioUpstreamSchema], {
  description: 'An upstream MCP server: an HTTP endpoint (url), or a stdio server the daemon runs (command).',
});

export const RouteSchema = Type.Object(
  {
    path: Type.String({
      pattern: '^/',
      patternErrorMessage: 'must start with "/"',
      description: 'Exact request path on the gateway.',
    }),
    upstream: UpstreamName,
  },
  closed,
);

export const AuditSchema = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'JSON Lines audit file.' }),
    max_size_mb: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, default: 100, description: 'Rotate before the file would pass this size (fractions allowed).' }),
    ),
    compress_rotated: Type.Optional(Type.Boolean({ default: true, description: 'gzip rotated files in the background.' })),
  },
  { ...closed, description: 'Hot-reloadable.' },
);

export const TelemetrySchema = Type.Object(
  {
    customer: Type.Optional(
      Type.Object(
        {
          endpoint: Type.String({ ...HTTP_URL, description: 'OTLP/HTTP endpoint (http or https).' }),
          service_name: Type.Optional(Type.String({ minLength: 1, default: 'mcpgw' })),
          protocol: Type.Optional(
            Type.Union([Type.Literal('http/protobuf'), Type.Literal('http/json')], { default: 'http/protobuf', description: 'OTLP encoding: protobuf (default) or JSON.' }),
          ),
        },
        closed,
      ),
    ),
  },
  { ...closed, description: 'Restart required.' },
);

export const MetricsSchema = Type.Object(
  {
    listen: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: LISTEN_PATTERN,
        patternErrorMessage: 'must be host:port, like 127.0.0.1:9464 or [::1]:9464',
        description: 'host:port to serve GET /metrics on, instead of on `listen`. Restart required.',
      }),
    ),
  },
  { ...closed, description: 'The Prometheus endpoint. Restart required.' },
);

export const ConfigSchema = Type.Object(
  {
    listen: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: LISTEN_PATTERN,
        patternErrorMessage: 'must be host:port, like 127.0.0.1:8080 or [::1]:8080',
        default: '127.0.0.1:8080',
        description: 'host:port to serve on; IPv6 as [::1]:8080; port 0 lets the OS pick. Restart required.',
      }),
    ),
    allowed_origins: Type.Optional(
      Type.Array(
        Type.String({
          // An origin is scheme://host[:port]; checkConfig then checks it is exactly one.
          pattern: '^[a-z][a-z0-9+.-]*://[^\\s/?#@]+$',
          patternErrorMessage: 'must be an origin: scheme, host and optional port, like https://app.example.com',
        }),
        { description: 'Origin values let through (default: localhost origins only). Restart required.' },
      ),
    ),
    license: Type.Optional(
      Type.Object(
        {
          path: Type.String({ minLength: 1, description: 'The license file; relative to the config file.' }),
          public_key: Type.Optional(
            Type.String({ minLength: 1, description: "The issuer's Ed25519 public key: PEM inline, or a path relative to the config file. Without it the license is reported as unverified." }),
          ),
        },
        { ...closed, description: 'Restart required.' },
      ),
    ),
    upstreams: Type.Array(UpstreamSchema, { minItems: 1, description: 'Upstream MCP servers. Restart required.' }),
    routes: Type.Optional(Type.Array(RouteSchema, { description: 'Gateway path -> upstream. Restart required.' })),
    default_upstream: Type.Optional(Type.String({ minLength: 1, ...UPSTREAM_NAME, description: 'Serves paths no route names. Restart required.' })),
    policy: Type.Optional(PolicySchema),
    audit: Type.Optional(AuditSchema),
    telemetry: Type.Optional(TelemetrySchema),
    metrics: Type.Optional(MetricsSchema),
  },
  { ...closed, title: 'mcpgw.yaml', description: 'Configuration of the mcpgw policy gateway for MCP.' },
);

/** `mcpgw.yaml` as written (optional fields may be absent). */
export type ConfigInput = Static<typeof ConfigSchema>;
export type PolicyInput = Static<typeof PolicySchema>;
export type UpstreamInput = Static<typeof UpstreamSchema>;
export type HttpUpstreamInput = Static<typeof HttpUpstreamSchema>;
export type StdioUpstreamInput = Static<typeof StdioUpstreamSchema>;
export type RouteInput = Static<typeof RouteSchema>;
export type AuditInput = Static<typeof AuditSchema>;
