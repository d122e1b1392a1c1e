import type { ClassifiedMessage } from '../jsonrpc/message.js';
import type { CompiledRule } from '../rules/compiled-rule.js';
import type { EvaluationContext } from './decision.js';
import { headerValue } from '../jsonrpc/header-value.js';

/**
 * Whether a rule's `match` accepts a message in a context. Method and tool
 * are checked here too, so this stands on its own; the rule index usually
 * has already narrowed rules down by both.
 */
export function ruleMatches(rule: CompiledRule, message: ClassifiedMessage, context: EvaluationContext): boolean {
  const match = rule.match;
  if (match.methods !== null && (message.method === null || !match.methods.has(message.method))) return false;
  if (match.tool !== null && (message.tool === null || !match.tool.test(message.tool))) return false;
  if (match.upstreams !== null && (context.upstream === undefined || !match.upstreams.has(context.upstream))) return false;
  if (match.args.length > 0) {
    const params = message.params;
    const args = params !== undefined && !Array.isArray(params) ? params['arguments'] : undefined;
    if (args === null || typeof args !== 'object' || Array.isArray(args)) return false;
    for (const { name, pattern } of match.args) {
      if (!Object.hasOwn(args, name)) return false;
      if (!pattern.test(argumentText((args as Record<string, unknown>)[name]))) return false;
    }
  }
  for (const { name, pattern } of match.headers) {
    const value = headerValue(context.headers, name);
    if (value === undefined || !pattern.test(value)) return false;
  }
  return true;
}

/** Strings as they are, anything else as its JSON (SPEC §2, `match.args`). */
function argumentText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
