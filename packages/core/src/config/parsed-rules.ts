import type { CompiledRule } from '../rules/compiled-rule.js';

// parseConfig compiles every rule to validate it (its patterns included);
// compilePolicy on that same parsed config reuses the work instead of doing it
// again. The compiled rules travel on the config object itself, under a
// symbol that JSON, Object.keys and spreads do not see — no shared state.
const PARSED_RULES = Symbol('mcpgw.parsedRules');

interface ParsedRules {
  readonly policy: unknown;
  readonly rules: readonly CompiledRule[];
}

/** Remembers, on a parsed config, the compiled form of its `policy` (call before freezing it). */
export function attachParsedRules(config: object, policy: unknown, rules: readonly CompiledRule[]): void {
  Object.defineProperty(config, PARSED_RULES, { value: Object.freeze({ policy, rules }) satisfies ParsedRules });
}

/** The rules parseConfig compiled for this very `policy` object, if any. */
export function parsedRulesOf(config: { readonly policy?: unknown }): readonly CompiledRule[] | undefined {
  const parsed = (config as { [PARSED_RULES]?: ParsedRules })[PARSED_RULES];
  // Frozen configs cannot have their policy swapped; the identity check guards configs built by hand.
  return parsed !== undefined && parsed.policy === config.policy ? parsed.rules : undefined;
}
