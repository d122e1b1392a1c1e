import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { formatConfigIssue } from '@mcpgw/core';
import { Random } from '../faults/random.js';
import { ROOT } from '../daemon/harness.js';
import { beyondSchema, docConfigs, issuesOf } from './schema-checks.js';

/** How many of the random edits each side refused. */
export interface EditTally {
  schemaRefused: number;
  beyondSchemaOnly: number;
  bothAccepted: number;
}

/**
 * Random edits 0 to count - 1 (seeded: edit i is the same in every run) of the
 * valid configs in the repository: what the schema refuses validate refuses,
 * and validate refuses nothing else the schema could.
 */
export function checkRandomEdits(count: number, schemaAccepts: (text: string) => boolean): EditTally {
  const seeds = [readFileSync(join(ROOT, 'examples/mcpgw.yaml'), 'utf8'), ...docConfigs().map(([, text]) => text)].map((text) => parse(text) as unknown);
  const tally = { schemaRefused: 0, beyondSchemaOnly: 0, bothAccepted: 0 };
  for (let index = 0; index < count; index++) {
    const random = Random.forItem(0x5eed, index);
    const config = structuredClone(random.pick(seeds));
    for (let edits = random.between(1, 3); edits > 0; edits--) mutate(config, random);
    const text = stringify(config);
    const issues = issuesOf(text);
    const context = `edit ${index}:\n${text}\n${issues.map((issue) => formatConfigIssue(issue)).join('\n')}`;
    if (!schemaAccepts(text)) {
      tally.schemaRefused++;
      expect(issues.length, context).toBeGreaterThan(0);
    } else if (issues.length > 0) {
      tally.beyondSchemaOnly++;
      expect(issues.filter((issue) => !beyondSchema(issue)).map((issue) => formatConfigIssue(issue)), context).toEqual([]);
    } else {
      tally.bothAccepted++;
    }
  }
  return tally;
}

const VALUES: readonly unknown[] = [
  null, true, 0, 1, -1, 1.5, 100000, '', 'x', 'X', 'deny', 'redact', 'rate_limit', 'both', 'out', 'global', 'client', 'header:x-key', 'header:',
  '1m', '0s', '8784h', '8785h', '500ms', 'http://127.0.0.1:3001/mcp', 'ftp://x', 'http://[zz]/', '127.0.0.1:0', '[::1]:8080', 'localhost',
  'https://app.example.com', 'https://app.example.com/', '/mcp', 'demo', 'nowhere', '^x', '(', 'a*', [], ['x'], ['(', 'x'], {}, { tool: '^x' },
  { 'x-key': 'k' }, { 'bad header': 'k' },
];
const KEYS = ['name', 'action', 'match', 'message', 'direction', 'patterns', 'replacement', 'limit', 'window', 'key', 'max_keys', 'tool', 'method',
  'args', 'headers', 'upstream', 'url', 'path', 'timeout_ms', 'listen', 'routes', 'default_upstream', 'audit', 'colour',
  'command', 'env', 'cwd', 'max_sessions', 'idle_timeout'];

/** One random edit somewhere in `root`: a value replaced, a key removed or added, an item duplicated. */
function mutate(root: unknown, random: Random): void {
  const containers: Array<Record<string, unknown> | unknown[]> = [];
  const walk = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    containers.push(node as Record<string, unknown> | unknown[]);
    for (const child of Object.values(node)) walk(child);
  };
  walk(root);
  const target = random.pick(containers);
  if (Array.isArray(target)) {
    if (target.length > 0 && random.chance(0.5)) target.push(structuredClone(random.pick(target)));
    else if (target.length > 0) target[random.int(target.length)] = random.pick(VALUES);
    else target.push(random.pick(VALUES));
    return;
  }
  const keys = Object.keys(target);
  const choice = random.int(3);
  if (choice === 0 && keys.length > 0) delete target[random.pick(keys)];
  else if (choice === 1 && keys.length > 0) target[random.pick(keys)] = structuredClone(random.pick(VALUES));
  else target[random.pick(KEYS)] = structuredClone(random.pick(VALUES));
}
