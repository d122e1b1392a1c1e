import { classifyMessage, JsonRpcErrorCodes, type ClassifiedMessage } from '../jsonrpc/message.js';
import { countHits, rateLimitHit } from './count-hits.js';
import type { RateLimitHit, RateLimitVerdict } from '../rate-limit/rate-limit-store.js';
import type { CompiledRateLimitRule, CompiledRule } from '../rules/compiled-rule.js';
import type { Decision, EvaluationContext } from './decision.js';
import { batchRefusal, duplicateIdRefusal, refusal, type MessageFacts } from './refusal.js';

/** A message that passed the invalid and deny checks, waiting for its rate limits. */
export interface Admissible {
  readonly message: unknown;
  readonly classified: ClassifiedMessage;
  readonly matched: readonly CompiledRule[];
  /** The matching rate_limit rules, in config order (none for notifications and responses). */
  readonly limits: readonly CompiledRateLimitRule[];
}

/** The per-message steps of a policy that {@link decideBatch} runs (SPEC §3). */
export interface DecisionSteps {
  /** The invalid and deny checks: a refusal (never an allowing decision), or the message waiting for its rate limits. */
  check(message: unknown, classified: ClassifiedMessage, context: EvaluationContext): Decision | Admissible;
  /** Request-side redaction of a message let through; `rules` names the rate limits that counted it. */
  admit(admissible: Admissible, rules: string[]): Decision;
}

const isDecision = (result: Decision | Admissible): result is Decision => 'forward' in result;

/**
 * Decides on a batch of client messages (one message is a batch of one), as
 * a whole: (a) requests that share an id are refused as invalid; (b) every
 * other message gets its invalid and deny checks; (c) if nothing was
 * refused, every rate-limit hit of every message is counted with one
 * all-or-nothing store call; (d) if anything was refused, at any step,
 * every message not refused itself is refused as "not forwarded", and
 * nothing is counted. Synchronous unless the store answers with a Promise.
 */
export function decideBatch(steps: DecisionSteps, messages: readonly unknown[], context: EvaluationContext): Decision[] | Promise<Decision[]> {
  const generation = context.generation ?? 0;
  const results: Array<Decision | Admissible> = [];
  let refused = false;
  let hitCount = 0;
  for (const message of messages) {
    // Checks are pure: a message whose id turns out to be reused is checked for nothing, never counted.
    const result = steps.check(message, classifyMessage(message), context);
    if (isDecision(result)) refused = true;
    else hitCount += result.limits.length;
    results.push(result);
  }
  if (results.length > 1 && refuseReusedIds(results)) refused = true;
  if (refused) return results.map((result) => (isDecision(result) ? result : batchRefusal(result.classified, generation)));
  if (hitCount === 0) return results.map((result) => steps.admit(result as Admissible, []));

  const hits: RateLimitHit[] = [];
  const rules: CompiledRateLimitRule[] = [];
  const now = context.now ?? Date.now();
  for (const result of results as Admissible[]) {
    for (const rule of result.limits) {
      hits.push(rateLimitHit(rule, context, now));
      rules.push(rule);
    }
  }
  const verdicts = countHits(context, hits, rules);
  if (verdicts instanceof Promise) return verdicts.then((answered) => judged(steps, results as Admissible[], answered, generation));
  return judged(steps, results as Admissible[], verdicts, generation);
}

/** Decisions once the store has judged every hit, in the order the hits were made. */
function judged(steps: DecisionSteps, admissible: readonly Admissible[], verdicts: readonly RateLimitVerdict[], generation: number): Decision[] {
  let next = 0;
  let refused = false;
  const decisions: Array<Decision | null> = [];
  const names: string[][] = [];
  for (const result of admissible) {
    const counted: string[] = [];
    let decision: Decision | null = null;
    for (const rule of result.limits) {
      const verdict = verdicts[next++] as RateLimitVerdict;
      if (decision !== null) continue;
      counted.push(rule.name);
      if (!verdict.allowed) decision = rateLimitRefusal(result.classified, rule, counted, verdict, generation);
    }
    if (decision !== null) refused = true;
    decisions.push(decision);
    names.push(counted);
  }
  return admissible.map((result, i) => decisions[i] ?? (refused ? batchRefusal(result.classified, generation) : steps.admit(result, names[i] as string[])));
}

function rateLimitRefusal(classified: ClassifiedMessage, rule: CompiledRateLimitRule, names: readonly string[], verdict: RateLimitVerdict, generation: number): Decision {
  const { retryAfterMs } = verdict;
  const data = verdict.reason === undefined
    ? { rule: rule.name, generation, retry_after_ms: retryAfterMs }
    : { rule: rule.name, generation, retry_after_ms: retryAfterMs, reason: verdict.reason };
  return refusal(classified, 'rate_limit', names, { code: JsonRpcErrorCodes.RATE_LIMITED, message: `rate limited by policy: ${rule.name}`, data }, retryAfterMs);
}

/** Distinct keys for distinct JSON-RPC ids (1 and "1" differ). */
const idKey = (message: MessageFacts): string => `${typeof message.id}:${String(message.id)}`;

/**
 * Replaces every request whose id another request of the batch uses too
 * with its refusal (notifications and responses hold no id here). Whether
 * any was.
 */
function refuseReusedIds(results: Array<Decision | Admissible>): boolean {
  const classified: MessageFacts[] = results.map((result) => (isDecision(result) ? result : result.classified));
  const seen = new Set<string>();
  const reused = new Set<string>();
  for (const message of classified) {
    if (message.kind !== 'request') continue;
    const key = idKey(message);
    if (seen.has(key)) reused.add(key);
    else seen.add(key);
  }
  if (reused.size === 0) return false;
  classified.forEach((message, i) => {
    if (message.kind === 'request' && reused.has(idKey(message))) results[i] = duplicateIdRefusal(message);
  });
  return true;
}
