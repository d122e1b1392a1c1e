import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse, stringify } from 'yaml';
import { ConfigError, formatConfigIssue, parseConfig, type ConfigIssue } from '@mcpgw/core';
import { ROOT, run } from '../daemon/harness.js';

// What schema-agrees-with-validate.test.ts and its random-edit half compare:
// `mcpgw schema` (what editors check a file with) and `mcpgw validate`
// (parseConfig).

/** What `mcpgw validate` says of a config: its report lines, or [] when valid. */
export function validate(text: string): string[] {
  try {
    parseConfig(text);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((issue) => formatConfigIssue(issue));
  }
}

export function issuesOf(text: string): readonly ConfigIssue[] {
  try {
    parseConfig(text);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues;
  }
}

/**
 * The checks a JSON Schema cannot make: names unique across a list, a name
 * that must be one of the upstreams, patterns RE2 refuses or that match
 * empty text, a URL or origin that is shaped right but does not parse as one.
 */
export function beyondSchema(issue: ConfigIssue): boolean {
  return (
    issue.regex !== undefined ||
    /^(duplicate (rule name|upstream name|route path)|unknown upstream|must be an http:\/\/ or https:\/\/ URL|must be an origin)/.test(issue.message)
  );
}

export const UPSTREAM = 'upstreams:\n  - name: demo\n    url: http://127.0.0.1:3001/mcp\n';

/** The line before a YAML block of the docs that is not an mcpgw config. */
export const NOT_MCPGW_YAML = '<!-- not mcpgw.yaml -->';

/** The `yaml` fenced blocks of docs/*.md (but those marked {@link NOT_MCPGW_YAML}): complete configs as they are, rules and sections with an upstream added. */
export function docConfigs(): Array<[where: string, text: string]> {
  const configs: Array<[string, string]> = [];
  const dir = join(ROOT, 'docs');
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.md'))) {
    const source = readFileSync(join(dir, file), 'utf8');
    for (const block of source.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)) {
      // Another program's YAML (a Prometheus or Kubernetes file) is marked so on the line before it.
      if (source.slice(0, block.index).endsWith(`${NOT_MCPGW_YAML}\n`)) continue;
      const text = block[1] ?? '';
      const line = source.slice(0, block.index).split('\n').length;
      const value: unknown = parse(text);
      // Comment-only blocks (editor modelines) hold no config.
      if (value === null) continue;
      if (Array.isArray(value)) configs.push([`docs/${file}:${line} (rules)`, `${UPSTREAM}${stringify({ policy: { rules: value } })}`]);
      else if ((value as Record<string, unknown>)['upstreams'] !== undefined) configs.push([`docs/${file}:${line}`, text]);
      else configs.push([`docs/${file}:${line} (section)`, `${UPSTREAM}${text}`]);
    }
  }
  return configs;
}

/** The schema `mcpgw schema` prints, compiled by Ajv in strict mode (which throws on unknown keywords or formats, or ambiguous types). */
export async function printedSchema(): Promise<ValidateFunction> {
  const printed = await run(['schema']);
  if (printed.code !== 0) throw new Error(`mcpgw schema exited ${printed.code}: ${printed.stderr}`);
  return new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(printed.stdout) as object);
}

export function schemaAccepts(check: ValidateFunction, text: string): boolean {
  return check(parse(text) as unknown) === true;
}
