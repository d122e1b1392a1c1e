import type RE2 from 're2';
import type { CompiledRule } from '../rules/compiled-rule.js';

type PatternSet = ReturnType<typeof RE2.Set>;

/** Builds (or takes, see ReloadCache) the RE2 set over these patterns. */
export type SetFactory = (sources: readonly string[]) => PatternSet;

// `^name$` or `^(a|b|c)$` over characters with no regex meaning: the rule
// names tools exactly, so a hash lookup answers it (same result as RE2).
const EXACT_TOOL = /^\^(?:([A-Za-z0-9_/-]+)|\(([A-Za-z0-9_/-]+(?:\|[A-Za-z0-9_/-]+)*)\))\$$/;

// Below this many regex tool rules, testing each is cheaper than a set.
const SET_THRESHOLD = 8;

/**
 * The rules that can apply to messages of one method, arranged so that a
 * message's tool name finds its rules without scanning every rule: rules
 * without a tool condition, a hash of exact tool names, and one RE2.Set over
 * the remaining tool patterns.
 */
class MethodRules {
  readonly #anyTool: CompiledRule[] = [];
  readonly #exact = new Map<string, CompiledRule[]>();
  readonly #patternRules: CompiledRule[] = [];
  readonly #set: PatternSet | null;
  readonly #hasToolRules: boolean;

  constructor(rules: readonly CompiledRule[], setFor: SetFactory) {
    for (const rule of rules) {
      const source = rule.match.toolSource;
      if (source === null) {
        this.#anyTool.push(rule);
        continue;
      }
      const exact = EXACT_TOOL.exec(source);
      if (exact) {
        for (const name of (exact[1] ?? exact[2] ?? '').split('|')) {
          const list = this.#exact.get(name) ?? [];
          if (!list.includes(rule)) list.push(rule);
          this.#exact.set(name, list);
        }
      } else {
        this.#patternRules.push(rule);
      }
    }
    this.#hasToolRules = this.#exact.size > 0 || this.#patternRules.length > 0;
    this.#set = this.#patternRules.length >= SET_THRESHOLD ? setFor(this.#patternRules.map((rule) => rule.match.toolSource as string)) : null;
  }

  /** Rules whose method and tool conditions accept `tool`, in config order. */
  select(tool: string | null): readonly CompiledRule[] {
    if (tool === null || !this.#hasToolRules) return this.#anyTool;
    const found: CompiledRule[] = [];
    const exact = this.#exact.get(tool);
    if (exact !== undefined) found.push(...exact);
    if (this.#set !== null) {
      let hits: number[] | null = null;
      try {
        hits = this.#set.match(tool);
      } catch {
        hits = null; // out of DFA memory: fall back to each pattern below
      }
      if (hits !== null) for (const hit of hits) found.push(this.#patternRules[hit] as CompiledRule);
      else for (const rule of this.#patternRules) if (rule.match.tool?.test(tool)) found.push(rule);
    } else {
      for (const rule of this.#patternRules) if (rule.match.tool?.test(tool)) found.push(rule);
    }
    if (found.length === 0) return this.#anyTool;
    if (this.#anyTool.length > 0) found.push(...this.#anyTool);
    return found.length > 1 ? found.sort(byIndex) : found;
  }
}

const byIndex = (a: CompiledRule, b: CompiledRule) => a.index - b.index;

/**
 * Rules indexed by JSON-RPC method, then by tool. Built once per compiled
 * policy; a lookup does not scan rules that cannot apply.
 */
export class RuleIndex {
  readonly #byMethod = new Map<string, MethodRules>();
  readonly #otherMethods: MethodRules;
  readonly #noMethod: readonly CompiledRule[];

  constructor(rules: readonly CompiledRule[], setFor: SetFactory) {
    const anyMethod = rules.filter((rule) => rule.match.methods === null);
    const methods = new Set<string>();
    for (const rule of rules) for (const method of rule.match.methods ?? []) methods.add(method);
    for (const method of methods) {
      this.#byMethod.set(method, new MethodRules(rules.filter((rule) => rule.match.methods === null || rule.match.methods.has(method)), setFor));
    }
    this.#otherMethods = new MethodRules(anyMethod, setFor);
    // Responses have no method and no params.name: only unconditioned-by-method/tool rules can apply.
    this.#noMethod = anyMethod.filter((rule) => rule.match.tool === null);
  }

  /** Rules whose method and tool conditions accept this message, in config order. */
  candidates(method: string | null, tool: string | null): readonly CompiledRule[] {
    if (method === null) return this.#noMethod;
    return (this.#byMethod.get(method) ?? this.#otherMethods).select(tool);
  }
}
