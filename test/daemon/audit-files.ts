import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * Every audit line in `dir`: the rotated `.gz` files gunzipped (in name
 * order, which is rotation order), then the live `audit.jsonl`. `rotated`
 * names the `.gz` files; `plain` names every other rotated file (plain or
 * temporary), which a finished compression leaves none of.
 */
export function allAuditLines(dir: string): { lines: Array<Record<string, unknown>>; rotated: string[]; plain: string[] } {
  const files = readdirSync(dir).sort();
  const rotated = files.filter((name) => name.startsWith('audit.jsonl.') && name.endsWith('.gz'));
  const plain = files.filter((name) => name.startsWith('audit.jsonl.') && !name.endsWith('.gz'));
  const text = [...rotated.map((name) => gunzipSync(readFileSync(join(dir, name))).toString('utf8')), readFileSync(join(dir, 'audit.jsonl'), 'utf8')].join('');
  const lines = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, rotated, plain };
}
