/**
 * The benchmarks' smoke runs that docs/benchmarks.md prints, run as printed
 * (slow tier: about 45 s). Their full measurements are listed in
 * command-table.ts as not run here. Each run writes its figures to
 * bench/results/; in the sandbox's mount namespace that directory is a
 * temporary one, so a test run never replaces figures measured by hand.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { RUN_HERE, TESTS } from './command-table.js';
import { ROOT } from './markdown.js';
import { Sandbox } from './sandbox.js';
import { docCommands } from './shell-commands.js';

const COMMANDS = docCommands();
const SMOKE_RUNS = Object.keys(RUN_HERE).filter((text) => RUN_HERE[text] === TESTS.benchSmoke);

let sandbox: Sandbox | undefined;
let results: string | undefined;
afterEach(async () => {
  await sandbox?.close();
  if (results !== undefined) rmSync(results, { recursive: true, force: true });
});

it(
  TESTS.benchSmoke,
  async () => {
    expect(SMOKE_RUNS).toEqual(['node bench/run.mjs core -- --quick', 'node bench/sse.mjs --quick', 'node bench/sse-floor.mjs', 'node bench/http.mjs --duration-ms 1000 --rounds 1', 'node bench/stdio.mjs --quick', 'node bench/telemetry.mjs --quick']);
    sandbox = await Sandbox.create();
    results = mkdtempSync(join(tmpdir(), 'mcpgw-bench-results-'));
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    expect((await sandbox.run(`mount --bind ${results} ${join(ROOT, 'bench/results')}`)).code).toBe(0);

    for (const text of SMOKE_RUNS) {
      const printed = COMMANDS.find((command) => command.text === text)?.printed;
      expect(printed, `a doc prints ${text}`).toBeDefined();
      const run = await sandbox.run(printed as string, { cwd: ROOT });
      expect({ text, code: run.code, stderr: run.stderr }).toEqual({ text, code: 0, stderr: '' });
    }
    expect(readdirSync(results).sort()).toEqual(['core.json', 'http.json', 'sse.json', 'stdio.json', 'telemetry.json']);
  },
  180_000,
);
