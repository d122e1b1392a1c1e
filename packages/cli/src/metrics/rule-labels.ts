import type { Attributes } from '@opentelemetry/api';
import type { CompiledPolicy, PolicyHandle } from '@mcpgw/core';

/**
 * The labels of `mcpgw_rule_matches_total` for a rule name an audit event
 * holds: the rule's action and mode as configured. Taken from the policy's
 * rules, not from a second evaluation. The rules of every policy seen stay
 * known, so that a request decided under an older generation still finds
 * its rules after a reload removed one; a name no policy seen has (the
 * policy was replaced before any of its requests completed) takes the
 * decision's action.
 */
export class RuleLabels {
  readonly #handle: PolicyHandle;
  readonly #labels = new Map<string, Attributes>();
  #seen: CompiledPolicy | null = null;

  constructor(handle: PolicyHandle) {
    this.#handle = handle;
  }

  /** The labels for `rule`; `fallbackAction` (the decision's) for a name no configured rule has. */
  of(rule: string, fallbackAction: string): Attributes {
    const policy = this.#handle.policy;
    if (policy !== this.#seen) {
      this.#seen = policy;
      // Shadow rules (SPEC §8) are not in the schema yet: every rule enforces.
      for (const summary of policy.rules) this.#labels.set(summary.name, Object.freeze({ rule: summary.name, action: summary.action, mode: 'enforce' }));
    }
    return this.#labels.get(rule) ?? { rule, action: fallbackAction, mode: 'enforce' };
  }
}
