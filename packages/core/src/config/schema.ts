import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { WINDOW_MESSAGE } from './duration.js';

// The schema of `mcpgw.yaml` (SPEC §2). It is the single source of truth:
// parseConfig validates against it and `mcpgw schema` prints it for editors.
// `errorMessage` / `patternErrorMessage` are read by our validator and by
// editors using the VS Code JSON language service (yaml-language-server).

const closed = { additionalProperties: false } as const;

const UpstreamName = Type.String({
  pattern: '^[a-z0-9-]+$',
  patternErrorMessage: 'must use only lowercase letters, digits and dashes',
  description: 'Upstream name: lowercase letters, digits and dashes.',
});

const NonEmptyString = Type.String({ minLength: 1 });

// Record keys: TypeBox's default key pattern `^(.*)$` skips keys holding a
// newline, which then escaped the value check (a number reached RE2).
const AnyKey = Type.String({ pattern: '^[\\s\\S]*$' });

const StringOrList = (description: string) =>
  Type.Union([NonEmptyString, Type.Array(NonEmptyString, { minItems: 1 })], {
    description,
    errorMessage: 'must be a string or a list of strings',
  });

/** Keys a rate_limit rule counts separately at most, when it says no `max_keys`. */
export const DEFAULT_MAX_KEYS = 100_000;

/** `500ms`, `10s`, `1m`, `1h`: above zero (the upper bound is checked by parseWindow). */
export const WINDOW_PATTERN = '^0*[1-9][0-9]*(ms|s|m|h)$';

export const MatchSchema = Type.Object(
  {
    method: Type.Optional(StringOrList('Exact JSON-RPC method, or a list of them.')),
    tool: Type.Optional(Type.String({ description: 'RE2 pattern tested against params.name.' })),
    upstream: Type.Optional(StringOrList('Upstream name, or a list of them.')),
    args: Type.Optional(
      Type.Record(AnyKey, Type.String(), {
        ...closed,
        description: 'Top-level argument name -> RE2 pattern tested against its value (non-strings as JSON).',
        errorMessage: 'must be a mapping from argument name to pattern',
      }),
    ),
    headers: Type.Optional(
      Type.Record(AnyKey, Type.String(), {
        ...closed,
        description: 'HTTP header name -> RE2 pattern tested against its value.',
        errorMessage: 'must be a mapping from header name to pattern',
      }),
    ),
  },
  { ...closed, description: 'All given fields must match. Absent: the rule applies to every message.' },
);

export const RuleSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, description: 'Unique rule name; shown in errors and audit events.' }),
    action: Type.Union([Type.Literal('deny'), Type.Literal('redact'), Type.Literal('rate_limit')], {
      description: 'What the rule does.',
    }),
    match: Type.Optional(MatchSchema),
    message: Type.Optional(Type.String({ minLength: 1, description: 'deny: text shown to the client after "denied by policy: ".' })),
    direction: Type.Optional(
      Type.Union([Type.Literal('request'), Type.Literal('response'), Type.Literal('both')], {
        description: 'redact: which side is rewritten (default both).',
        default: 'both',
      }),
    ),
    patterns: Type.Optional(
      Type.Array(Type.String(), { minItems: 1, description: 'redact: RE2 patterns whose matches are replaced.' }),
    ),
    replacement: Type.Optional(
      Type.String({
        // It is written into SSE field lines and HTTP header values too, where a line break would split the frame.
        pattern: '^[^\\u0000-\\u0008\\u000A-\\u001F\\u007F]*$',
        patternErrorMessage: 'must not contain line breaks or other control characters',
        description: 'redact: literal replacement text (default "[REDACTED]"). No line breaks or other control characters.',
        default: '[REDACTED]',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, description: 'rate_limit: requests allowed per window.' })),
    window: Type.Optional(
      Type.String({
        pattern: WINDOW_PATTERN,
        patternErrorMessage: WINDOW_MESSAGE,
        description: 'rate_limit: sliding window length: 500ms, 10s, 1m, 1h.',
      }),
    ),
    key: Type.Optional(
      Type.String({
        pattern: '^(global|client|session|header:[A-Za-z0-9!#$%&\'*+.^_`|~-]+)$',
        patternErrorMessage: 'must be global, client, session or header:<name>',
        description: 'rate_limit: what is counted separately (default global).',
        default: 'global',
      }),
    ),
    max_keys: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: DEFAULT_MAX_KEYS,
        description:
          'rate_limit: most keys (clients, sessions, header values) counted at once; a new key beyond it is refused until an old one leaves its window (default 100000; not for key: global).',
      }),
    ),
  },
  { ...closed, description: 'A policy rule. Order matters for reporting: the first matching deny is named.' },
);

export const PolicySchema = Type.Object(
  { rules: Type.Array(RuleSchema, { description: 'Policy rules, evaluated as in SPEC §3.' }) },
  { ...closed, description: 'Hot-reloadable.' },
);

export const UpstreamSchema = Type.Object(
  {
    name: UpstreamName,
    url: Type.String({ minLength: 1, description: "The upstream's MCP endpoint (http or https)." }),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1, default: 30000, description: 'Default 30000.' })),
  },
  closed,
);

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
          endpoint: Type.String({ minLength: 1, description: 'OTLP/HTTP endpoint.' }),
          service_name: Type.Optional(Type.String({ minLength: 1, default: 'mcpgw' })),
        },
        closed,
      ),
    ),
  },
  { ...closed, description: 'Restart required.' },
);

export const ConfigSchema = Type.Object(
  {
    listen: Type.Optional(
      Type.String({ minLength: 1, default: '127.0.0.1:8080', description: 'host:port to serve on. Restart required.' }),
    ),
    allowed_origins: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: 'Origin values let through (default: localhost origins only). Restart required.' }),
    ),
    license: Type.Optional(Type.Object({ path: Type.String({ minLength: 1 }) }, { ...closed, description: 'Restart required.' })),
    upstreams: Type.Array(UpstreamSchema, { minItems: 1, description: 'Upstream MCP servers. Restart required.' }),
    routes: Type.Optional(Type.Array(RouteSchema, { description: 'Gateway path -> upstream. Restart required.' })),
    default_upstream: Type.Optional(
      Type.String({ minLength: 1, description: 'Serves paths no route names. Restart required.' }),
    ),
    policy: Type.Optional(PolicySchema),
    audit: Type.Optional(AuditSchema),
    telemetry: Type.Optional(TelemetrySchema),
  },
  { ...closed, title: 'mcpgw.yaml', description: 'Configuration of the mcpgw policy gateway for MCP.' },
);

/** `mcpgw.yaml` as written (optional fields may be absent). */
export type ConfigInput = Static<typeof ConfigSchema>;
export type RuleInput = Static<typeof RuleSchema>;
export type MatchInput = Static<typeof MatchSchema>;
export type PolicyInput = Static<typeof PolicySchema>;
export type UpstreamInput = Static<typeof UpstreamSchema>;
export type RouteInput = Static<typeof RouteSchema>;
export type AuditInput = Static<typeof AuditSchema>;

/**
 * The JSON Schema (draft 2020-12 compatible) of `mcpgw.yaml`, for editors
 * (`# yaml-language-server: $schema=...`) and for `mcpgw schema`.
 */
export function configJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(ConfigSchema as TSchema)) as Record<string, unknown>;
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'https://mcpgw.dev/schema/mcpgw.yaml.json', ...plain };
}
