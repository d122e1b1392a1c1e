import RE2 from 're2';
import { classEnd, type PatternShape } from './pattern-shape.js';
import type { RuleMask } from './redactor.js';

type PatternSet = ReturnType<typeof RE2.Set>;
type Text = string | Buffer;

// Relaxed patterns per RE2.Set (see the Redactor's sets).
const SET_CHUNK = 64;
/** A pattern that matches nothing. */
const NEVER = '[^\\x00-\\x{10FFFF}]';

/** The escapes of JSON that stand for one fixed character, as `[escape, character]`. */
const SIMPLE_ESCAPES: ReadonlyArray<readonly [string, string]> = [
  ['\\"', '"'],
  ['\\\\', '\\'],
  ['\\/', '/'],
  ['\\b', '\b'],
  ['\\f', '\f'],
  ['\\n', '\n'],
  ['\\r', '\r'],
  ['\\t', '\t'],
];

/** What a {@link JsonTextPrefilter} is built from: a redactor's patterns, in its order. */
export interface JsonTextPrefilterOptions {
  readonly sources: readonly string[];
  /** Per pattern: the rule it belongs to. */
  readonly rules: Int32Array;
  readonly shapes: readonly PatternShape[];
  /** Texts one of which starts every match (see `requiredPrefixes`), or null. */
  readonly prefixes: readonly string[] | null;
  /** The redactor's RE2 sets, per {@link SET_CHUNK} patterns from `offset`: reused where relaxing changes no pattern. */
  readonly sets: ReadonlyArray<{ readonly set: PatternSet; readonly offset: number }>;
  /** Builds (or finds) the RE2 set of some sources, as the redactor's were built. */
  readonly setOf: (sources: readonly string[]) => PatternSet;
}

/**
 * Tells, from the raw text of a JSON value (one pass of substring searches
 * and RE2 over its bytes, no parse), that redaction cannot change any
 * string a parser reads from it: keys, values, and values a parser drops
 * for a duplicate key — each of them is a piece of the text between quotes.
 *
 * Why a raw pass is enough. A decoded string differs from its raw piece of
 * text only where the piece holds an escape (`\n`, `\u0041`…). Every
 * character of a match is one that an atom of its pattern accepts (see
 * {@link PatternShape}); when no escape in the text stands for such a
 * character, no match holds an escaped character, so each match in a
 * decoded string is a run of literal characters of the raw text, in the
 * same order, with nothing between them. What a pattern sees around a
 * match (`\b`, `^`, `$`, `\A`, `\z`) differs — a quote or an escape's
 * letter in the raw text, a string's edge or a decoded character in the
 * string — so the raw text is searched with each pattern relaxed: its
 * context assertions replaced with the empty pattern, which matches
 * wherever the original does and more. A match the raw text holds that no
 * decoded string holds (across quotes, in an escape's letters, in a
 * number) only sends the text to the full path: a false alarm, never a
 * miss. When a prefix starts every match (see {@link requiredPrefixes}),
 * its absence from the raw text says the same without RE2.
 */
export class JsonTextPrefilter {
  readonly #rules: Int32Array;
  readonly #sets: Array<{ readonly set: PatternSet; readonly offset: number }>;
  /** Rules with a pattern that could not be relaxed: any text may change under them. */
  readonly #unrelaxed: Int32Array;
  /** RE2s that together accept exactly the characters some atom of some pattern accepts (null: any character). */
  readonly #accepts: RE2[] | null;
  /** Simple escapes (as raw text and UTF-8) that stand for a character some pattern accepts. */
  readonly #riskyEscapes: ReadonlyArray<{ text: string; bytes: Buffer }>;
  /** Per UTF-16 code unit, once asked: 1 when no pattern accepts it, 2 when one may. */
  readonly #unitRisk = new Uint8Array(0x10000);
  readonly #prefixes: readonly string[] | null;
  readonly #prefixBytes: readonly Buffer[] | null;

  constructor(options: JsonTextPrefilterOptions) {
    const { sources, rules, shapes, prefixes, sets, setOf } = options;
    this.#rules = rules;
    const relaxed: Array<string | null> = sources.map(relaxPattern);
    this.#sets = [];
    for (let offset = 0; offset < sources.length; offset += SET_CHUNK) {
      // A chunk that relaxing left as it was is the redactor's own set.
      const same = sets.find((s) => s.offset === offset && s.set.size === Math.min(SET_CHUNK, sources.length - offset));
      if (same !== undefined && relaxed.slice(offset, offset + SET_CHUNK).every((source, k) => source === sources[offset + k])) {
        this.#sets.push(same);
        continue;
      }
      // An unrelaxed pattern keeps its place with one that never matches; its rule answers "may change" anyway.
      let set = compileSet(relaxed.slice(offset, offset + SET_CHUNK), setOf);
      if (set === null) {
        // Some relaxed pattern does not compile: find it (one by one), and leave it out.
        for (let i = offset; i < Math.min(offset + SET_CHUNK, relaxed.length); i++) if (compileSet([relaxed[i] ?? null], setOf) === null) relaxed[i] = null;
        set = compileSet(relaxed.slice(offset, offset + SET_CHUNK), setOf) as PatternSet;
      }
      this.#sets.push({ set, offset });
    }
    this.#unrelaxed = Int32Array.from(new Set(rules.filter((_, i) => relaxed[i] === null)));
    this.#accepts = acceptingOne(shapes);
    this.#riskyEscapes = SIMPLE_ESCAPES.filter(([, ch]) => this.#mayAccept(ch)).map(([text]) => ({ text, bytes: Buffer.from(text, 'latin1') }));
    this.#prefixes = prefixes;
    this.#prefixBytes = prefixes === null ? null : prefixes.map((prefix) => Buffer.from(prefix, 'utf8'));
  }

  /**
   * Whether redacting the strings of the JSON text `raw` with the rules
   * active in `mask` may change one. `false` is certain; `true` means "parse
   * it and see". `raw` must be text that a JSON parser accepted.
   */
  mayChange(raw: Text, mask: RuleMask): boolean {
    return this.#escapeMayHide(raw) || this.mayMatch(raw, mask);
  }

  /**
   * Whether a pattern of a rule active in `mask` may match in `text` itself,
   * read as plain text (a Buffer: in UTF-8); `false` is certain.
   */
  mayMatch(raw: Text, mask: RuleMask): boolean {
    for (let i = 0; i < this.#unrelaxed.length; i++) if (mask[this.#unrelaxed[i] as number] === 1) return true;
    if (this.#prefixes !== null) {
      const found = typeof raw === 'string' ? this.#prefixes.some((prefix) => raw.includes(prefix)) : (this.#prefixBytes as Buffer[]).some((prefix) => raw.includes(prefix));
      if (!found) return false;
    }
    for (const { set, offset } of this.#sets) {
      let hits: number[];
      try {
        hits = set.match(raw);
      } catch {
        return true; // RE2 ran out of DFA memory on this text: no answer, so "maybe".
      }
      for (const hit of hits) if (mask[this.#rules[offset + hit] as number] === 1) return true;
    }
    return false;
  }

  /** Whether an escape in `raw` may stand for a character some pattern accepts. */
  #escapeMayHide(raw: Text): boolean {
    for (const escape of this.#riskyEscapes) {
      if (typeof raw === 'string' ? raw.includes(escape.text) : raw.includes(escape.bytes)) return true;
    }
    // `\uXXXX`: each one's character is checked (a `\\u` that is no escape only makes a false alarm).
    for (let at = raw.indexOf('\\u'); at !== -1; at = raw.indexOf('\\u', at + 2)) {
      const unit = hexUnit(raw, at + 2);
      if (unit === -1) continue; // not an escape: a parser accepted the text, so a literal backslash precedes it
      if (unit >= 0xd800 && unit <= 0xdfff) {
        // A character beyond the BMP is two escapes; a lone surrogate (what would RE2 make of it?) is not worth guessing at.
        const low = unit <= 0xdbff && codeAt(raw, at + 6) === 0x5c && codeAt(raw, at + 7) === 0x75 ? hexUnit(raw, at + 8) : -1;
        if (low < 0xdc00 || low > 0xdfff) return true;
        if (this.#mayAccept(String.fromCharCode(unit, low))) return true;
        at += 6;
        continue;
      }
      let risk = this.#unitRisk[unit] as number;
      if (risk === 0) this.#unitRisk[unit] = risk = this.#mayAccept(String.fromCharCode(unit)) ? 2 : 1;
      if (risk === 2) return true;
    }
    return false;
  }

  #mayAccept(ch: string): boolean {
    return this.#accepts === null || this.#accepts.some((re) => re.test(ch));
  }
}

/**
 * The pattern with its context assertions (`\b`, `\B`, `^`, `$`, `\A`,
 * `\z`) replaced with the empty pattern `(?:)`: it matches wherever the
 * original does, whatever surrounds the match. Null for a class that does
 * not close (RE2 refused the pattern then anyway).
 */
export function relaxPattern(source: string): string | null {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    let stop = i + 1;
    let piece: string | null = null;
    if (c === '\\') {
      const e = source[i + 1];
      if (e === 'b' || e === 'B' || e === 'A' || e === 'z') {
        piece = '(?:)';
        stop = i + 2;
      } else if (e === 'Q') {
        const end = source.indexOf('\\E', i + 2);
        stop = end === -1 ? source.length : end + 2;
      } else if ((e === 'p' || e === 'P' || e === 'x') && source[i + 2] === '{') {
        const close = source.indexOf('}', i + 3);
        stop = close === -1 ? source.length : close + 1;
      } else if (e !== undefined) {
        stop = i + 1 + String.fromCodePoint(source.codePointAt(i + 1) as number).length;
      }
    } else if (c === '[') {
      stop = classEnd(source, i);
      if (stop === -1) return null;
    } else if (c === '^' || c === '$') {
      piece = '(?:)';
    }
    out += piece ?? source.slice(i, stop);
    i = stop;
  }
  return out;
}

/** The sources of each relaxed set a prefilter of these patterns asks for first (a chunk relaxing leaves as it was is the redactor's own). */
export function relaxedChunks(sources: readonly string[]): string[][] {
  const chunks: string[][] = [];
  for (let offset = 0; offset < sources.length; offset += SET_CHUNK) {
    const chunk = sources.slice(offset, offset + SET_CHUNK);
    const relaxed = chunk.map((source) => relaxPattern(source) ?? NEVER);
    if (relaxed.some((source, k) => source !== chunk[k])) chunks.push(relaxed);
  }
  return chunks;
}

/** An RE2.Set of the sources (null ones: a pattern that never matches), or null when RE2 refuses one. */
function compileSet(sources: ReadonlyArray<string | null>, setOf: (sources: readonly string[]) => PatternSet): PatternSet | null {
  try {
    return setOf(sources.map((source) => source ?? NEVER));
  } catch {
    return null;
  }
}

/**
 * RE2s, one per set of inline flags, that accept exactly the single
 * characters some atom of some shape accepts; null when a shape was not
 * understood (any character, then).
 */
function acceptingOne(shapes: readonly PatternShape[]): RE2[] | null {
  const byFlags = new Map<string, Set<string>>();
  for (const shape of shapes) {
    if (shape.atoms === null) return null;
    // A pattern with no atom matches only empty text, which is never replaced.
    let atoms = byFlags.get(shape.flags);
    if (atoms === undefined) byFlags.set(shape.flags, (atoms = new Set()));
    for (const atom of shape.atoms) atoms.add(atom);
  }
  try {
    return [...byFlags].filter(([, atoms]) => atoms.size > 0).map(([flags, atoms]) => new RE2(`^(?:${[...atoms].join('|')})$`, flags));
  } catch {
    return null;
  }
}

/** The character code (a string) or byte (a Buffer) at `at`; -1 past the end. */
function codeAt(raw: Text, at: number): number {
  if (at >= raw.length) return -1;
  return typeof raw === 'string' ? raw.charCodeAt(at) : (raw[at] as number);
}

/** The UTF-16 code unit written as four hex digits at `at`, or -1. */
function hexUnit(raw: Text, at: number): number {
  let unit = 0;
  for (let k = 0; k < 4; k++) {
    const digit = hexDigit(codeAt(raw, at + k));
    if (digit === -1) return -1;
    unit = unit * 16 + digit;
  }
  return unit;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}
