import { Value } from '@sinclair/typebox/value';
import { DEFAULT_MAX_KEYS, RuleSchema, type MatchInput, type RuleInput } from './rule-schema.js';
import { parseWindow, WINDOW_MESSAGE } from './duration.js';
import { formatPath, quote, type ConfigPath, type RawIssue } from '../util/issue.js';
import { tryCompilePattern, type Pattern } from '../regex/compile-pattern.js';
import type { CompiledMatch, CompiledRule, PatternCondition, RateLimitKey } from './compiled-rule.js';
import { patternView } from './pattern-view.js';
import { runSteps } from '../util/steps.js';

/**
 * Checks and compiles rules: duplicate names and every pattern through RE2
 * (the schema checks each rule's fields for its action). Returns every
 * problem found; the compiled rules are only meaningful when `issues` is empty. Entries that do not fit
 * {@link RuleSchema} (reported by the schema check) are not compiled, but
 * their names still count as taken, so a duplicate is reported alongside, and
 * their patterns are checked.
 */
export function compileRules(rules: ReadonlyArray<unknown>, base: ConfigPath = ['policy', 'rules']): CompiledRules {
  return runSteps(compileRulesStepwise(rules, base));
}

/** What {@link compileRules} returns. */
export interface CompiledRules {
  rules: CompiledRule[];
  issues: RawIssue[];
}

/**
 * {@link compileRules} one rule at a time: the generator yields after each
 * rule, so that a caller can let other work run while a large policy compiles.
 */
export function* compileRulesStepwise(rules: ReadonlyArray<unknown>, base: ConfigPath = ['policy', 'rules'], reuse?: RuleReuse): Generator<void, CompiledRules> {
  const issues: RawIssue[] = [];
  const compiled: CompiledRule[] = [];
  const firstIndexByName = new Map<string, number>();
  let redactOrdinal = 0;

  for (let index = 0; index < rules.length; index++) {
    if (index > 0) yield;
    const entry = rules[index];
    const at = [...base, index];
    const name = (entry as { name?: unknown } | null)?.name;
    if (typeof name === 'string' && name !== '') {
      const previous = firstIndexByName.get(name);
      if (previous !== undefined) {
        issues.push({ at: [...at, 'name'], message: `duplicate rule name ${quote(name)} (first used by ${formatPath([...base, previous])})` });
      } else {
        firstIndexByName.set(name, index);
      }
    }
    // A rule the same as one of the policy compiled before (see ReloadCache) was
    // valid then and keeps its compiled patterns; only its place may differ.
    const definition = reuse === undefined ? '' : JSON.stringify(entry);
    const known = reuse?.take(definition);
    if (known !== undefined) {
      const result = relocate(known, index, redactOrdinal);
      if (result.action === 'redact') redactOrdinal++;
      reuse?.put(definition, result);
      compiled.push(result);
      continue;
    }
    if (!Value.Check(RuleSchema, entry)) {
      // Its shape is reported by the schema check; its patterns are checked here all the same.
      const patterns = patternView(entry);
      if (patterns !== undefined) compileRule(patterns, index, redactOrdinal, at, issues);
      continue;
    }
    const result = compileRule(entry, index, redactOrdinal, at, issues);
    if (result?.action === 'redact') redactOrdinal++;
    if (result) {
      reuse?.put(definition, result);
      compiled.push(result);
    }
  }
  return { rules: compiled, issues };
}

/** Compiled rules by their definition (the rule as JSON): see ReloadCache. */
export interface RuleReuse {
  take(definition: string): CompiledRule | undefined;
  put(definition: string, rule: CompiledRule): void;
}

function relocate(rule: CompiledRule, index: number, ordinal: number): CompiledRule {
  return rule.action === 'redact' ? { ...rule, index, ordinal } : { ...rule, index };
}

function compileRule(rule: RuleInput, index: number, ordinal: number, at: ConfigPath, issues: RawIssue[]): CompiledRule | undefined {
  const before = issues.length;
  // Located at the pattern itself (file order); the report names the rule and
  // the pattern's place in it (SPEC §2): `invalid regex on rule "x" (patterns[1], line 23): ...`.
  const invalid = (where: ConfigPath, message: string) => issues.push({ at: where, message, regex: { rule: rule.name, field: where.slice(at.length) } });
  const pattern = (source: string, where: ConfigPath, flags = ''): Pattern | undefined => {
    const result = tryCompilePattern(source, flags);
    if (result.ok) return result.pattern;
    invalid(where, result.reason);
    return undefined;
  };

  const match = compileMatch(rule.match, [...at, 'match'], pattern);
  const common = { index, name: rule.name, match };

  switch (rule.action) {
    case 'deny':
      return issues.length === before ? { ...common, action: 'deny', message: rule.message ?? rule.name } : undefined;
    case 'redact': {
      const sources = rule.patterns ?? [];
      // Compiled once, global: the redactor replaces with these very objects.
      const compiledPatterns: Pattern[] = [];
      sources.forEach((source, i) => {
        const where = [...at, 'patterns', i];
        const compiled = pattern(source, where, 'g');
        if (compiled === undefined) return;
        compiled.lastIndex = 0;
        const matchesEmpty = compiled.test('');
        compiled.lastIndex = 0;
        // An empty match would splice the replacement between every character.
        if (matchesEmpty) {
          invalid(where, `pattern ${quote(source)} matches empty text; a redact pattern must match at least one character`);
        }
        compiledPatterns.push(compiled);
      });
      if (issues.length !== before) return undefined;
      return {
        ...common,
        action: 'redact',
        ordinal,
        direction: rule.direction ?? 'both',
        replacement: rule.replacement ?? '[REDACTED]',
        patterns: [...sources],
        compiledPatterns,
      };
    }
    case 'rate_limit': {
      const windowMs = parseWindow(rule.window);
      // The schema's pattern refuses such windows already; this guards against the two drifting apart.
      if (windowMs === undefined) {
        issues.push({ at: [...at, 'window'], message: `${WINDOW_MESSAGE} (got ${quote(rule.window)})` });
      }
      const key = parseKey(rule.key ?? 'global');
      if (issues.length !== before || windowMs === undefined) return undefined;
      return {
        ...common,
        action: 'rate_limit',
        limit: rule.limit,
        windowMs,
        key,
        counterId: [rule.name, rule.limit, windowMs, key.kind === 'header' ? `header:${key.header}` : key.kind].join('\u0000'),
        maxKeys: key.kind === 'global' ? 1 : ('max_keys' in rule ? (rule.max_keys ?? DEFAULT_MAX_KEYS) : DEFAULT_MAX_KEYS),
      };
    }
  }
}

function parseKey(text: string): RateLimitKey {
  if (text.startsWith('header:')) return { kind: 'header', header: text.slice('header:'.length).toLowerCase() };
  return { kind: text as 'global' | 'client' | 'session' };
}

function compileMatch(
  match: MatchInput | undefined,
  at: ConfigPath,
  pattern: (source: string, where: ConfigPath) => Pattern | undefined,
): CompiledMatch {
  const list = (value: string | string[] | undefined) =>
    value === undefined ? null : new Set(Array.isArray(value) ? value : [value]);
  const args: PatternCondition[] = [];
  for (const [name, source] of Object.entries(match?.args ?? {})) {
    const compiled = pattern(source, [...at, 'args', name]);
    if (compiled) args.push({ name, pattern: compiled, source });
  }
  const headers: PatternCondition[] = [];
  for (const [name, source] of Object.entries(match?.headers ?? {})) {
    const compiled = pattern(source, [...at, 'headers', name]);
    if (compiled) headers.push({ name: name.toLowerCase(), pattern: compiled, source });
  }
  const tool = match?.tool === undefined ? null : (pattern(match.tool, [...at, 'tool']) ?? null);
  return {
    methods: list(match?.method),
    tool,
    toolSource: match?.tool ?? null,
    upstreams: list(match?.upstream),
    args,
    headers,
  };
}
