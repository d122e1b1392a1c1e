/**
 * Bursts of reloads: 100 SIGHUPs as fast as possible while the config file is
 * rewritten between them among five valid policies (1 to 5 rules), and 100
 * quick rewrites with no signal at all (the file watcher alone). A client
 * calls echo throughout.
 *
 * What hot-reload.md promises: reloads run one at a time and a burst
 * coalesces into one more reload that reads the newest file. So: the
 * `policy reload: ok` generations go up by exactly one (no duplicate, no gap),
 * there are at most as many reloads as signals handled, and once the burst
 * settles the running policy is the last file written — by the last ok line's
 * rule count, by `/healthz`, and by a call through the gateway.
 *
 * Short variant: one burst of each kind per write style; `MCPGW_SOAK=1`: many.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { daemonConfig, Proc, startDaemon, startDemoUpstream, tempDir } from '../daemon/harness.js';
import { connect, health, SOAK, sleep, within, writeAtomic } from './soak-helpers.js';

const BURST = 100;
const ROUNDS = SOAK ? 20 : 2;
/** A burst has settled when no reload-related log line came for this long (the watch debounce is 250 ms). */
const QUIET_MS = 1000;

/** Policy k has k response-redact rules: rule i turns `mk{i}x` into `TAG{i}`. */
const policy = (k: number) =>
  Array.from(
    { length: k },
    (_v, i) => `    - name: tag-${i + 1}
      action: redact
      direction: response
      patterns: ["mk${i + 1}x"]
      replacement: "TAG${i + 1}"`,
  ).join('\n');
const PROBE = 'mk1x mk2x mk3x mk4x mk5x';
/** What an echo of PROBE answers under policy k. */
const probeAnswer = (k: number) => PROBE.replace(/mk(\d)x/g, (word, digit: string) => (Number(digit) <= k ? `TAG${digit}` : word));

/** A small deterministic generator (mulberry32), so a failing round can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** BURST rule counts in 1..5; the last one differs from `running` and from the one before it. */
function burstSequence(seed: number, running: number): number[] {
  const next = random(seed);
  const sequence = Array.from({ length: BURST }, () => 1 + Math.floor(next() * 5));
  const candidates = [1, 2, 3, 4, 5].filter((k) => k !== running && k !== sequence[BURST - 2]);
  sequence[BURST - 1] = candidates[Math.floor(next() * candidates.length)] as number;
  return sequence;
}

const isReloadLine = (line: Record<string, unknown>) => /^(policy reload: |SIGHUP: )/.test(String(line['msg'] ?? ''));
const isOk = (line: Record<string, unknown>) => /^policy reload: ok \(rules=\d\)$/.test(String(line['msg'] ?? ''));
const isRejected = (line: Record<string, unknown>) => String(line['msg'] ?? '').startsWith('policy reload: rejected: ');

/** Waits until no reload-related line has come for QUIET_MS (bounded). */
async function settle(proc: Proc): Promise<void> {
  const deadline = Date.now() + 30_000;
  let count = proc.lines.filter(isReloadLine).length;
  let quietSince = Date.now();
  while (Date.now() - quietSince < QUIET_MS) {
    if (Date.now() > deadline) throw new Error('reloads did not settle within 30 s');
    await sleep(50);
    const now = proc.lines.filter(isReloadLine).length;
    if (now !== count) {
      count = now;
      quietSince = Date.now();
    }
  }
}

interface Background {
  calls: number;
  readonly failures: string[];
  stop: boolean;
  done: Promise<void>;
}

/** One client calling echo non-stop: reloads must not fail a call. */
function background(client: Client): Background {
  const state: Background = { calls: 0, failures: [], stop: false, done: Promise.resolve() };
  state.done = (async () => {
    for (let n = 0; !state.stop; n++) {
      state.calls++;
      try {
        const result = await client.callTool({ name: 'echo', arguments: { text: `bg-${n}` } });
        if (JSON.stringify(result.content) !== JSON.stringify([{ type: 'text', text: `bg-${n}` }])) state.failures.push(`bg-${n}: ${JSON.stringify(result.content)}`);
      } catch (error) {
        state.failures.push(`bg-${n}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return state;
}

/** Checks the running policy is `k` rules: the last ok line, /healthz, and an echo through the gateway. */
async function expectRunning(proc: Proc, port: number, client: Client, k: number, what: string): Promise<void> {
  const lastOk = proc.lines.filter(isOk).at(-1) as Record<string, unknown>;
  expect(lastOk, `${what}: last ok line`).toMatchObject({ rules: k });
  expect((await health(port)).generation, `${what}: /healthz generation`).toBe(lastOk['generation']);
  const answer = await client.callTool({ name: 'echo', arguments: { text: PROBE } });
  expect(answer.content, `${what}: probe through the gateway`).toEqual([{ type: 'text', text: probeAnswer(k) }]);
}

/** ok generations go 2, 3, 4, … in log order, and the audit log has the same policy_reload events. */
function expectGenerations(proc: Proc, dir: string): number[] {
  const generations = proc.lines.filter(isOk).map((line) => line['generation'] as number);
  expect(generations, 'ok generations: strictly increasing by one from 2').toEqual(generations.map((_g, i) => i + 2));
  const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(audit.filter((line) => line['event'] === 'policy_reload').map((line) => line['generation'])).toEqual(generations);
  expect(audit.filter((line) => line['event'] === 'policy_reload_failed')).toEqual([]);
  return generations;
}

describe('soak: concurrent reloads', () => {
  let upstream: { proc: Proc; url: string } | undefined;
  const daemons: Proc[] = [];
  const clients: Client[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    upstream = await startDemoUpstream();
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    for (const proc of daemons) await proc.stop();
    await upstream?.proc.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function start(watch: boolean): Promise<{ proc: Proc; port: number; client: Client; load: Background; configPath: string; dir: string; config: (k: number) => string }> {
    const dir = tempDir('mcpgw-soak-bursts-');
    dirs.push(dir);
    const configPath = join(dir, 'mcpgw.yaml');
    const config = (k: number) => daemonConfig({ upstreamUrl: (upstream as { url: string }).url, dir, rules: policy(k) });
    writeFileSync(configPath, config(1));
    const daemon = await startDaemon(configPath, watch ? [] : ['--no-watch']);
    daemons.push(daemon.proc);
    const errors: string[] = [];
    const probe = await connect(daemon.url, 'probe', errors);
    const busy = await connect(daemon.url, 'busy', errors);
    clients.push(probe.client, busy.client);
    return { proc: daemon.proc, port: daemon.port, client: probe.client, load: background(busy.client), configPath, dir, config };
  }

  it(`${ROUNDS} bursts of ${BURST} SIGHUPs, the file rewritten between them: one reload at a time, the newest file wins`, { timeout: 30_000 + ROUNDS * 10_000 }, async () => {
    const { proc, port, client, load, configPath, dir, config } = await start(true);
    const pid = proc.child.pid as number;
    let running = 1;
    const figures: Array<{ handled: number; outcomes: number; last: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const sequence = burstSequence(1000 + round, running);
      const from = proc.lines.length;
      // As fast as possible: each rewrite (atomic, so a reload never reads half a file) followed by a signal.
      for (const k of sequence) {
        writeAtomic(configPath, config(k));
        process.kill(pid, 'SIGHUP');
      }
      await settle(proc);
      running = sequence.at(-1) as number;
      const lines = proc.lines.slice(from);
      const handled = lines.filter((line) => line['msg'] === 'SIGHUP: reloading config').length;
      const outcomes = lines.filter((line) => isOk(line) || isRejected(line));
      figures.push({ handled, outcomes: outcomes.length, last: running });
      expect(lines.filter(isRejected), `round ${round}: no rejection (every file was valid and written atomically)`).toEqual([]);
      expect(outcomes.length, `round ${round}: at least one reload`).toBeGreaterThan(0);
      // Coalescing: never more SIGHUP reloads than signals the daemon handled (the kernel merges pending signals too).
      expect(outcomes.filter((line) => line['reason'] === 'SIGHUP').length).toBeLessThanOrEqual(handled);
      expect(handled).toBeLessThanOrEqual(BURST);
      await expectRunning(proc, port, client, running, `round ${round} (last written: rules=${running})`);
    }
    load.stop = true;
    await within(load.done, 30_000, 'background calls');
    expect(load.failures).toEqual([]);
    const generations = expectGenerations(proc, dir);
    console.log(`SIGHUP bursts: ${JSON.stringify({ rounds: ROUNDS, signals_sent: ROUNDS * BURST, per_round: figures, reloads: generations.length, background_calls: load.calls })}`);
  });

  it(`${ROUNDS} bursts of ${BURST} quick rewrites with no signal: the file watcher applies the last content`, { timeout: 30_000 + ROUNDS * 10_000 }, async () => {
    const { proc, port, client, load, configPath, dir, config } = await start(true);
    let running = 1;
    const figures: Array<{ style: string; outcomes: number; last: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const sequence = burstSequence(2000 + round, running);
      // Alternate in-place writes and editor-style save-by-rename.
      const style = round % 2 === 0 ? 'in place' : 'rename';
      const from = proc.lines.length;
      for (const k of sequence) {
        if (style === 'in place') writeFileSync(configPath, config(k));
        else writeAtomic(configPath, config(k));
      }
      // The watcher needs an event and its 250 ms debounce: wait for the reload of the last content, then for quiet.
      await proc.waitForMsg(`policy reload: ok (rules=${sequence.at(-1) as number})`, from, 15_000).catch(() => undefined);
      await settle(proc);
      running = sequence.at(-1) as number;
      const lines = proc.lines.slice(from);
      const outcomes = lines.filter((line) => isOk(line) || isRejected(line));
      figures.push({ style, outcomes: outcomes.length, last: running });
      expect(lines.filter(isRejected), `round ${round} (${style}): no rejection`).toEqual([]);
      expect(outcomes.length, `round ${round} (${style}): at least one reload`).toBeGreaterThan(0);
      expect(outcomes.every((line) => line['reason'] === 'file change')).toBe(true);
      // Debounced: 100 writes within a few ms are one change, not 100 reloads.
      expect(outcomes.length, `round ${round} (${style}): reloads for ${BURST} quick writes`).toBeLessThanOrEqual(5);
      await expectRunning(proc, port, client, running, `round ${round} (${style}, last written: rules=${running})`);
    }
    load.stop = true;
    await within(load.done, 30_000, 'background calls');
    expect(load.failures).toEqual([]);
    const generations = expectGenerations(proc, dir);
    console.log(`watch bursts: ${JSON.stringify({ rounds: ROUNDS, writes: ROUNDS * BURST, per_round: figures, reloads: generations.length, background_calls: load.calls })}`);
  });
});
