import type { RuleInput } from './rule-schema.js';
import { isRecord } from '../util/is-record.js';

const strings = (record: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));

/**
 * The patterns of a rule whose shape the schema refused, as a rule that has
 * only them: its name, `match.tool`, `match.args` and `match.headers` values
 * that are strings, and the string `patterns` of a redact rule. Compiling it
 * reports bad patterns alongside the shape problems, so that one run of
 * `mcpgw validate` lists them all. Undefined when the rule has no name to
 * report them under.
 */
export function patternView(entry: unknown): RuleInput | undefined {
  if (!isRecord(entry) || typeof entry['name'] !== 'string' || entry['name'] === '') return undefined;
  const given = isRecord(entry['match']) ? entry['match'] : {};
  const match = {
    ...(typeof given['tool'] === 'string' ? { tool: given['tool'] } : {}),
    ...(isRecord(given['args']) ? { args: strings(given['args']) } : {}),
    ...(isRecord(given['headers']) ? { headers: strings(given['headers']) } : {}),
  };
  if (entry['action'] === 'redact') {
    const patterns = Array.isArray(entry['patterns']) ? entry['patterns'] : [];
    // Kept at their indexes: an issue names `patterns[i]` as written.
    return { name: entry['name'], action: 'redact', match, patterns: patterns.map((p) => (typeof p === 'string' ? p : 'x')) };
  }
  return { name: entry['name'], action: 'deny', match };
}
