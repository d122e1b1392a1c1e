import type { TObject } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { describeValue, explainChoice, pathFromPointer, quote, suggest, type ConfigPath, type RawIssue } from '../util/issue.js';
import { GlobalRateLimitRuleSchema, RULE_VARIANTS } from '../rules/rule-schema.js';

/** Explains errors of one variant (schema-issues' `explainErrors`, passed in to keep imports one-way). */
export type ExplainErrors = (errors: Iterable<ValueError>, base: ConfigPath, root: unknown) => RawIssue[];

const ACTIONS = [...new Set(RULE_VARIANTS.map(actionOf))];
const COMMON_REQUIRED = RULE_VARIANTS.map((variant) => variant.required ?? []).reduce((common, required) => common.filter((key) => required.includes(key)));
const ALL_FIELDS = [...new Set(RULE_VARIANTS.flatMap((variant) => Object.keys(variant.properties)))];

/**
 * What is wrong with a rule that fits none of the rule shapes, said of the
 * shape it is meant as: the one its `action` (and, for rate_limit, its `key`)
 * names, else the nearest. A field of another action is `"limit" does not
 * apply to deny rules`, a missing one `rate_limit rule "x" needs "window"`.
 */
export function ruleIssues(error: ValueError, base: ConfigPath, root: unknown, explainErrors: ExplainErrors): RawIssue[] {
  const value = error.value as Record<string, unknown>;
  const at = pathFromPointer(error.path, base);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [{ at, message: `must be a mapping (got ${describeValue(value)})` }];
  }
  const perVariant = error.errors.map((iterator) => [...iterator]);
  const meant = RULE_VARIANTS.map((_, index) => index).filter((index) => fitsConsts(RULE_VARIANTS[index] as TObject, value));
  const actionKnown = meant.length > 0;
  const candidates = actionKnown ? meant : RULE_VARIANTS.map((_, index) => index);
  // The fewest problems wins; on a tie, the first (global before keyed rate limits).
  const chosen = candidates.reduce((best, index) => (placeCount(perVariant[index]) < placeCount(perVariant[best]) ? index : best));
  const variant = RULE_VARIANTS[chosen] as TObject;

  const issues: RawIssue[] = [];
  const rest: ValueError[] = [];
  const seen = new Set<string>();
  for (const problem of perVariant[chosen] ?? []) {
    // One report per place: a missing key is also reported as a value of the wrong type.
    if (seen.has(problem.path)) continue;
    seen.add(problem.path);
    const key = ruleLevelKey(problem, error.path);
    if (key === undefined) {
      rest.push(problem);
    } else if (key === 'action' && !actionKnown) {
      issues.push(
        'action' in value ? { at: [...at, 'action'], message: explainChoice(ACTIONS, value['action']) } : { at, message: 'missing required key "action"' },
      );
    } else if (problem.type === ValueErrorType.ObjectAdditionalProperties) {
      if (ALL_FIELDS.includes(key)) {
        // Whose field it is depends on the action. With an unknown action, its value is still checked where that does not.
        if (actionKnown) issues.push({ at, key, message: notApplicable(key, variant) });
        else issues.push(...fieldIssues(key, value[key], [...at, key], explainErrors));
      } else {
        issues.push({ at, key, message: `unknown key ${quote(key)}${suggest(key, ALL_FIELDS)}` });
      }
    } else if (problem.type === ValueErrorType.ObjectRequiredProperty) {
      if (COMMON_REQUIRED.includes(key)) issues.push({ at, message: `missing required key "${key}"` });
      else if (actionKnown) issues.push({ at, message: `${actionOf(variant)} rule ${typeof value['name'] === 'string' ? `${quote(value['name'])} ` : ''}needs "${key}"` });
    } else {
      rest.push(problem);
    }
  }
  return [...issues, ...explainErrors(rest, base, root)];
}

/** Problems of one field's value, when every rule shape that has the field has it alike (`direction`, `limit`; not `key`). */
function fieldIssues(key: string, fieldValue: unknown, at: ConfigPath, explainErrors: ExplainErrors): RawIssue[] {
  const schemas = new Set(RULE_VARIANTS.map((variant) => variant.properties[key]).filter((schema) => schema !== undefined));
  const [schema] = schemas;
  if (schemas.size !== 1 || schema === undefined) return [];
  return explainErrors(Value.Errors(schema, fieldValue), at, fieldValue);
}

function actionOf(variant: TObject): string {
  return String((variant.properties['action'] as { const?: unknown }).const);
}

/** Whether every `const` field of the variant is absent-and-optional or equal in `value`. */
function fitsConsts(variant: TObject, value: Record<string, unknown>): boolean {
  const required = variant.required ?? [];
  return Object.entries(variant.properties).every(([key, schema]) => {
    const expected = (schema as { const?: unknown }).const;
    if (expected === undefined) return true;
    return key in value ? value[key] === expected : !required.includes(key);
  });
}

/** The number of places with a problem (TypeBox may report one place several times). */
function placeCount(errors: readonly ValueError[] | undefined): number {
  return new Set((errors ?? []).map((problem) => problem.path)).size;
}

/** The rule's own key a problem is about (`limit` in `/policy/rules/0/limit`), or undefined when deeper or elsewhere. */
function ruleLevelKey(problem: ValueError, rulePath: string): string | undefined {
  if (!problem.path.startsWith(`${rulePath}/`)) return undefined;
  const rest = problem.path.slice(rulePath.length + 1);
  if (rest.includes('/')) return undefined;
  // The rule's own type errors come at the rule's path; only keys are handled here.
  return rest.replace(/~1/g, '/').replace(/~0/g, '~');
}

function notApplicable(key: string, variant: TObject): string {
  if (variant === GlobalRateLimitRuleSchema && key === 'max_keys') {
    return '"max_keys" does not apply to key: global (a global limit counts in one key)';
  }
  return `"${key}" does not apply to ${actionOf(variant)} rules`;
}
