import { Type, type Static, type TObject } from '@sinclair/typebox';
import { WINDOW_MESSAGE, WINDOW_PATTERN } from './duration.js';

// The schema of one policy rule (SPEC §2). Each action has its own closed
// object, so a field of another action is an error in the editor as in
// `mcpgw validate`: `anyOf` over variants told apart by `const` values (what
// TypeBox's Value.Check, Ajv and yaml-language-server all evaluate alike).
// `errorMessage`, `patternErrorMessage` and `keyErrorMessage` are read by our
// validator; `configJsonSchema()` leaves them out of the printed schema.

const closed = { additionalProperties: false } as const;

/** Keys a rate_limit rule counts separately at most, when it says no `max_keys`. */
export const DEFAULT_MAX_KEYS = 100_000;

/** An HTTP header name (an RFC 9110 token), unanchored. */
const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";

const NonEmptyString = Type.String({ minLength: 1 });

const StringOrList = (description: string) =>
  Type.Union([NonEmptyString, Type.Array(NonEmptyString, { minItems: 1 })], {
    description,
    errorMessage: 'must be a string or a list of strings',
  });

export const MatchSchema = Type.Object(
  {
    method: Type.Optional(StringOrList('Exact JSON-RPC method, or a list of them.')),
    tool: Type.Optional(Type.String({ description: 'RE2 pattern tested against params.name.' })),
    upstream: Type.Optional(StringOrList('Upstream name, or a list of them.')),
    args: Type.Optional(
      // Any key: TypeBox's default key pattern `^(.*)$` skips keys holding a
      // newline, which then escaped the value check (a number reached RE2).
      Type.Record(Type.String({ pattern: '^[\\s\\S]*$' }), Type.String(), {
        ...closed,
        description: 'Top-level argument name -> RE2 pattern tested against its value (non-strings as JSON).',
        errorMessage: 'must be a mapping from argument name to pattern',
      }),
    ),
    headers: Type.Optional(
      Type.Record(Type.String({ pattern: `^${TOKEN}$` }), Type.String(), {
        ...closed,
        description: 'HTTP header name -> RE2 pattern tested against its value.',
        errorMessage: 'must be a mapping from header name to pattern',
        keyErrorMessage: 'is not a valid HTTP header name',
      }),
    ),
  },
  { ...closed, description: 'All given fields must match. Absent: the rule applies to every message.' },
);

const common = {
  name: Type.String({ minLength: 1, maxLength: 128, description: 'Unique rule name; shown in errors and audit events.' }),
  match: Type.Optional(MatchSchema),
};

const action = <A extends string>(name: A, description: string) => Type.Literal(name, { description });

export const DenyRuleSchema = Type.Object(
  {
    ...common,
    action: action('deny', 'deny: matching requests are refused (-32003).'),
    message: Type.Optional(Type.String({ minLength: 1, description: 'Text shown to the client after "denied by policy: " (default: the rule name).' })),
  },
  { ...closed, title: 'deny rule' },
);

export const RedactRuleSchema = Type.Object(
  {
    ...common,
    action: action('redact', 'redact: matching text is replaced in requests and/or responses.'),
    direction: Type.Optional(
      Type.Union([Type.Literal('request'), Type.Literal('response'), Type.Literal('both')], {
        description: 'Which side is rewritten (default both).',
        default: 'both',
      }),
    ),
    patterns: Type.Array(Type.String(), { minItems: 1, description: 'RE2 patterns whose matches are replaced.' }),
    replacement: Type.Optional(
      Type.String({
        // It is written into SSE field lines and HTTP header values too, where a line break would split the frame.
        pattern: '^[^\\u0000-\\u0008\\u000A-\\u001F\\u007F]*$',
        patternErrorMessage: 'must not contain line breaks or other control characters',
        description: 'Literal replacement text (default "[REDACTED]"). No line breaks or other control characters.',
        default: '[REDACTED]',
      }),
    ),
  },
  { ...closed, title: 'redact rule' },
);

const rateLimitFields = {
  ...common,
  action: action('rate_limit', 'rate_limit: at most `limit` matching requests per `window` and key.'),
  limit: Type.Integer({ minimum: 1, description: 'Requests allowed per window.' }),
  window: Type.String({
    pattern: WINDOW_PATTERN,
    patternErrorMessage: WINDOW_MESSAGE,
    description: 'Sliding window length: 500ms, 10s, 1m, 1h (at most 8784h).',
  }),
};

/** A rate_limit rule with one counter: `key: global` or no key. `max_keys` has no place here. */
export const GlobalRateLimitRuleSchema = Type.Object(
  {
    ...rateLimitFields,
    key: Type.Optional(Type.Literal('global', { description: 'One counter for all requests (the default).', default: 'global' })),
  },
  { ...closed, title: 'rate_limit rule, one global counter' },
);

/** A rate_limit rule counting per client, session or header value, within a key budget. */
export const KeyedRateLimitRuleSchema = Type.Object(
  {
    ...rateLimitFields,
    key: Type.String({
      pattern: `^(client|session|header:${TOKEN})$`,
      patternErrorMessage: 'must be global, client, session or header:<name>',
      description: 'What is counted separately: client (address), session (Mcp-Session-Id) or header:<name>.',
    }),
    max_keys: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: DEFAULT_MAX_KEYS,
        description:
          'Most keys (clients, sessions, header values) counted at once; a new key beyond it is refused until an old one leaves its window (default 100000).',
      }),
    ),
  },
  { ...closed, title: 'rate_limit rule, counted per key' },
);

/** The variants of {@link RuleSchema}, in the order they are tried. */
export const RULE_VARIANTS: readonly TObject[] = [DenyRuleSchema, RedactRuleSchema, GlobalRateLimitRuleSchema, KeyedRateLimitRuleSchema];

export const RuleSchema = Type.Union([DenyRuleSchema, RedactRuleSchema, GlobalRateLimitRuleSchema, KeyedRateLimitRuleSchema], {
  description: 'A policy rule: deny, redact or rate_limit, each with its own fields. Order matters for reporting: the first matching deny is named.',
});

export type RuleInput = Static<typeof RuleSchema>;
export type MatchInput = Static<typeof MatchSchema>;
