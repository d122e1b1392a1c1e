import type { Pattern } from '../regex/compile-pattern.js';

/** What a rate limit counts separately. */
export type RateLimitKey =
  | { readonly kind: 'global' }
  | { readonly kind: 'client' }
  | { readonly kind: 'session' }
  | { readonly kind: 'header'; readonly header: string };

/** One `args` or `headers` condition. */
export interface PatternCondition {
  readonly name: string;
  readonly pattern: Pattern;
  readonly source: string;
}

/** A rule's `match`, compiled. `null` fields are absent conditions. */
export interface CompiledMatch {
  readonly methods: ReadonlySet<string> | null;
  readonly tool: Pattern | null;
  readonly toolSource: string | null;
  readonly upstreams: ReadonlySet<string> | null;
  /** `match.args`: argument name, compiled pattern, pattern source. */
  readonly args: ReadonlyArray<PatternCondition>;
  /** `match.headers`: lowercase header name, compiled pattern, pattern source. */
  readonly headers: ReadonlyArray<PatternCondition>;
}

interface RuleBase {
  /** Position in the config: decisions report and apply rules in this order. */
  readonly index: number;
  readonly name: string;
  readonly match: CompiledMatch;
}

export interface CompiledDenyRule extends RuleBase {
  readonly action: 'deny';
  readonly message: string;
}

export interface CompiledRedactRule extends RuleBase {
  readonly action: 'redact';
  /** Position among the policy's redact rules (indexes a {@link RuleMask}). */
  readonly ordinal: number;
  readonly direction: 'request' | 'response' | 'both';
  readonly replacement: string;
  readonly patterns: readonly string[];
  /** `patterns` compiled with the `g` flag, in the same order. */
  readonly compiledPatterns: readonly Pattern[];
}

export interface CompiledRateLimitRule extends RuleBase {
  readonly action: 'rate_limit';
  readonly limit: number;
  readonly windowMs: number;
  readonly key: RateLimitKey;
  /** Counter identity: the same name, limit, window and key keep their counts across reloads. Also the counters' group. */
  readonly counterId: string;
  /** Most keys the rule's group of counters holds (`max_keys`; 1 for a global limit). */
  readonly maxKeys: number;
}

export type CompiledRule = CompiledDenyRule | CompiledRedactRule | CompiledRateLimitRule;
