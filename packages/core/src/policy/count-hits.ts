import { ErrorCodes, McpgwError } from '../util/mcpgw-error.js';
import type { CompiledRateLimitRule } from '../rules/compiled-rule.js';
import type { EvaluationContext } from './decision.js';
import { headerValue } from '../jsonrpc/header-value.js';
import { rateLimitKey } from './rate-limit-key.js';
import type { RateLimitHit, RateLimitVerdict } from '../rate-limit/rate-limit-store.js';

/** The hit a request makes under a rate_limit rule in this context, at `now`. */
export function rateLimitHit(rule: CompiledRateLimitRule, context: EvaluationContext, now: number): RateLimitHit {
  const header = rule.key.kind === 'header' ? headerValue(context.headers, rule.key.header) : undefined;
  return {
    key: rateLimitKey(rule, context.client, context.session, header),
    group: rule.counterId,
    maxKeys: rule.maxKeys,
    limit: rule.limit,
    windowMs: rule.windowMs,
    now,
  };
}

/**
 * Counts `hits` (made under `rules`, one each, in order) in the context's
 * store with one all-or-nothing call: the verdicts, or a Promise of them
 * from an async store. Throws (or rejects) a {@link McpgwError} when there
 * is no store or the store fails: then nothing is decided.
 */
export function countHits(
  context: EvaluationContext,
  hits: readonly RateLimitHit[],
  rules: readonly CompiledRateLimitRule[],
): RateLimitVerdict[] | Promise<RateLimitVerdict[]> {
  const store = context.rateLimits;
  if (store === undefined) {
    throw new McpgwError(
      ErrorCodes.RATE_LIMIT_STORE_MISSING,
      `rate_limit rule "${(rules[0] as CompiledRateLimitRule).name}" matched but no rate-limit store was given; evaluate through a PolicyHandle lease or pass context.rateLimits`,
    );
  }
  let answer: RateLimitVerdict[] | Promise<RateLimitVerdict[]>;
  try {
    if (typeof store.hitAll !== 'function') {
      throw new TypeError('the rate-limit store has no hitAll(hits) method: a RateLimitStore counts all the hits of a message or batch in one call');
    }
    answer = store.hitAll(hits);
  } catch (cause) {
    throw storeFailed(rules, cause);
  }
  if (answer instanceof Promise) {
    return answer.then(
      (verdicts) => checked(verdicts, rules),
      (cause: unknown) => Promise.reject(storeFailed(rules, cause)),
    );
  }
  return checked(answer, rules);
}

/** The verdicts, if there is one per hit. */
function checked(verdicts: RateLimitVerdict[], rules: readonly CompiledRateLimitRule[]): RateLimitVerdict[] {
  if (Array.isArray(verdicts) && verdicts.length === rules.length) return verdicts;
  const answered = Array.isArray(verdicts) ? `${verdicts.length} verdicts` : 'no list of verdicts';
  throw storeFailed(rules, new TypeError(`the rate-limit store answered ${answered} for ${rules.length} hits`));
}

function storeFailed(rules: readonly CompiledRateLimitRule[], cause: unknown): McpgwError {
  const names = [...new Set(rules.map((rule) => `"${rule.name}"`))];
  return new McpgwError(ErrorCodes.RATE_LIMIT_STORE_FAILED, `rate-limit store failed for ${names.length === 1 ? 'rule' : 'rules'} ${names.join(', ')}`, { cause });
}
