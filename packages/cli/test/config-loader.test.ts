import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '@mcpgw/core';
// The built module: its worker thread runs the built config-worker.js next to it.
import { ConfigLoader } from '../dist/daemon/config-loader.js';

const rule = (name: string, tool = name) => `    - name: ${name}\n      action: deny\n      match: { tool: "^${tool}$" }\n`;
const config = (...rules: string[]) => `upstreams:\n  - name: main\n    url: http://127.0.0.1:3001/mcp\ndefault_upstream: main\npolicy:\n  rules:\n${rules.join('')}`;

describe('ConfigLoader', () => {
  let loader: ConfigLoader | undefined;
  afterEach(async () => {
    await loader?.close();
  });

  it('gives the config a parse in this thread gives, reload after reload, though unchanged rules cross threads as positions', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mcpgw-loader-')), 'mcpgw.yaml');
    loader = new ConfigLoader();
    const steps = [
      config(rule('a'), rule('b'), rule('c')),
      config(rule('a'), rule('b', 'b2'), rule('c')), // one rule changed
      config(rule('c'), rule('a'), rule('b', 'b2')), // reordered
      config(rule('a'), rule('d')), // removed and added
      config(rule('a'), rule('d'), '    - name: broken\n      action: nope\n'), // refused: the positions must not move
      config(rule('d'), rule('a'), rule('e')),
      config(rule('a'), rule('b'), rule('c')), // back to the start
    ];
    for (const [i, text] of steps.entries()) {
      writeFileSync(file, text);
      let expected: unknown;
      try {
        expected = JSON.parse(JSON.stringify(parseConfig(text)));
      } catch {
        await expect(loader.load(file), `step ${i}`).rejects.toThrow('policy.rules[2].action');
        continue;
      }
      const { config: loaded, text: read } = await loader.load(file);
      expect(read).toBe(text);
      expect(JSON.parse(JSON.stringify(loaded)), `step ${i}`).toEqual(expected);
    }
    // A new worker knows no earlier reply: it sends every rule, and the result is the same.
    await loader.close();
    writeFileSync(file, steps[1] as string);
    expect(JSON.parse(JSON.stringify((await loader.load(file)).config))).toEqual(JSON.parse(JSON.stringify(parseConfig(steps[1] as string))));
  });
});
