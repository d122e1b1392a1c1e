import { Value } from '@sinclair/typebox/value';
import { DEFAULT_MAX_KEYS, RuleSchema, type MatchInput, type RuleInput } from '../config/schema.js';
import { parseWindow, WINDOW_MESSAGE } from '../config/duration.js';
import { formatPath, quote, type ConfigPath, type RawIssue } from '../config/issue.js';
import { trySharedPattern, type Pattern } from '../regex/compile-pattern.js';
import type { CompiledMatch, CompiledRule, PatternCondition, RateLimitKey } from './compiled-rule.js';
import { runSteps } from './steps.js';

/** Fields each action accepts besides name, action and match. */
const ACTION_FIELDS = {
  deny: ['message'],
  redact: ['direction', 'patterns', 'replacement'],
  rate_limit: ['limit', 'window', 'key', 'max_keys'],
} as const satisfies Record<RuleInput['action'], readonly string[]>;

const REQUIRED_FIELDS = {
  deny: [],
  redact: ['patterns'],
  rate_limit: ['limit', 'window'],
} as const satisfies Record<RuleInput['action'], readonly string[]>;

const ALL_ACTION_FIELDS = ['message', 'direction', 'patterns', 'replacement', 'limit', 'window', 'key', 'max_keys'] as const;

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * Checks and compiles rules: action-specific fields, windows, duplicate names
 * and every pattern through RE2. Returns every problem found; the compiled
 * rules are only meaningful when `issues` is empty. Entries that do not fit
 * {@link RuleSchema} (reported by the schema check) are not compiled, but
 * their names still count as taken, so a duplicate is reported alongside.
 */
export function compileRules(
  rules: ReadonlyArray<unknown>,
  base: ConfigPath = ['policy', 'rules'],
  reuse?: (definition: string) => CompiledRule | undefined,
): CompiledRules {
  return runSteps(compileRulesStepwise(rules, base, reuse));
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
export function* compileRulesStepwise(
  rules: ReadonlyArray<unknown>,
  base: ConfigPath = ['policy', 'rules'],
  reuse?: (definition: string) => CompiledRule | undefined,
): Generator<void, CompiledRules> {
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
    // A rule unchanged since the previous policy was valid then and keeps its
    // compiled patterns; only its place may differ.
    const definition = reuse === undefined ? '' : JSON.stringify(entry);
    const known = reuse?.(definition);
    if (known !== undefined) {
      const result = relocate(known, index, redactOrdinal);
      if (result.action === 'redact') redactOrdinal++;
      compiled.push(result);
      continue;
    }
    if (!Value.Check(RuleSchema, entry)) continue;
    const result = compileRule(entry, definition === '' ? JSON.stringify(entry) : definition, index, redactOrdinal, at, issues);
    if (result?.action === 'redact') redactOrdinal++;
    if (result) compiled.push(result);
  }
  return { rules: compiled, issues };
}

function relocate(rule: CompiledRule, index: number, ordinal: number): CompiledRule {
  return rule.action === 'redact' ? { ...rule, index, ordinal } : { ...rule, index };
}

function compileRule(rule: RuleInput, definition: string, index: number, ordinal: number, at: ConfigPath, issues: RawIssue[]): CompiledRule | undefined {
  const before = issues.length;
  const fields = rule as Record<string, unknown>;
  const allowed: readonly string[] = ACTION_FIELDS[rule.action];
  for (const field of ALL_ACTION_FIELDS) {
    if (fields[field] !== undefined && !allowed.includes(field)) {
      issues.push({ at, key: field, message: `"${field}" does not apply to ${rule.action} rules` });
    }
  }
  for (const field of REQUIRED_FIELDS[rule.action]) {
    if (fields[field] === undefined) issues.push({ at, message: `${rule.action} rule ${quote(rule.name)} needs "${field}"` });
  }

  // Located at the pattern itself (issue.path, file order); the message names the rule (SPEC §2).
  const pattern = (source: string, where: ConfigPath, flags = ''): Pattern | undefined => {
    const result = trySharedPattern(source, flags);
    if (result.ok) return result.pattern;
    issues.push({ at: where, message: `invalid regex on rule ${quote(rule.name)}: ${result.reason}`, selfLocated: true });
    return undefined;
  };

  const match = compileMatch(rule.match, [...at, 'match'], pattern, issues);
  const common = { index, definition, name: rule.name, match };

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
          issues.push({ at: where, message: `invalid regex on rule ${quote(rule.name)}: pattern ${quote(source)} matches empty text; a redact pattern must match at least one character`, selfLocated: true });
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
      const windowMs = rule.window === undefined ? undefined : parseWindow(rule.window);
      if (rule.window !== undefined && windowMs === undefined) {
        issues.push({ at: [...at, 'window'], message: `${WINDOW_MESSAGE} (got ${quote(rule.window)})` });
      }
      const key = parseKey(rule.key ?? 'global');
      if (key.kind === 'global' && rule.max_keys !== undefined) {
        issues.push({ at, key: 'max_keys', message: '"max_keys" does not apply to key: global (a global limit counts in one key)' });
      }
      if (issues.length !== before || windowMs === undefined || rule.limit === undefined) return undefined;
      return {
        ...common,
        action: 'rate_limit',
        limit: rule.limit,
        windowMs,
        key,
        counterId: [rule.name, rule.limit, windowMs, key.kind === 'header' ? `header:${key.header}` : key.kind].join('\u0000'),
        maxKeys: key.kind === 'global' ? 1 : (rule.max_keys ?? DEFAULT_MAX_KEYS),
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
  issues: RawIssue[],
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
    if (!HEADER_NAME.test(name)) {
      issues.push({ at: [...at, 'headers'], key: name, message: `${quote(name)} is not a valid HTTP header name` });
      continue;
    }
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
