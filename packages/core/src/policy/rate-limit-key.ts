import { createHash } from 'node:crypto';
import type { CompiledRateLimitRule } from '../rules/compiled-rule.js';

/** Key value used when the request has none (no session, header absent): all such requests share one counter. */
export const ABSENT_KEY = '-';

/**
 * The counter key of a request under a rate_limit rule: the rule's counter
 * identity (name, limit, window, key kind) and the key's value. Session ids
 * and header values may be credentials, so only their digest is kept.
 */
export function rateLimitKey(
  rule: CompiledRateLimitRule,
  client: string | undefined,
  session: string | undefined,
  header: string | undefined,
): string {
  switch (rule.key.kind) {
    case 'global':
      return rule.counterId;
    case 'client':
      return `${rule.counterId}\u0000${client ?? ABSENT_KEY}`;
    case 'session':
      return `${rule.counterId}\u0000${digest(session)}`;
    case 'header':
      return `${rule.counterId}\u0000${digest(header)}`;
  }
}

function digest(value: string | undefined): string {
  return value === undefined ? ABSENT_KEY : createHash('sha256').update(value).digest('base64url').slice(0, 22);
}
