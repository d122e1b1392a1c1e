import type { RuleMask } from '../redact/redactor.js';
import { ErrorCodes, McpgwError } from '../util/mcpgw-error.js';

/**
 * Which response-side redact rules apply to what comes back for one message
 * (its JSON response or each event of its SSE stream). Obtained from a
 * {@link Decision} or from `policy.responseScope()`; only valid with the
 * policy that produced it.
 */
export class ResponseScope {
  /** Names of the redact rules in scope, in config order. */
  readonly rules: readonly string[];
  readonly #owner: object | null;
  readonly #mask: RuleMask | null;

  private constructor(owner: object | null, mask: RuleMask | null, rules: readonly string[]) {
    this.#owner = owner;
    this.#mask = mask;
    this.rules = Object.freeze([...rules]);
    Object.freeze(this);
  }

  /** @internal A scope of the rules in `mask` of `owner`'s rules (only a compiled policy builds them). */
  static of(owner: object | null, mask: RuleMask | null, rules: readonly string[]): ResponseScope {
    return new ResponseScope(owner, mask, rules);
  }

  /** @internal The rule mask, if this scope belongs to `owner` and has rules. */
  static maskFor(scope: ResponseScope, owner: object): RuleMask | null {
    if (scope.#owner !== null && scope.#owner !== owner) {
      throw new McpgwError(ErrorCodes.SCOPE_MISMATCH, 'this ResponseScope belongs to another compiled policy; use the scope from the same lease');
    }
    return scope.#mask;
  }
}

/** A scope with no redact rules. */
export const EMPTY_SCOPE = ResponseScope.of(null, null, []);
