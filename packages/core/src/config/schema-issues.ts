import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { describeValue, quote, suggest, type RawIssue } from './issue.js';

/**
 * Checks `value` against a TypeBox schema and returns its problems in plain
 * words: one per place, TypeBox's duplicate reports dropped, no schema dumps.
 */
export function schemaIssues(schema: TSchema, value: unknown, base: ReadonlyArray<string | number> = []): RawIssue[] {
  const issues: RawIssue[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    issues.push(toIssue(error, base));
  }
  return issues;
}

function pointerSegments(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : segment));
}

function toIssue(error: ValueError, base: ReadonlyArray<string | number>): RawIssue {
  const at = [...base, ...pointerSegments(error.path)];
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
  if (literals.length === options.length && literals.length > 0) {
    const hint = typeof value === 'string' ? suggest(value, literals) : '';
    const got = typeof value === 'string' ? quote(value) : describeValue(value);
    return `must be one of ${literals.map((l) => `"${l}"`).join(', ')} (got ${got})${hint}`;
  }
  return `is not valid (got ${describeValue(value)})`;
}
