import RE2 from 're2';
import { compilePattern, type Pattern } from '../regex/compile-pattern.js';

type PatternSet = ReturnType<typeof RE2.Set>;

/** One redaction pattern and the rule it belongs to. */
export interface RedactionEntry {
  /** Index of the owning rule in the policy; see {@link RuleMask}. */
  readonly rule: number;
  readonly source: string;
  readonly replacement: string;
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

/**
 * Replaces secrets in strings with many patterns in (usually) one pass.
 *
 * An RE2.Set over every pattern tells which patterns occur in a string; only
 * those run their replacement. The result is exactly that of running every
 * active pattern's replace in order: after a replacement changes the text, the
 * remaining patterns are looked for again in the new text. RE2 only; no
 * pattern reaches V8's RegExp.
 */
export class Redactor {
  readonly #patterns: Pattern[];
  readonly #rules: Int32Array;
  readonly #replacements: string[];
  readonly #sets: Array<{ set: PatternSet; offset: number }>;

  constructor(entries: readonly RedactionEntry[]) {
    this.#patterns = entries.map((entry) => compilePattern(entry.source, 'g'));
    this.#rules = Int32Array.from(entries, (entry) => entry.rule);
    this.#replacements = entries.map((entry) => entry.replacement);
    this.#sets = [];
    for (let offset = 0; offset < entries.length; offset += SET_CHUNK) {
      const sources = entries.slice(offset, offset + SET_CHUNK).map((entry) => entry.source);
      this.#sets.push({ set: new RE2.Set(sources), offset });
    }
    Object.freeze(this);
  }

  /** Number of patterns. */
  get size(): number {
    return this.#patterns.length;
  }

  /** Redacts one string with the patterns of the rules active in `mask`; adds to `tally`. */
  redactString(text: string, mask: RuleMask, tally: Tally): string {
    if (text.length === 0 || this.#patterns.length === 0) return text;
    let candidates = this.#candidates(text, -1);
    let position = 0;
    while (position < candidates.length) {
      const index = candidates[position++] as number;
      if (mask[this.#rules[index] as number] !== 1) continue;
      const before = tally.count;
      text = this.#replace(index, text, tally);
      // A replacement changed the text: what later patterns see changed too.
      if (tally.count !== before) {
        candidates = this.#candidates(text, index);
        position = 0;
      }
    }
    return text;
  }

  /** Whether any pattern of an active rule occurs in `text`. */
  matches(text: string, mask: RuleMask): boolean {
    return this.#candidates(text, -1).some((index) => mask[this.#rules[index] as number] === 1);
  }

  #replace(index: number, text: string, tally: Tally): string {
    const replacement = this.#replacements[index] as string;
    return (this.#patterns[index] as Pattern).replace(text, (found: string) => {
      // Zero-length matches are skipped: there is nothing to hide in them.
      if (found.length === 0) return found;
      tally.count++;
      return replacement;
    });
  }

  /** Ascending indexes of the patterns (after `after`) that occur in `text`. */
  #candidates(text: string, after: number): number[] {
    const found: number[] = [];
    for (const { set, offset } of this.#sets) {
      if (offset + set.size - 1 <= after) continue;
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
      for (const hit of hits) if (offset + hit > after) found.push(offset + hit);
    }
    return found;
  }
}
