import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { describeValue, pathFromPointer, quote, suggest, type ConfigPath, type RawIssue } from '../util/issue.js';
import { HttpUpstreamSchema, StdioUpstreamSchema, UPSTREAM_VARIANTS } from './schema.js';

/** Explains errors of one shape (schema-issues' `explainErrors`, passed in to keep imports one-way). */
type ExplainErrors = (errors: Iterable<ValueError>, base: ConfigPath, root: unknown) => RawIssue[];

const HTTP_FIELDS = Object.keys(HttpUpstreamSchema.properties);
const STDIO_FIELDS = Object.keys(StdioUpstreamSchema.properties);
/** The fields only a stdio upstream has: `args`, `env`, `cwd`, `max_sessions`, `idle_timeout` (and `command`). */
const STDIO_ONLY = STDIO_FIELDS.filter((key) => !HTTP_FIELDS.includes(key));
const ALL_FIELDS = [...new Set([...HTTP_FIELDS, ...STDIO_FIELDS])];

/**
 * What is wrong with an upstream that fits neither upstream shape, said of
 * the one it is meant as: a stdio upstream when it has `command` (or, with
 * neither `url` nor `command`, a field only stdio upstreams have), else an
 * HTTP upstream. Both `url` and `command` is one problem; so is neither; a
 * stdio field beside a `url` is `"args" applies only to a stdio upstream`.
 */
export function upstreamIssues(error: ValueError, base: ConfigPath, root: unknown, explainErrors: ExplainErrors): RawIssue[] {
  const value = error.value as Record<string, unknown>;
  const at = pathFromPointer(error.path, base);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [{ at, message: `must be a mapping (got ${describeValue(value)})` }];
  }
  const hasUrl = 'url' in value;
  const hasCommand = 'command' in value;
  // With both or neither, the other fields tell which shape is meant.
  const stdioFields = Object.keys(value).some((key) => key !== 'command' && STDIO_ONLY.includes(key));
  const stdio = hasUrl === hasCommand ? stdioFields : hasCommand;
  const problems = [...(error.errors[UPSTREAM_VARIANTS.indexOf(stdio ? StdioUpstreamSchema : HttpUpstreamSchema)] ?? [])];

  const issues: RawIssue[] = [];
  if (hasUrl && hasCommand) issues.push({ at, key: 'command', message: 'an upstream has either "url" (an HTTP upstream) or "command" (a stdio upstream), not both' });
  const rest: ValueError[] = [];
  const seen = new Set<string>();
  for (const problem of problems) {
    // One report per place: a missing key is also reported as a value of the wrong type.
    if (seen.has(problem.path)) continue;
    seen.add(problem.path);
    const key = ownKey(problem, error.path);
    if (key === undefined) {
      rest.push(problem);
    } else if (problem.type === ValueErrorType.ObjectAdditionalProperties) {
      if (key === 'url' || key === 'command') continue; // both: said once above
      if (STDIO_ONLY.includes(key)) issues.push({ at, key, message: `${quote(key)} applies only to a stdio upstream (one with "command"), not to one with "url"` });
      else issues.push({ at, key, message: `unknown key ${quote(key)}${suggest(key, ALL_FIELDS)}` });
    } else if (problem.type === ValueErrorType.ObjectRequiredProperty) {
      if (key === 'url' || key === 'command') issues.push({ at, message: 'missing required key "url" (an HTTP upstream) or "command" (a stdio upstream)' });
      else issues.push({ at, message: `missing required key "${key}"` });
    } else {
      rest.push(problem);
    }
  }
  return [...issues, ...explainErrors(rest, base, root)];
}

/** The upstream's own key a problem is about (`args` in `/upstreams/0/args`), or undefined when deeper. */
function ownKey(problem: ValueError, upstreamPath: string): string | undefined {
  if (!problem.path.startsWith(`${upstreamPath}/`)) return undefined;
  const rest = problem.path.slice(upstreamPath.length + 1);
  if (rest.includes('/')) return undefined;
  return rest.replace(/~1/g, '/').replace(/~0/g, '~');
}
