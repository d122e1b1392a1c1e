import RE2 from 're2';
import { Redactor, type RedactionEntry } from '../redact/redactor.js';
import type { CompiledRule } from '../rules/compiled-rule.js';
import type { RuleReuse } from '../rules/compile-rules.js';

type PatternSet = ReturnType<typeof RE2.Set>;

/**
 * The compiled rules, RE2 sets and redactors of the last policy compiled with
 * this cache, by what they were built from, for the next policy to take
 * instead of compiling them again. A reload that edits a few rules of many
 * leaves the rest, and usually every set and redactor, as they were; building
 * a set or a redactor is work that cannot be cut into slices. It holds what
 * one policy uses and no more: each successful compile replaces the contents.
 * Owned by whoever compiles one policy after another (the daemon's reloader);
 * pass it to `compilePolicyInSlices`.
 */
export class ReloadCache {
  #rules = new Map<string, CompiledRule>();
  #sets = new Map<string, PatternSet>();
  #redactors = new Map<string, Redactor>();

  /** Starts a compile: what it compiles or takes is kept by {@link ReloadBuild.keep}. */
  begin(): ReloadBuild {
    const rules = new Map<string, CompiledRule>();
    const sets = new Map<string, PatternSet>();
    const redactors = new Map<string, Redactor>();
    const set = (sources: readonly string[]): PatternSet => {
      const key = sources.join('\u0000');
      const found = sets.get(key) ?? this.#sets.get(key) ?? new RE2.Set(sources);
      sets.set(key, found);
      return found;
    };
    return {
      take: (definition) => this.#rules.get(definition),
      put: (definition, rule) => void rules.set(definition, rule),
      set,
      redactor: (entries) => {
        const key = entries.map((entry) => `${entry.rule}\u0001${entry.replacement}\u0001${entry.source}`).join('\u0000');
        // A redactor whose patterns changed keeps the RE2 sets of the chunks that did not.
        const redactor = this.#redactors.get(key) ?? new Redactor(entries, set);
        redactors.set(key, redactor);
        return redactor;
      },
      keep: () => {
        this.#rules = rules;
        this.#sets = sets;
        this.#redactors = redactors;
      },
    };
  }
}

/** How one compile builds its rules, sets and redactors; see {@link ReloadCache}. */
export interface ReloadBuild extends RuleReuse {
  set(sources: readonly string[]): PatternSet;
  redactor(entries: readonly RedactionEntry[]): Redactor;
  /** The compile succeeded: the cache now holds what this policy uses. */
  keep(): void;
}
