import { ErrorCodes, McpgwError } from '../util/mcpgw-error.js';
import { formatConfigIssue, type ConfigIssue } from '../config/config-error.js';

/**
 * A policy that cannot be compiled. `rule` names the first offending rule
 * (or is `null` when the problem is not in one rule).
 */
export class PolicyError extends McpgwError {
  readonly rule: string | null;
  readonly issues: readonly ConfigIssue[];

  constructor(rule: string | null, issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(ErrorCodes.POLICY_INVALID, issues.map((issue) => formatConfigIssue(issue, 'message')).join('; '), options);
    this.rule = rule;
    this.issues = Object.freeze([...issues]);
  }
}
