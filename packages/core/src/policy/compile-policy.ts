import { PolicyError } from './policy-error.js';
import { toConfigIssue } from '../config/config-error.js';
import type { RawIssue } from '../util/issue.js';
import { PolicySchema, type PolicyInput } from '../config/schema.js';
import { schemaIssues } from '../config/schema-issues.js';
import { CompiledPolicy } from './compiled-policy.js';
import { compileRulesStepwise } from '../rules/compile-rules.js';
import { ReloadCache } from './reload-cache.js';
import { runSteps, runStepsInSlices, type Steps } from '../util/steps.js';

/**
 * Compiles the `policy` section of a config into an immutable, deep-frozen
 * {@link CompiledPolicy}. Every RE2 pattern and lookup table is built here;
 * nothing is compiled on the request path.
 *
 * Accepts a config from {@link parseConfig} or one built in code (it is
 * validated again). Throws {@link PolicyError} and never returns half a policy.
 *
 * @example
 * const handle = new PolicyHandle(compilePolicy(parseConfig(yamlText)));
 */
export function compilePolicy(config: { readonly policy?: PolicyInput | undefined }): CompiledPolicy {
  return runSteps(compileSteps(config));
}

/**
 * {@link compilePolicy} keeping what it builds in `cache`, for the next
 * compile with that cache (a reload) to take: a daemon's startup policy.
 */
export function compilePolicyWith(config: { readonly policy?: PolicyInput | undefined }, cache: ReloadCache): CompiledPolicy {
  return runSteps(compileSteps(config, cache));
}

/**
 * {@link compilePolicy}, spread over the event loop: the same result (or the
 * same {@link PolicyError}), compiled in slices of about `sliceMs` (default
 * 5 ms) with the event loop free in between, so that a server compiling a
 * large policy keeps answering requests meanwhile. A reload path's choice;
 * `compilePolicy` is quicker in total. The config is read as the work goes:
 * do not change it until the promise settles.
 *
 * @example
 * handle.swap(await compilePolicyInSlices(config, { sliceMs: 1 }));
 */
export function compilePolicyInSlices(config: { readonly policy?: PolicyInput | undefined }, options: CompilePolicyInSlicesOptions = {}): Promise<CompiledPolicy> {
  return runStepsInSlices(compileSteps(config, options.cache), options.sliceMs ?? 5);
}

/** Options of {@link compilePolicyInSlices}. */
export interface CompilePolicyInSlicesOptions {
  /** About how long each slice of work may hold the event loop, in ms (default 5). */
  readonly sliceMs?: number;
  /** Rules, sets and redactors of the policy compiled before with this cache, to take where unchanged; see {@link ReloadCache}. */
  readonly cache?: ReloadCache;
}

function* compileSteps(config: { readonly policy?: PolicyInput | undefined }, cache?: ReloadCache): Steps<CompiledPolicy> {
  const policy = config.policy ?? { rules: [] };
  // The whole-policy schema check is for its messages; each rule is checked
  // below, so it runs only when something is off.
  if (!hasPolicyShape(policy)) throw policyError(schemaIssues(PolicySchema, policy, ['policy']), policy);

  // Without a cache, a build of its own still shares the sets this policy asks for twice.
  const build = (cache ?? new ReloadCache()).begin();
  const { rules, issues } = yield* compileRulesStepwise(policy.rules, undefined, build);
  if (rules.length !== policy.rules.length) {
    const shapeIssues = schemaIssues(PolicySchema, policy, ['policy']);
    if (shapeIssues.length > 0) throw policyError(shapeIssues, policy);
  }
  if (issues.length > 0) throw policyError(issues, policy);
  yield;
  const compiled = yield* CompiledPolicy.build(rules, build);
  build.keep();
  return compiled;
}

/** `{ rules: [...] }` and nothing else (the rules themselves are checked one by one). */
function hasPolicyShape(policy: unknown): policy is PolicyInput {
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) return false;
  const keys = Object.keys(policy);
  return keys.length === 1 && keys[0] === 'rules' && Array.isArray((policy as { rules: unknown }).rules);
}

function policyError(issues: readonly RawIssue[], policy: unknown): PolicyError {
  const first = issues[0];
  const ruleIndex = first?.at[0] === 'policy' && first.at[1] === 'rules' ? first.at[2] : undefined;
  const rules = (policy as { rules?: unknown } | null)?.rules;
  const rule = typeof ruleIndex === 'number' && Array.isArray(rules) ? (rules[ruleIndex] as { name?: unknown } | undefined) : undefined;
  return new PolicyError(typeof rule?.name === 'string' ? rule.name : null, issues.map((issue) => toConfigIssue(issue)));
}
