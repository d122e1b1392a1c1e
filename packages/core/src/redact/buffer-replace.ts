import RE2 from 're2';
import { isWordByte } from './context-change.js';

/**
 * Finds the matches of one pattern in a UTF-8 Buffer exactly as node-re2's
 * global `replace` does (same `RE2::Match` calls, same step past an empty
 * match), so that a replacement can be spliced in with one copy of the text
 * instead of the two node-re2 makes.
 */
export interface BufferFinder {
  /** The pattern with the `g` flag. */
  readonly pattern: RE2;
  /**
   * For a pattern that starts with literal text (maybe after `\b`): where
   * that text next occurs. Every match of the pattern starts with it, so the
   * pattern's next match starts there or later; the locator finds it with a
   * substring search (memmem) or a small RE2 of the literals, where RE2 would
   * otherwise run the pattern's automaton over every byte (a leading `\b`
   * keeps RE2 from skipping ahead to the literal at all).
   */
  readonly locator: Buffer | RE2 | null;
  /** Whether the pattern starts with `\b`, checked before each locator hit is tried. */
  readonly wordBoundary: boolean;
}

// A leading `\b`, maybe after an inline flag group: `\bAKIA…`, `(?i)\bpassword…`.
const LEADING_WORD_BOUNDARY = /^(?:\(\?([imsU]*)\))?\\b/;
// A group opening: `(`, `(?:`, `(?i:`, `(?P<name>`, `(?<name>`.
const GROUP_OPEN = /^\((?:\?(?:([imsU]*):|P?<[A-Za-z0-9_]+>))?/;
const META = '\\^$.|?*+()[]{}';

// A leading inline flag group without `\b`: `(?i)aws_?secret…`.
const LEADING_FLAGS = /^(?:\(\?([imsU]*)\))?/;

/** Builds the finder of an RE2 pattern that compiled. */
export function createBufferFinder(source: string, pattern: RE2): BufferFinder {
  const { wordBoundary, prefix } = readLead(source);
  if (!wordBoundary) {
    // RE2 skips ahead to a literal prefix by its first byte; a common first
    // byte ("-----BEGIN") makes that slow, a substring search (memmem) is not.
    const literal = prefix !== null && !prefix.caseless && prefix.literals.length === 1 ? (prefix.literals[0] as string) : '';
    return { pattern, locator: Buffer.byteLength(literal) >= 4 ? Buffer.from(literal, 'utf8') : null, wordBoundary: false };
  }
  if (prefix === null) return { pattern, locator: null, wordBoundary: true };
  const [first, ...others] = prefix.literals;
  if (!prefix.caseless && others.length === 0 && first !== undefined && Buffer.byteLength(first) >= 2) {
    return { pattern, locator: Buffer.from(first, 'utf8'), wordBoundary: true };
  }
  // Caseless or alternatives: a small RE2 of the literals alone.
  if (prefix.literals.some((literal) => [...literal].length < 3)) return { pattern, locator: null, wordBoundary: true };
  const escaped = prefix.literals.map((literal) => [...literal].map((ch) => `\\x{${(ch.codePointAt(0) as number).toString(16)}}`).join(''));
  try {
    return { pattern, locator: new RE2(`${prefix.caseless ? '(?i)' : ''}(?:${escaped.join('|')})`, 'g'), wordBoundary: true };
  } catch {
    return { pattern, locator: null, wordBoundary: true };
  }
}

/**
 * Texts one of which every match of the pattern starts with, matched with
 * their case (after a leading `\b`, if any): `AKIA[0-9A-Z]{16}` → `AKIA`,
 * `(ghp|gho)_[a-z]{36}` → `ghp`, `gho`. Null when the pattern promises no such
 * text, or is caseless. A text in which none of them occurs holds no match.
 */
export function requiredPrefixes(source: string): string[] | null {
  const { prefix } = readLead(source);
  if (prefix === null || prefix.caseless) return null;
  // RE2 reads a lone surrogate as U+FFFD: a text search for U+FFFD would miss it.
  if (prefix.literals.some((literal) => literal === '' || literal.includes('\uFFFD'))) return null;
  return prefix.literals;
}

/**
 * How a pattern starts: whether with `\b` (maybe after an inline flag
 * group), then the literal text every match starts with, caseless when a
 * leading `(?i)` or the group's flags say so (null: none promised).
 */
function readLead(source: string): { wordBoundary: boolean; prefix: { literals: string[]; caseless: boolean } | null } {
  const boundary = LEADING_WORD_BOUNDARY.exec(source);
  const lead = boundary ?? (LEADING_FLAGS.exec(source) as RegExpExecArray);
  return { wordBoundary: boundary !== null, prefix: leadingLiterals(source.slice(lead[0].length), (lead[1] ?? '').includes('i')) };
}

/**
 * The literal text every match must start with, read after the leading `\b`:
 * a run of literal characters, or one run per alternative of a group that
 * opens there. Null when there is none, or when a top-level `|` elsewhere
 * lets a match start differently. Conservative: an unknown construct stops
 * the run, and a quantified last character is left out.
 */
function leadingLiterals(rest: string, caseless: boolean): { literals: string[]; caseless: boolean } | null {
  if (hasTopLevelAlternation(rest)) return null;
  const group = GROUP_OPEN.exec(rest);
  if (group === null) {
    const run = literalRun(rest, 0);
    return run.text === '' ? null : { literals: [run.text], caseless };
  }
  const literals: string[] = [];
  let i = group[0].length;
  for (;;) {
    const run = literalRun(rest, i);
    if (run.text === '') return null;
    literals.push(run.text);
    // Skip the rest of this alternative, up to `|` or `)` at this depth.
    let depth = 0;
    let j = run.end;
    for (; j < rest.length; j++) {
      const c = rest[j];
      if (c === '\\') j++;
      else if (c === '[') j = classEnd(rest, j);
      else if (c === '(') depth++;
      else if (c === ')' && depth-- === 0) break;
      else if (c === '|' && depth === 0) break;
    }
    if (j >= rest.length) return null;
    if (rest[j] === ')') {
      // An optional group promises nothing.
      if (isQuantifier(rest[j + 1])) return null;
      return { literals, caseless: caseless || (group[1] ?? '').includes('i') };
    }
    i = j + 1;
  }
}

/** Literal characters from `i`: plain ones and escaped punctuation. */
function literalRun(text: string, i: number): { text: string; end: number } {
  let run = '';
  let last = i;
  let j = i;
  while (j < text.length) {
    const c = text[j] as string;
    let ch: string;
    let next: number;
    if (c === '\\') {
      const e = text[j + 1];
      if (e === undefined || /[A-Za-z0-9]/.test(e)) break;
      ch = String.fromCodePoint(text.codePointAt(j + 1) as number);
      next = j + 1 + ch.length;
    } else if (META.includes(c)) {
      break;
    } else {
      ch = String.fromCodePoint(text.codePointAt(j) as number);
      next = j + ch.length;
    }
    if (isQuantifier(text[next])) break; // quantified: not certain to be there
    run += ch;
    last = next;
    j = next;
  }
  return { text: run, end: last };
}

const isQuantifier = (c: string | undefined): boolean => c === '?' || c === '*' || c === '+' || c === '{';

function hasTopLevelAlternation(text: string): boolean {
  let depth = 0;
  for (let j = 0; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === '[') j = classEnd(text, j);
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth <= 0) return true;
  }
  return false;
}

/** Index of the `]` closing the class that starts at `start`, or the text's end. */
function classEnd(text: string, start: number): number {
  let j = start + 1;
  if (text[j] === '^') j++;
  if (text[j] === ']') j++;
  for (; j < text.length && text[j] !== ']'; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '[' && text[j + 1] === ':') {
      const close = text.indexOf(':]', j + 2);
      if (close !== -1) j = close + 1;
    }
  }
  return j;
}

/**
 * Byte ranges `[start, end)` of the non-empty matches that a global replace
 * of `finder.pattern` would replace in `text`, flattened into one array.
 */
export function findMatchRanges(finder: BufferFinder, text: Buffer): number[] {
  const { pattern, locator, wordBoundary } = finder;
  const ranges: number[] = [];
  let from = 0;
  while (from <= text.length) {
    if (locator !== null) {
      // No match of the pattern starts before the next occurrence of its
      // leading literal (where its leading `\b`, if any, holds; RE2's word
      // characters are ASCII): searching from there finds the same match.
      let ahead = nextOccurrence(locator, text, from);
      while (wordBoundary && ahead !== -1 && isWordByte(text[ahead - 1]) === isWordByte(text[ahead])) {
        ahead = nextOccurrence(locator, text, ahead + utf8CharSize(text[ahead] as number));
      }
      if (ahead === -1) break;
      from = ahead;
    }
    pattern.lastIndex = from;
    const match = pattern.exec(text);
    if (match === null) break;
    const start = match.index;
    const end = start + match[0].length;
    if (end === start) {
      // node-re2 copies one character past an empty match and goes on.
      if (start >= text.length) break;
      from = start + utf8CharSize(text[start] as number);
    } else {
      ranges.push(start, end);
      from = end;
    }
  }
  pattern.lastIndex = 0;
  return ranges;
}

function nextOccurrence(locator: Buffer | RE2, text: Buffer, from: number): number {
  if (Buffer.isBuffer(locator)) return text.indexOf(locator, from);
  locator.lastIndex = from;
  const found = locator.exec(text);
  locator.lastIndex = 0;
  return found === null ? -1 : found.index;
}

/**
 * Replaces the byte ranges of `text` with `replacement`. `text` must be the
 * caller's own Buffer: when no range is shorter than the replacement, it is
 * rewritten in place (each write lands before the bytes still to be read)
 * and a view of its new length is returned; otherwise one new Buffer.
 */
export function spliceRanges(text: Buffer, ranges: readonly number[], replacement: Buffer): Buffer {
  let fits = true;
  for (let i = 0; i < ranges.length && fits; i += 2) fits = (ranges[i + 1] as number) - (ranges[i] as number) >= replacement.length;
  if (fits) {
    let write = 0;
    let read = 0;
    for (let i = 0; i < ranges.length; i += 2) {
      const start = ranges[i] as number;
      if (write !== read) text.copy(text, write, read, start);
      write += start - read;
      replacement.copy(text, write);
      write += replacement.length;
      read = ranges[i + 1] as number;
    }
    if (write !== read) text.copy(text, write, read, text.length);
    return text.subarray(0, write + text.length - read);
  }
  const pieces: Buffer[] = [];
  let length = 0;
  let from = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const start = ranges[i] as number;
    pieces.push(text.subarray(from, start), replacement);
    length += start - from + replacement.length;
    from = ranges[i + 1] as number;
  }
  pieces.push(text.subarray(from));
  length += text.length - from;
  return Buffer.concat(pieces, length);
}

// node-re2's getUtf8CharSize: ((0xE5000000 >> ((ch >> 3) & 0x1E)) & 3) + 1 on a signed char.
function utf8CharSize(byte: number): number {
  const ch = byte >= 128 ? byte - 256 : byte;
  return ((0xe5000000 >>> ((ch >> 3) & 0x1e)) & 3) + 1;
}
