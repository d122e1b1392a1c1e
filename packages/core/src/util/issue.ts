// The words of a validation message: paths, quoting, did-you-mean. Below
// config because rule compilation (rules/) and RE2's messages (regex/) word
// their issues the same way; config turns them into ConfigIssues.

/** A path into the config document: object keys and array indexes. */
export type ConfigPath = ReadonlyArray<string | number>;

/**
 * A problem found while checking a config, before it is given a YAML line.
 * `key` names an offending key inside the object at `at` (the line of that
 * key is reported); `regex` is set on a pattern RE2 refuses: its rule, and its
 * place in the rule (`['patterns', 1]`).
 */
export interface RawIssue {
  readonly at: ConfigPath;
  readonly message: string;
  readonly key?: string;
  readonly regex?: { readonly rule: string; readonly field: ConfigPath };
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

/**
 * Edit distance counting a swap of two neighbours as one edit (`dcos` for
 * `docs`), for "did you mean" hints on typos.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let distance = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, (before[j - 2] ?? 0) + 1);
      current.push(distance);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** ` (did you mean "tool"?)` when one candidate is a likely typo of `value`, else ''. */
export function suggest(value: string, candidates: Iterable<string>): string {
  const lower = value.toLowerCase();
  const list = [...candidates];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of list) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(1, Math.floor(value.length / 4));
  if (best === undefined || bestDistance > tolerance) {
    // A unit suffix left out: `timeout` for `timeout_ms`, `max_size` for `max_size_mb`.
    best = lower.length >= 4 ? list.find((candidate) => candidate.toLowerCase().startsWith(lower)) : undefined;
  }
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}

/**
 * Quotes user text for a message: `"text"`, with control characters escaped
 * (`\n`, `\t`, ...) so that one issue always stays on one line. Backslashes
 * are left alone: patterns read as written (`"\d+"`, not `"\\d+"`).
 */
export function quote(text: string): string {
  return `"${text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, escapeControl)}"`;
}

function escapeControl(ch: string): string {
  const short = JSON.stringify(ch).slice(1, -1); // \n, \t, \u0001 ...
  return short !== ch ? short : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** A JSON pointer (`/policy/rules/1`) as a config path below `base` (`['policy', 'rules', 1]`). */
export function pathFromPointer(pointer: string, base: ConfigPath = []): Array<string | number> {
  if (pointer === '') return [...base];
  const segments = pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : segment));
  return [...base, ...segments];
}

/** `must be one of "a", "b" (got "c") (did you mean "a"?)`: for a choice among fixed words. */
export function explainChoice(words: readonly string[], value: unknown): string {
  const hint = typeof value === 'string' ? suggest(value, words) : '';
  const got = typeof value === 'string' ? quote(value) : describeValue(value);
  return `must be one of ${words.map((word) => `"${word}"`).join(', ')} (got ${got})${hint}`;
}

/** A short description of a value's JSON type, for "got ..." hints. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  // "got a list" would puzzle a reader where a list is allowed but must not be empty.
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  switch (typeof value) {
    case 'string':
      return value === '' ? 'an empty string' : 'a string';
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return String(value);
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}
