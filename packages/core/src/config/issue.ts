import type { ConfigIssue } from '../errors.js';

/** A path into the config document: object keys and array indexes. */
export type ConfigPath = ReadonlyArray<string | number>;

/**
 * A problem found while checking a config, before it is given a YAML line.
 * `key` names an offending key inside the object at `at` (the line of that
 * key is reported); `selfLocated` messages name their place themselves.
 */
export interface RawIssue {
  readonly at: ConfigPath;
  readonly message: string;
  readonly key?: string;
  readonly selfLocated?: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['policy', 'rules', 1, 'match']` → `policy.rules[1].match`. */
export function formatPath(at: ConfigPath): string {
  let out = '';
  for (const segment of at) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Edit distance, for "did you mean" hints on typos. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** ` (did you mean "tool"?)` when one candidate is a likely typo of `value`, else ''. */
export function suggest(value: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(value.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(1, Math.floor(value.length / 4));
  return best !== undefined && bestDistance <= tolerance ? ` (did you mean "${best}"?)` : '';
}

/** A short description of a value's JSON type, for "got ..." hints. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return value === '' ? 'an empty string' : 'a string';
    case 'number':
      return Number.isInteger(value) ? `the number ${value}` : `the number ${value}`;
    case 'boolean':
      return String(value);
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

/** Turns a raw issue into a reported one, with its YAML line when a locator is given. */
export function toConfigIssue(
  issue: RawIssue,
  locate?: (at: ConfigPath, key?: string) => number | undefined,
): ConfigIssue {
  const line = locate?.(issue.at, issue.key);
  return {
    path: formatPath(issue.at),
    message: issue.message,
    ...(line === undefined ? {} : { line }),
    ...(issue.selfLocated ? { selfLocated: true } : {}),
  };
}
