import RE2 from 're2';
import { compilePattern, type Pattern } from '../regex/compile-pattern.js';
import { createBufferFinder, findMatchRanges, requiredPrefixes, spliceRanges, type BufferFinder } from './buffer-replace.js';
import { ANY_CONTEXT, contextChanges } from './context-change.js';
import { JsonTextPrefilter, relaxedChunks } from './json-text-prefilter.js';
import { minMatchLength } from './min-match-length.js';
import { createAcceptCache, readPatternShape, type AcceptCache, type PatternShape } from './pattern-shape.js';

type PatternSet = ReturnType<typeof RE2.Set>;

/** Builds (or finds) the RE2 set of some pattern sources; throws when RE2 refuses one. */
export type SetOf = (sources: readonly string[]) => PatternSet;

const newSet: SetOf = (sources) => new RE2.Set(sources);

/** One redaction pattern and the rule it belongs to. */
export interface RedactionEntry {
  /** Index of the owning rule in the policy; see {@link RuleMask}. */
  readonly rule: number;
  readonly source: string;
  readonly replacement: string;
  /** `source` already compiled with the `g` flag (compiled here when absent). */
  readonly pattern?: Pattern;
}

/** Which rules are active for one message: `mask[ruleIndex] === 1`. */
export type RuleMask = Uint8Array;

/** Counts replacements across calls (one object per message, no allocation per string). */
export interface Tally {
  count: number;
}

// Patterns per RE2.Set. One automaton over hundreds of secret patterns can
// exhaust RE2's DFA memory budget; a few medium sets stay fast and in budget.
const SET_CHUNK = 64;

// From this length on, a string is redacted as one UTF-8 Buffer: node-re2
// converts a string argument to UTF-8 on every call (each set scan, each
// replace) and back after each replace; a Buffer is converted once each way.
const BUFFER_MIN_LENGTH = 4096;

// Texts every match starts with (see {@link requiredPrefixes}) are looked for
// with a plain substring search before RE2 is called, when there are at most
// this many of them and the text is short: then crossing into RE2 (converting
// the text to UTF-8 each time) costs more than the searches.
const MAX_PREFIXES = 16;
const PREFIX_SEARCH_MAX_WORK = 64 * 1024;

type Text = string | Buffer;

/** Context assertions that became true next to the replacements of one replace call. */
interface ContextChange {
  bits: number;
}

/**
 * Replaces secrets in strings with many patterns in (usually) one pass.
 *
 * An RE2.Set over every pattern tells which patterns occur in a string; only
 * those run their replacement. The result is exactly that of running every
 * active pattern's replace in order: when a replacement could have created a
 * match for a later pattern, the later patterns are looked for again in the
 * new text. RE2 only; no pattern reaches V8's RegExp.
 */
export class Redactor {
  readonly #patterns: Pattern[];
  readonly #rules: Int32Array;
  readonly #replacements: string[];
  readonly #sets: Array<{ set: PatternSet; offset: number }>;
  /** Per set: the distinct rules its patterns belong to (a set is skipped when none is active). */
  readonly #setRules: Int32Array[];
  /** Each replacement in UTF-8. */
  readonly #replacementBytes: Buffer[];
  /** Per pattern: how to find its matches in a Buffer (null: node-re2's replace, for patterns not understood). */
  readonly #finders: Array<BufferFinder | null>;
  /** Per pattern: `cannotCreate[j] === 1` when its replacement can never create a match of pattern j. */
  readonly #cannotCreate: Uint8Array[];
  /** Per pattern: the context assertions it uses (`ContextAssertion` bits). */
  readonly #assertions: Uint8Array;
  /** Rules with a pattern that can tell where a text starts or ends (see {@link mayOccurInAny}). */
  readonly #anchoredRules: Int32Array;
  /** No pattern matches fewer characters: shorter strings (most object keys) need no scan. */
  readonly #minLength: number;
  /** One of these starts every match of every pattern (null: not so for some pattern, or too many). */
  readonly #prefixes: readonly string[] | null;
  readonly #jsonText: JsonTextPrefilter;

  /**
   * The sources of every RE2 set a redactor of these patterns builds through
   * its `setOf`, chunk by chunk: a policy compiler builds them one step at a
   * time before the redactor (each is one call that cannot be cut in slices).
   */
  static setSources(sources: readonly string[]): string[][] {
    const chunks: string[][] = [];
    for (let offset = 0; offset < sources.length; offset += SET_CHUNK) chunks.push(sources.slice(offset, offset + SET_CHUNK));
    return [...chunks, ...relaxedChunks(sources)];
  }

  /**
   * `setOf` builds the RE2 set of a chunk of pattern sources: a policy
   * compiler that keeps the sets of the policy before (a reload) passes one
   * that returns those where a chunk's sources did not change.
   */
  constructor(entries: readonly RedactionEntry[], setOf: SetOf = newSet) {
    this.#patterns = entries.map((entry) => entry.pattern ?? compilePattern(entry.source, 'g'));
    this.#rules = Int32Array.from(entries, (entry) => entry.rule);
    this.#replacements = entries.map((entry) => entry.replacement);
    this.#sets = [];
    for (let offset = 0; offset < entries.length; offset += SET_CHUNK) {
      const sources = entries.slice(offset, offset + SET_CHUNK).map((entry) => entry.source);
      this.#sets.push({ set: setOf(sources), offset });
    }
    this.#setRules = this.#sets.map(({ offset, set }) => Int32Array.from(new Set(this.#rules.subarray(offset, offset + set.size))));
    const shapes = entries.map((entry) => readPatternShape(entry.source));
    this.#assertions = Uint8Array.from(shapes, (shape) => shape.assertions);
    this.#minLength = entries.reduce((least, entry) => Math.min(least, minMatchLength(entry.source)), Infinity);
    this.#prefixes = prefixesOfAll(entries);
    this.#jsonText = new JsonTextPrefilter({ sources: entries.map((entry) => entry.source), rules: this.#rules, shapes, prefixes: this.#prefixes, sets: this.#sets, setOf });
    this.#anchoredRules = Int32Array.from(new Set(entries.filter((_, i) => shapes[i]?.textAnchors !== false).map((entry) => entry.rule)));
    this.#replacementBytes = entries.map((entry) => Buffer.from(entry.replacement, 'utf8'));
    this.#finders = entries.map((entry, i) => (shapes[i]?.atoms === null ? null : createBufferFinder(entry.source, this.#patterns[i] as Pattern)));
    const byReplacement = new Map<string, Uint8Array>();
    const byEdges = new Map<string, Uint8Array>();
    const accepts = createAcceptCache();
    this.#cannotCreate = entries.map((entry) => {
      let table = byReplacement.get(entry.replacement);
      if (table === undefined) {
        table = this.#cannotCreateTable(entry.replacement, shapes, accepts, byEdges);
        byReplacement.set(entry.replacement, table);
      }
      return table;
    });
    Object.freeze(this);
  }

  /** Number of patterns. */
  get size(): number {
    return this.#patterns.length;
  }

  /** Redacts one string with the patterns of the rules active in `mask`; adds to `tally`. */
  redactString(text: string, mask: RuleMask, tally: Tally): string {
    if (text.length < this.#minLength || text.length === 0) return text;
    if (this.#cannotHoldMatch(text)) return text;
    // Lone surrogates have no UTF-8 form: such strings keep the string path,
    // where node-re2 converts them exactly as before.
    if (text.length >= BUFFER_MIN_LENGTH && isWellFormed(text)) {
      const before = tally.count;
      const redacted = this.#redact(Buffer.from(text, 'utf8'), mask, tally);
      return tally.count === before ? text : redacted.toString('utf8');
    }
    return this.#redact(text, mask, tally);
  }

  /**
   * Whether a pattern of an active rule may occur in one of `texts`, found
   * with one scan per set over the texts joined by newlines rather than one
   * per text. `false` means that `redactString` would leave every one of
   * them as it is: a match in one text is a match in the joined text, where
   * the newline around it is, to `\b` and `(?m)^`/`$`, the same as a text's
   * start or end. Patterns with `^`, `$`, `\A` or `\z` can tell the
   * difference; when one is active, the answer is `true`.
   */
  mayOccurInAny(texts: readonly string[], mask: RuleMask): boolean {
    if (this.#prefixes !== null && texts.every((text) => text.length < this.#minLength || this.#cannotHoldMatch(text))) return false;
    for (let i = 0; i < this.#anchoredRules.length; i++) if (mask[this.#anchoredRules[i] as number] === 1) return true;
    const joined = texts.filter((text) => text.length >= this.#minLength).join('\n');
    if (joined.length === 0) return false;
    for (let s = 0; s < this.#sets.length; s++) {
      if (!this.#setActive(s, mask)) continue;
      for (const index of this.#scan(s, joined)) if (mask[this.#rules[index] as number] === 1) return true;
    }
    return false;
  }

  /**
   * Whether redacting the strings a parser reads from the JSON text `raw`
   * (keys, values, and values dropped for a duplicate key) with the active
   * rules may change one; `false` is certain. One pass over the raw text,
   * escapes accounted for: see {@link JsonTextPrefilter}. `raw` must be text
   * a JSON parser accepted (a Buffer: in UTF-8). `false` also means what
   * {@link mayChangeText} would say, for any text.
   */
  mayChangeJsonText(raw: string | Buffer, mask: RuleMask): boolean {
    return this.#jsonText.mayChange(raw, mask);
  }

  /**
   * Whether `redactString` with the active rules may change `text` (a
   * Buffer: in UTF-8); `false` is certain. Like {@link matches}, without
   * converting a Buffer to a string.
   */
  mayChangeText(text: string | Buffer, mask: RuleMask): boolean {
    return this.#jsonText.mayMatch(text, mask);
  }

  /** Whether any pattern of an active rule occurs in `text`. */
  matches(text: string, mask: RuleMask): boolean {
    if (this.#cannotHoldMatch(text)) return false;
    for (let s = 0; s < this.#sets.length; s++) {
      if (!this.#setActive(s, mask)) continue;
      for (const index of this.#scan(s, text)) if (mask[this.#rules[index] as number] === 1) return true;
    }
    return false;
  }

  /**
   * True when no pattern can match in `text` because none of the texts every
   * match starts with occurs in it (short texts only; false means "maybe").
   * When nothing matches in the text as given, no replacement ever changes it.
   */
  #cannotHoldMatch(text: string): boolean {
    const prefixes = this.#prefixes;
    if (prefixes === null || text.length * prefixes.length > PREFIX_SEARCH_MAX_WORK) return false;
    for (let i = 0; i < prefixes.length; i++) if (text.includes(prefixes[i] as string)) return false;
    return true;
  }

  /**
   * Set by set, in pattern order: scan the set on the current text and run
   * the active patterns it found. A later set is scanned when it is reached,
   * so it sees the text as it is then. After a replacement changed the text,
   * the rest of the current set is scanned again unless no pattern left to
   * check can have gained a match (see {@link #mayHaveCreated}).
   */
  #redact<T extends Text>(input: T, mask: RuleMask, tally: Tally): T {
    let text: Text = input;
    const change: ContextChange | null = typeof input === 'string' ? null : { bits: 0 };
    for (let s = 0; s < this.#sets.length; s++) {
      if (!this.#setActive(s, mask)) continue;
      let candidates = this.#scan(s, text);
      let position = 0;
      while (position < candidates.length) {
        const index = candidates[position++] as number;
        if (mask[this.#rules[index] as number] !== 1) continue;
        const before = tally.count;
        text = this.#replace(index, text, tally, change);
        if (tally.count !== before && this.#mayHaveCreated(s, index, candidates, position, mask, change)) {
          candidates = this.#scan(s, text, index);
          position = 0;
        }
      }
    }
    return text as T;
  }

  /**
   * Whether the replacements just made by pattern `index` can have created a
   * match for an active pattern of set `s` after it that is not already a
   * candidate. A new match must overlap a replacement or touch one; it cannot
   * overlap when no atom of the pattern accepts the replacement's first or
   * last character and the pattern finds nothing inside the replacement; it
   * cannot touch one unless a context assertion the pattern uses became true
   * there. Strings (short texts) always answer yes: rescanning them is cheap.
   */
  #mayHaveCreated(s: number, index: number, candidates: number[], position: number, mask: RuleMask, change: ContextChange | null): boolean {
    const { set, offset } = this.#sets[s] as { set: PatternSet; offset: number };
    const cannotCreate = this.#cannotCreate[index] as Uint8Array;
    const context = change === null ? ANY_CONTEXT : change.bits;
    let c = position;
    for (let j = index + 1; j < offset + set.size; j++) {
      if (mask[this.#rules[j] as number] !== 1) continue;
      while (c < candidates.length && (candidates[c] as number) < j) c++;
      if (candidates[c] === j) continue; // runs anyway
      if (change === null || cannotCreate[j] !== 1 || (context & (this.#assertions[j] as number)) !== 0) return true;
    }
    return false;
  }

  /** Whether a rule that owns patterns in set `s` is active. */
  #setActive(s: number, mask: RuleMask): boolean {
    const rules = this.#setRules[s] as Int32Array;
    for (let i = 0; i < rules.length; i++) if (mask[rules[i] as number] === 1) return true;
    return false;
  }

  #replace(index: number, text: Text, tally: Tally, change: ContextChange | null): Text {
    const finder = this.#finders[index];
    if (change !== null && finder !== null && finder !== undefined) {
      const bytes = text as Buffer;
      const ranges = findMatchRanges(finder, bytes);
      if (ranges.length === 0) return text;
      tally.count += ranges.length / 2;
      const replacement = this.#replacementBytes[index] as Buffer;
      change.bits = contextChanges(bytes, ranges, replacement);
      return spliceRanges(bytes, ranges, replacement);
    }
    if (change !== null) change.bits = ANY_CONTEXT;
    const replacement = this.#replacements[index] as string;
    // useBuffers: node-re2 passes the match as a Buffer instead of working
    // out a UTF-16 offset from the text's start for every match.
    const replacer = (found: Buffer): string | Buffer => {
      // Zero-length matches are skipped: there is nothing to hide in them.
      if (found.length === 0) return found;
      tally.count++;
      return replacement;
    };
    replacer.useBuffers = true;
    return (this.#patterns[index] as Pattern).replace(text, replacer as unknown as (found: string) => string);
  }

  /**
   * For one replacement string: which patterns it can never create a match
   * for, whatever text surrounds it (1), and which it might (0). An empty
   * replacement joins the text around it, so it might create any match.
   */
  #cannotCreateTable(replacement: string, shapes: readonly PatternShape[], accepts: AcceptCache, byEdges: Map<string, Uint8Array>): Uint8Array {
    const chars = [...replacement];
    const first = chars[0];
    const last = chars[chars.length - 1];
    if (first === undefined || last === undefined) return new Uint8Array(shapes.length);
    // Patterns with no atom for either edge character; replacements often share them ("[REDACTED:…]").
    let edges = byEdges.get(`${first}\u0000${last}`);
    if (edges === undefined) {
      edges = Uint8Array.from(shapes, (shape) => (accepts(shape, first) || accepts(shape, last) ? 0 : 1));
      byEdges.set(`${first}\u0000${last}`, edges);
    }
    // Less the patterns that match inside the replacement itself (one set scan per set).
    const table = edges.slice();
    for (let s = 0; s < this.#sets.length; s++) for (const index of this.#scan(s, replacement)) table[index] = 0;
    return table;
  }

  /** Ascending indexes of the patterns of set `s` (after `after`) that occur in `text`. */
  #scan(s: number, text: Text, after = -1): number[] {
    const { set, offset } = this.#sets[s] as { set: PatternSet; offset: number };
    let hits: number[];
    try {
      hits = set.match(text);
    } catch {
      // RE2.Set ran out of DFA memory on this input: test each pattern.
      hits = [];
      for (let i = 0; i < set.size; i++) {
        const pattern = this.#patterns[offset + i] as Pattern;
        pattern.lastIndex = 0;
        if (pattern.test(text)) hits.push(i);
        pattern.lastIndex = 0;
      }
    }
    const found: number[] = [];
    for (const hit of hits) if (offset + hit > after) found.push(offset + hit);
    return found;
  }
}

/** The distinct required prefixes of every entry, or null (see {@link MAX_PREFIXES}). */
function prefixesOfAll(entries: readonly RedactionEntry[]): string[] | null {
  const all = new Set<string>();
  for (const entry of entries) {
    const prefixes = requiredPrefixes(entry.source);
    if (prefixes === null) return null;
    for (const prefix of prefixes) all.add(prefix);
    if (all.size > MAX_PREFIXES) return null;
  }
  return all.size === 0 ? null : [...all];
}

function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}
