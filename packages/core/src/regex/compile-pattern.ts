import RE2 from 're2';
import { quote } from '../util/issue.js';

/** A compiled user pattern. Always RE2: user patterns never reach V8's `RegExp`. */
export type Pattern = RE2;

/** The result of {@link tryCompilePattern}: the pattern, or why RE2 refused it in plain words. */
export type PatternResult = { ok: true; pattern: Pattern } | { ok: false; reason: string };

/**
 * Compiles a user pattern with RE2 (linear-time matching, no ReDoS).
 * `flags` are RE2 flags such as `'g'`; inline groups like `(?i)` work too.
 *
 * @example
 * tryCompilePattern('[abc') // { ok: false, reason: 'missing closing bracket' }
 */
export function tryCompilePattern(source: string, flags = ''): PatternResult {
  try {
    return { ok: true, pattern: new RE2(source, flags) };
  } catch (error) {
    return { ok: false, reason: explainRe2Error(error instanceof Error ? error.message : String(error)) };
  }
}

/** Like {@link tryCompilePattern} but throws when RE2 refuses; for patterns already validated. */
export function compilePattern(source: string, flags = ''): Pattern {
  return new RE2(source, flags);
}

// RE2's messages are terse (`missing ]: [abc`). Operators read these in a
// reload log line, so say the same thing in plain words. SPEC §2.
const PLAIN_WORDS: ReadonlyArray<readonly [prefix: string, explain: (fragment: string) => string]> = [
  ['missing ]', () => 'missing closing bracket'],
  ['missing )', () => 'missing closing parenthesis'],
  ['unexpected )', () => 'unmatched closing parenthesis'],
  ['trailing \\', () => 'pattern ends with a lone backslash'],
  ['bad repetition operator', (f) => `repetition operator on a repetition${quoted(f)}; possessive and nested quantifiers are not supported by RE2`],
  ['no argument for repetition operator', (f) => `repetition operator with nothing to repeat${quoted(f)}`],
  // RE2 also refuses nested counts whose product passes 1000: `(a{10}){101}`.
  ['invalid repetition size', (f) => `invalid repetition count${quoted(f)}; counts go up to 1000 (nested counts multiplied) and the minimum must not exceed the maximum`],
  ['invalid character class range', (f) => `invalid character class or range${quoted(f)}`],
  ['invalid character class', (f) => `invalid character class${quoted(f)}`],
  ['missing argument to repetition operator', (f) => `repetition operator with nothing to repeat${quoted(f)}`],
  ['invalid named capture group', (f) => `invalid named group${quoted(f)}`],
  ['duplicate capture group name', () => 'the same group name is used twice'],
  ['invalid UTF-8', () => 'the pattern is not valid UTF-8'],
  ['pattern too large', () => 'the pattern is too large for RE2 (it compiles to too big a program); split it or simplify repetitions'],
  ['expression nests too deeply', () => 'the pattern nests too deeply'],
];

function quoted(fragment: string): string {
  return fragment === '' ? '' : ` ${quote(fragment)}`;
}

const LOOKAROUND: ReadonlyArray<readonly [prefix: string, name: string]> = [
  ['(?=', 'lookahead'],
  ['(?!', 'negative lookahead'],
  ['(?<=', 'lookbehind'],
  ['(?<!', 'negative lookbehind'],
];

/**
 * Translates an RE2 error message into plain words. Lookaround and
 * backreferences, which RE2 does not have, are explained as such.
 */
export function explainRe2Error(raw: string): string {
  const separator = raw.indexOf(': ');
  const kind = separator === -1 ? raw : raw.slice(0, separator);
  const fragment = separator === -1 ? '' : raw.slice(separator + 2);

  if (kind === 'invalid perl operator') {
    const lookaround = LOOKAROUND.find(([prefix]) => fragment.startsWith(prefix));
    if (lookaround) {
      return `${lookaround[1]} ${quote(fragment)} is not supported by RE2 (it guarantees linear-time matching); rewrite the pattern without it`;
    }
    return `unsupported group syntax${quoted(fragment)}`;
  }
  if (kind === 'invalid escape sequence') {
    if (/^\\[1-9]/.test(fragment) || fragment === '\\k') {
      return `backreference ${quote(fragment)} is not supported by RE2 (it guarantees linear-time matching)`;
    }
    return `invalid escape sequence${quoted(fragment)}`;
  }
  for (const [prefix, explain] of PLAIN_WORDS) {
    if (kind.startsWith(prefix)) return explain(fragment);
  }
  return raw;
}
