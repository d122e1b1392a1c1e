import { ErrorCodes, McpgwError } from '../util/mcpgw-error.js';
import { formatPath, quote, type RawIssue } from '../util/issue.js';

/** One problem found in a config file. */
export interface ConfigIssue {
  /** Where, as a readable path such as `policy.rules[1].match` ('' for the whole file). */
  readonly path: string;
  /** 1-based line in the YAML source, when it is known. */
  readonly line?: number;
  /** 1-based column in the YAML source, when the line is known. */
  readonly column?: number;
  /** What is wrong, in plain words, without the place: `unknown key "colour"`, `missing closing bracket`. */
  readonly message: string;
  /**
   * Set when a pattern is refused (RE2 rejects it, or a redact pattern matches
   * empty text): the rule's name and the pattern's place in the rule
   * (`patterns[1]`, `match.tool`, `match.args.cmd`, `match.headers.x-api-key`).
   */
  readonly regex?: { readonly rule: string; readonly field: string };
}

/** Turns a raw issue into a reported one, with its YAML line and column when known. */
export function toConfigIssue(issue: RawIssue, place?: { line: number; column: number }): ConfigIssue {
  return {
    path: formatPath(issue.at),
    ...(place === undefined ? {} : { line: place.line, column: place.column }),
    message: issue.message,
    ...(issue.regex === undefined ? {} : { regex: { rule: issue.regex.rule, field: formatPath(issue.regex.field) } }),
  };
}

/**
 * How {@link formatConfigIssue} writes an issue: `report`, one line of the
 * list `mcpgw validate` prints, its place first; `message`, the one-line form
 * an error message and a reload log line carry, which keeps the words
 * `invalid regex on rule "x": <what>` together and puts the place last.
 */
export type ConfigIssueForm = 'report' | 'message';

/**
 * Writes one issue in plain words:
 * ```
 * report:  policy.rules[2].window (line 28): must be a whole number ...
 *          invalid regex on rule "redact-secrets" (patterns[1], line 23): missing closing bracket
 * message: invalid regex on rule "redact-secrets": missing closing bracket (patterns[1], line 23)
 * ```
 */
export function formatConfigIssue(issue: ConfigIssue, form: ConfigIssueForm = 'report'): string {
  const line = issue.line === undefined ? '' : `line ${issue.line}`;
  if (issue.regex !== undefined) {
    const headline = `invalid regex on rule ${quote(issue.regex.rule)}`;
    const place = [issue.regex.field, line].filter((part) => part !== '').join(', ');
    return form === 'report' ? `${headline} (${place}): ${issue.message}` : `${headline}: ${issue.message} (${place})`;
  }
  if (issue.path === '') {
    if (line === '') return issue.message;
    return issue.column === undefined ? `${line}: ${issue.message}` : `${line}, column ${issue.column}: ${issue.message}`;
  }
  return `${issue.path}${line === '' ? '' : ` (${line})`}: ${issue.message}`;
}

/**
 * A config that cannot be used. `issues` lists every problem in file order;
 * `message` is their one-line form (`formatConfigIssue(issue, 'message')`
 * joined by `; `), which is what a reload log line and audit event show.
 */
export class ConfigError extends McpgwError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(ErrorCodes.CONFIG_INVALID, issues.map((issue) => formatConfigIssue(issue, 'message')).join('; '), options);
    this.issues = Object.freeze([...issues]);
  }

  /**
   * The multi-line report `mcpgw validate` prints, one issue a line:
   * ```
   * invalid config mcpgw.yaml:
   *   policy.rules[1] (line 14): unknown key "colour"
   *   invalid regex on rule "redact-secrets" (patterns[1], line 23): missing closing bracket
   * ```
   */
  format(source = 'config'): string {
    return [`invalid config ${source}:`, ...this.issues.map((issue) => `  ${formatConfigIssue(issue, 'report')}`)].join('\n');
  }
}
