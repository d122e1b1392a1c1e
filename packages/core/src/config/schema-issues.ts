import type { TSchema } from '@sinclair/typebox';
import RE2 from 're2';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { describeValue, explainChoice, pathFromPointer, quote, suggest, type ConfigPath, type RawIssue } from '../util/issue.js';
import { RuleSchema } from '../rules/rule-schema.js';
import { ruleIssues } from './rule-issues.js';
import { UpstreamSchema } from './schema.js';
import { upstreamIssues } from './upstream-issues.js';

/**
 * Checks `value` against a TypeBox schema and returns its problems in plain
 * words: one per place, TypeBox's duplicate reports dropped, no schema dumps.
 */
export function schemaIssues(schema: TSchema, value: unknown, base: ConfigPath = []): RawIssue[] {
  return explainErrors(Value.Errors(schema, value), base, value);
}

/** TypeBox errors about `root` (the value at `base`) as issues, the first error of each place only. */
export function explainErrors(errors: Iterable<ValueError>, base: ConfigPath, root: unknown): RawIssue[] {
  const issues: RawIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    // A rule is one of several shapes (one per action): say what is wrong with the one it is meant as.
    if (error.type === ValueErrorType.Union && error.schema === RuleSchema) issues.push(...ruleIssues(error, base, root, explainErrors));
    // An upstream is an HTTP or a stdio one: say what is wrong with the one it is meant as.
    else if (error.type === ValueErrorType.Union && error.schema === UpstreamSchema) issues.push(...upstreamIssues(error, base, root, explainErrors));
    else if (error.type === ValueErrorType.ObjectAdditionalProperties && isRecordSchema(error.schema)) issues.push(...badRecordKeys(error, base, root));
    else issues.push(toIssue(error, base));
  }
  return issues;
}

function isRecordSchema(schema: TSchema): boolean {
  return typeof schema['patternProperties'] === 'object' && schema['properties'] === undefined;
}

/** Every key of a record that its key pattern refuses (TypeBox reports the first only). */
function badRecordKeys(error: ValueError, base: ConfigPath, root: unknown): RawIssue[] {
  const recordPointer = error.path.slice(0, error.path.lastIndexOf('/'));
  const at = pathFromPointer(recordPointer, base);
  const record = valueAt(root, pathFromPointer(recordPointer)) as Record<string, unknown>;
  const [keyPattern] = Object.keys(error.schema['patternProperties'] as Record<string, unknown>);
  const accepted = new RE2(keyPattern ?? '');
  const message = typeof error.schema['keyErrorMessage'] === 'string' ? (error.schema['keyErrorMessage'] as string) : 'is not an accepted key';
  return Object.keys(record)
    .filter((key) => !accepted.test(key))
    .map((key) => ({ at, key, message: `${quote(key)} ${message}` }));
}

function valueAt(root: unknown, path: ConfigPath): unknown {
  let value = root;
  for (const segment of path) value = (value as Record<string | number, unknown>)[segment];
  return value;
}

function toIssue(error: ValueError, base: ConfigPath): RawIssue {
  const at = pathFromPointer(error.path, base);
  const schema = error.schema as TSchema & Record<string, unknown>;
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const key = String(at.pop());
      const known = Object.keys((schema['properties'] as Record<string, unknown> | undefined) ?? {});
      return { at, key, message: `unknown key ${quote(key)}${suggest(key, known)}` };
    }
    case ValueErrorType.ObjectRequiredProperty: {
      const key = String(at.pop());
      return { at, message: `missing required key "${key}"` };
    }
    default:
      return { at, message: explain(error, schema) };
  }
}

function explain(error: ValueError, schema: Record<string, unknown>): string {
  const got = ` (got ${describeValue(error.value)})`;
  if (typeof schema['errorMessage'] === 'string') return `${schema['errorMessage']}${got}`;
  switch (error.type) {
    case ValueErrorType.Union:
      return explainUnion(schema, error.value);
    case ValueErrorType.String:
      return `must be a string${got}`;
    case ValueErrorType.Integer:
      return `must be a whole number${got}`;
    case ValueErrorType.Number:
      return `must be a number${got}`;
    case ValueErrorType.Boolean:
      return `must be true or false${got}`;
    case ValueErrorType.Array:
      return `must be a list${got}`;
    case ValueErrorType.Object:
      return `must be a mapping${got}`;
    case ValueErrorType.StringMinLength:
      return schema['minLength'] === 1 ? 'must not be empty' : `must be at least ${String(schema['minLength'])} characters long`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${String(schema['maxLength'])} characters long`;
    case ValueErrorType.StringPattern:
      return typeof schema['patternErrorMessage'] === 'string'
        ? `${schema['patternErrorMessage']} (got ${quote(String(error.value))})`
        : `has an unexpected format (got ${quote(String(error.value))})`;
    case ValueErrorType.ArrayMinItems:
      return schema['minItems'] === 1 ? 'must not be empty' : `must have at least ${String(schema['minItems'])} items`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be at least ${String(schema['minimum'])}${got}`;
    case ValueErrorType.IntegerExclusiveMinimum:
    case ValueErrorType.NumberExclusiveMinimum:
      return `must be greater than ${String(schema['exclusiveMinimum'])}${got}`;
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(schema['const'])}${got}`;
    default:
      return `is not valid${got}`;
  }
}

function explainUnion(schema: Record<string, unknown>, value: unknown): string {
  const options = (schema['anyOf'] as Array<Record<string, unknown>> | undefined) ?? [];
  const literals = options.map((option) => option['const']).filter((c): c is string => typeof c === 'string');
  if (literals.length === options.length && literals.length > 0) return explainChoice(literals, value);
  return `is not valid (got ${describeValue(value)})`;
}
