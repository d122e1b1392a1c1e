import type { CompiledRule } from '../rules/compiled-rule.js';

/** A rule as configured, defaults filled in. Frozen; for introspection and logs. */
export interface RuleSummary {
  readonly index: number;
  readonly name: string;
  readonly action: 'deny' | 'redact' | 'rate_limit';
  readonly match: {
    readonly method?: readonly string[];
    readonly tool?: string;
    readonly upstream?: readonly string[];
    readonly args?: Readonly<Record<string, string>>;
    readonly headers?: Readonly<Record<string, string>>;
  };
  readonly message?: string;
  readonly direction?: 'request' | 'response' | 'both';
  readonly patterns?: readonly string[];
  readonly replacement?: string;
  readonly limit?: number;
  readonly windowMs?: number;
  readonly key?: string;
  /** rate_limit: the key budget (`max_keys`, default filled in; 1 for a global limit). */
  readonly maxKeys?: number;
}

export function summarizeRule(rule: CompiledRule): RuleSummary {
  const { match } = rule;
  const summary: Record<string, unknown> = { index: rule.index, name: rule.name, action: rule.action };
  const matchSummary: Record<string, unknown> = {};
  if (match.methods !== null) matchSummary['method'] = Object.freeze([...match.methods]);
  if (match.toolSource !== null) matchSummary['tool'] = match.toolSource;
  if (match.upstreams !== null) matchSummary['upstream'] = Object.freeze([...match.upstreams]);
  if (match.args.length > 0) matchSummary['args'] = Object.freeze(Object.fromEntries(match.args.map(({ name, source }) => [name, source])));
  if (match.headers.length > 0) matchSummary['headers'] = Object.freeze(Object.fromEntries(match.headers.map(({ name, source }) => [name, source])));
  summary['match'] = Object.freeze(matchSummary);
  switch (rule.action) {
    case 'deny':
      summary['message'] = rule.message;
      break;
    case 'redact':
      Object.assign(summary, { direction: rule.direction, patterns: Object.freeze([...rule.patterns]), replacement: rule.replacement });
      break;
    case 'rate_limit':
      Object.assign(summary, {
        limit: rule.limit,
        windowMs: rule.windowMs,
        key: rule.key.kind === 'header' ? `header:${rule.key.header}` : rule.key.kind,
        maxKeys: rule.maxKeys,
      });
      break;
  }
  return Object.freeze(summary) as unknown as RuleSummary;
}
