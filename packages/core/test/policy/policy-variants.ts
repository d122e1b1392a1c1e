import { compilePolicy, MemoryRateLimitStore, type RuleInput } from '../../src/index.js';
import { AWS_KEY, call } from '../helpers.js';

/** A small policy of every rule kind, with `extra` rules first. */
export const rules = (extra: RuleInput[] = []): RuleInput[] => [
  ...extra,
  { name: 'deny-exec', action: 'deny', match: { tool: '^exec$' } },
  { name: 'redact-aws', action: 'redact', patterns: ['AKIA[0-9A-Z]{16}'], replacement: '<aws>' },
  { name: 'tag-done', action: 'redact', direction: 'response', patterns: ['done'], replacement: '<done>' },
  ...Array.from({ length: 12 }, (_, i): RuleInput => ({ name: `p${i}`, action: 'deny', match: { tool: `^fam${i}_v[0-9]+` } })),
  { name: 'limit', action: 'rate_limit', limit: 1, window: '1m', key: 'client' },
];

/** What a policy decides for four calls, and how it redacts an answer under each decision's scope. */
export async function outcomes(policy: ReturnType<typeof compilePolicy>) {
  const context = { rateLimits: new MemoryRateLimitStore(), client: 'c', now: 0 };
  const results = [];
  for (const message of [call('exec', {}, 1), call('fam3_v7', {}, 2), call('echo', { k: AWS_KEY }, 3), call('echo', {}, 4)]) {
    const decision = await policy.evaluate(message, context);
    const response = policy.redactResponse({ jsonrpc: '2.0', id: 1, result: { text: `done ${AWS_KEY}` } }, decision.responseScope);
    results.push({ action: decision.action, rules: decision.rules, error: decision.error, message: decision.message, response: response.message });
  }
  return results;
}
