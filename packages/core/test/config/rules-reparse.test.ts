import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type McpgwConfig } from '../../src/index.js';
import { memoOf, reparseChangedRules } from '../../src/config/rules-reparse.js';
import { createRandom } from '../redact/redaction-fuzz.js';

// parseConfig(text, { previous }) re-parses only the rules an edit touched.
// Whatever it does, the outcome must be the whole-file parse's: the same
// config, or the same ConfigError. These tests edit files at random, the way
// operators and attackers might, and compare both, step after step.

const RULE_TEXTS = [
  (n: number) => `    - name: deny-${n}\n      action: deny\n      match: { method: tools/call, tool: "^exec${n}$" }\n      message: no exec ${n}\n`,
  (n: number) => `    - name: redact-${n}\n      action: redact\n      patterns:\n        - "AKIA[0-9A-Z]{16}"\n        - "tok${n}_[a-z]+"\n`,
  (n: number) => `    - name: limit-${n}\n      action: rate_limit\n      match:\n        tool: "^search${n}$"\n      limit: ${n + 1}\n      window: 1m\n      key: client\n`,
  // A comment, a block scalar and a quoted value with a colon.
  (n: number) => `    # rule ${n}\n    - name: "msg-${n}"\n      action: deny\n      match: { method: "tools/call" }\n      message: |\n        line one ${n}\n        line: two\n`,
];

const HEAD = `listen: "127.0.0.1:0"\nupstreams:\n  - name: main\n    url: http://127.0.0.1:3001/mcp\ndefault_upstream: main\npolicy:\n  rules:\n`;
const TAIL = `audit:\n  path: ./audit.jsonl\n`;

function baseConfig(next: () => number, rules: number): string {
  let text = HEAD;
  for (let n = 0; n < rules; n++) text += (RULE_TEXTS[Math.floor(next() * RULE_TEXTS.length)] as (n: number) => string)(n);
  return text + TAIL;
}

/** An edit of one kind, at a random place. */
function edit(text: string, next: () => number, counter: number): string {
  const rulesStart = text.indexOf('  rules:\n') + '  rules:\n'.length;
  const rulesEnd = text.indexOf('audit:');
  const itemStarts: number[] = [];
  for (let at = text.indexOf('    - ', rulesStart); at !== -1 && at < rulesEnd; at = text.indexOf('    - ', at + 1)) itemStarts.push(at);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const anyItem = () => (itemStarts.length === 0 ? rulesStart : pick(itemStarts));
  const anyOffset = () => rulesStart + Math.floor(next() * (rulesEnd - rulesStart));
  const splice = (at: number, remove: number, insert: string) => text.slice(0, at) + insert + text.slice(at + remove);
  switch (Math.floor(next() * 12)) {
    case 0: // rename a rule
      return text.replace(/name: "?([a-z]+-\d+)"?/, `name: x${counter}-$1`);
    case 1: // change a value inside a rule
      return text.replace(`limit: `, `limit: ${counter}`);
    case 2: // insert a rule before an item
      return splice(anyItem(), 0, (pick(RULE_TEXTS) as (n: number) => string)(1000 + counter));
    case 3: // insert a rule at the end of the list
      return splice(rulesEnd, 0, (pick(RULE_TEXTS) as (n: number) => string)(2000 + counter));
    case 4: {
      // delete an item (up to the next)
      const start = anyItem();
      const end = itemStarts.find((s) => s > start) ?? rulesEnd;
      return splice(start, end - start, '');
    }
    case 5: // a line indented less than the items, inside the list
      return splice(anyItem(), 0, pick(['  extra: 1\n', 'listen: "127.0.0.1:9"\n', '  - name: stray\n', '---\n', '# comment at column 0\n']));
    case 6: // re-indent a line
      return splice(anyItem(), 0, pick([' ', '  ', '\t']));
    case 7: // an anchor or an alias
      return text.replace('action: deny', pick(['action: &a deny', 'action: *a', 'action: !!str deny']));
    case 8: // a duplicate name (a semantic error), or a duplicate key (a YAML error)
      return pick([text.replace(/name: deny-\d+/, 'name: redact-1'), splice(anyItem() + 6, 0, 'action: deny\n      ')]);
    case 9: // a change outside the list
      return pick([text.replace('listen: "127.0.0.1:0"', `listen: "127.0.0.1:${counter}"`), text.replace('./audit.jsonl', `./audit-${counter}.jsonl`)]);
    case 10: {
      // delete a random span, maybe across items
      const at = anyOffset();
      return splice(at, Math.floor(next() * 40), '');
    }
    default: // insert random characters
      return splice(anyOffset(), 0, pick([':', '- ', '"', '\n', '#', '{', ' x', '\n    - ', '\n      ', 'é']));
  }
}

type Outcome = { config: string } | { error: string };

function outcome(parse: () => McpgwConfig): Outcome {
  try {
    return { config: JSON.stringify(parse()) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { error: error.format('mcpgw.yaml') };
  }
}

describe('parseConfig with previous: re-parsing only the changed rules', () => {
  it('gives the whole-file outcome for every step of 60 random edit chains (1,200 edits), and takes the quick way for many', () => {
    let quick = 0;
    let steps = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const { next } = createRandom(seed);
      let text = baseConfig(next, 3 + Math.floor(next() * 20));
      let previous = parseConfig(text);
      for (let step = 0; step < 20; step++) {
        const changed = edit(text, next, seed * 100 + step);
        const memo = memoOf(previous);
        if (memo !== undefined && reparseChangedRules(memo, changed) !== undefined) quick++;
        const incremental = outcome(() => parseConfig(changed, { previous }));
        const whole = outcome(() => parseConfig(changed));
        steps++;
        expect(incremental, `seed ${seed} step ${step}:\n${changed}`).toEqual(whole);
        // The next edit starts from the last good file, as a reload does.
        if ('config' in incremental) {
          previous = parseConfig(changed, { previous });
          text = changed;
        }
      }
    }
    expect(steps).toBe(1200);
    // The test is only worth its name if the quick way is taken often.
    expect(quick, `quick re-parses in ${steps} edits`).toBeGreaterThan(steps / 4);
  });

  it('re-parses only the edited rule of a 1,000-rule file', () => {
    const rules = Array.from({ length: 1000 }, (_, n) => (RULE_TEXTS[n % 3] as (n: number) => string)(n)).join('');
    const text = `${HEAD}${rules}${TAIL}`;
    const previous = parseConfig(text);
    const edited = text.replace('message: no exec 501\n', 'message: no exec, edited\n');
    expect(edited).not.toBe(text);
    const memo = memoOf(previous);
    expect(memo).toBeDefined();
    const quick = reparseChangedRules(memo as NonNullable<typeof memo>, edited);
    expect(quick).toBeDefined();
    expect((quick?.raw['policy'] as { rules: Array<{ message?: string }> }).rules[501]?.message).toBe('no exec, edited');
    expect(JSON.stringify(parseConfig(edited, { previous }))).toBe(JSON.stringify(parseConfig(edited)));
  });

  it('declines files it cannot follow piecewise: anchors, directives, CR line ends, a flow-style list', () => {
    const one = RULE_TEXTS[0] as (n: number) => string;
    for (const text of [
      `${HEAD}${one(1)}    - name: again\n      action: &act deny\n${TAIL}`,
      `%YAML 1.2\n---\n${HEAD}${one(1)}${TAIL}`,
      `${HEAD}${one(1)}${TAIL}`.replace(/\n/g, '\r\n'),
      `${HEAD.replace('  rules:\n', '  rules: [')}{ name: a, action: deny }]\n${TAIL}`,
    ]) {
      const config = parseConfig(text);
      expect(memoOf(config), text).toBeUndefined();
    }
  });
});
