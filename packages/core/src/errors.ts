/**
 * Errors thrown by mcpgw. Every error has a stable string `code`; each code is
 * documented in `docs/errors.md` with what to do about it.
 *
 * Denials and rate limits are not errors: they are {@link Decision} results.
 */

/** Stable error codes. Text is API: tools match on these. */
export const ErrorCodes = Object.freeze({
  CONFIG_INVALID: 'MCPGW_ERR_CONFIG_INVALID',
  POLICY_INVALID: 'MCPGW_ERR_POLICY_INVALID',
  POLICY_NOT_COMPILED: 'MCPGW_ERR_POLICY_NOT_COMPILED',
  RATE_LIMIT_STORE_MISSING: 'MCPGW_ERR_RATE_LIMIT_STORE_MISSING',
  RATE_LIMIT_STORE_FAILED: 'MCPGW_ERR_RATE_LIMIT_STORE_FAILED',
  REDACTION_FAILED: 'MCPGW_ERR_REDACTION_FAILED',
} as const);

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base class of every error mcpgw throws on purpose. */
export class McpgwError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem found in a config file. */
export interface ConfigIssue {
  /** Where, as a readable path such as `policy.rules[1].match` ('' for the whole file). */
  readonly path: string;
  /** 1-based line in the YAML source, when it is known. */
  readonly line?: number;
  /** What is wrong, in plain words. */
  readonly message: string;
  /** Whether `message` already names its place (as `invalid regex on rule "x": ...` does). */
  readonly selfLocated?: boolean;
}

/** Formats one issue the way `mcpgw validate` prints it: `path (line N): message`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  if (issue.selfLocated || issue.path === '') {
    return issue.line === undefined || issue.selfLocated ? issue.message : `line ${issue.line}: ${issue.message}`;
  }
  const line = issue.line === undefined ? '' : ` (line ${issue.line})`;
  return `${issue.path}${line}: ${issue.message}`;
}

/**
 * A config that cannot be used. `issues` lists every problem; `message` is
 * the one-line form (issues joined by `; `), which is what a reload log shows.
 */
export class ConfigError extends McpgwError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(ErrorCodes.CONFIG_INVALID, issues.map(formatConfigIssue).join('; '), options);
    this.issues = Object.freeze([...issues]);
  }

  /**
   * The multi-line report `mcpgw validate` prints:
   * ```
   * invalid config mcpgw.yaml:
   *   policy.rules[1] (line 14): unknown key "colour"
   * ```
   */
  format(source = 'config'): string {
    return [`invalid config ${source}:`, ...this.issues.map((issue) => `  ${formatConfigIssue(issue)}`)].join('\n');
  }
}

/**
 * A policy that cannot be compiled. `rule` names the first offending rule
 * (or is `null` when the problem is not in one rule).
 */
export class PolicyError extends McpgwError {
  readonly rule: string | null;
  readonly issues: readonly ConfigIssue[];

  constructor(rule: string | null, issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(ErrorCodes.POLICY_INVALID, issues.map(formatConfigIssue).join('; '), options);
    this.rule = rule;
    this.issues = Object.freeze([...issues]);
  }
}
