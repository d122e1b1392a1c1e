// stdio benchmark: small tools/call round trips over MCP's stdio transport,
// with the MCP SDK's StdioClientTransport, against the official
// server-everything in stdio mode, bare and through `mcpgw stdio` (the
// 4-rule policy of bench/http/policy.mjs), in the same run, in alternating
// rounds.
//
// Measured: calls per second (each call is one request and one answer: two
// messages) with 1 and 16 calls in flight, and the latency of each call
// (p50, p99) with 1 in flight; "added" is mcpgw's p50 minus bare's. Checked
// first: through mcpgw, an echo comes back right and a secret in it comes
// back redacted (exit 1 if not).
//
//   node bench/stdio.mjs [--calls 3000] [--rounds 3] [--concurrency 1,16] [--quick]
//
// Prints a table; writes bench/results/stdio.json.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BENCH_POLICY_RULES } from './http/policy.mjs';
import { machineFacts } from './lib/machine.mjs';
import { formatTable, median, percentile, round } from './lib/stats.mjs';

const { values } = parseArgs({
  options: {
    calls: { type: 'string' },
    rounds: { type: 'string' },
    concurrency: { type: 'string', default: '1,16' },
    quick: { type: 'boolean', default: false },
  },
});
const QUICK = values.quick;
const CALLS = Number(values.calls ?? (QUICK ? 300 : 3000));
const ROUNDS = Number(values.rounds ?? (QUICK ? 1 : 3));
const CONCURRENCY = values.concurrency.split(',').map(Number);
const WARMUP = QUICK ? 100 : 500;

const MCPGW = fileURLToPath(new URL('../packages/cli/bin/mcpgw.js', import.meta.url));
const EVERYTHING = [process.execPath, createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'];
const dir = mkdtempSync(join(tmpdir(), 'mcpgw-bench-stdio-'));
const config = join(dir, 'mcpgw.yaml');
writeFileSync(config, BENCH_POLICY_RULES);

const SUBJECTS = {
  bare: { label: 'bare server-everything', command: EVERYTHING[0], args: EVERYTHING.slice(1) },
  mcpgw: { label: 'mcpgw stdio (4 rules)', command: MCPGW, args: ['stdio', '--config', config, '--no-watch', '--', ...EVERYTHING] },
};

async function open(subject) {
  const transport = new StdioClientTransport({ command: subject.command, args: subject.args, env: { PATH: process.env.PATH ?? '' }, stderr: 'ignore' });
  const client = new Client({ name: 'bench-stdio', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

const echo = (client, message = 'hello') => client.callTool({ name: 'echo', arguments: { message } });

/** `calls` echo calls with `concurrency` in flight; the elapsed ms and each call's latency. */
async function measure(client, calls, concurrency) {
  const latencies = new Float64Array(calls);
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < calls) {
      const i = next++;
      const t0 = performance.now();
      await echo(client);
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { elapsedMs: performance.now() - started, latencies: latencies.sort() };
}

const started = performance.now();
const machineBefore = machineFacts();

// Checks: mcpgw answers right, and redacts.
{
  const client = await open(SUBJECTS.mcpgw);
  const ok = (await echo(client, 'check')).content?.[0]?.text === 'Echo: check';
  const redacted = (await echo(client, 'AKIAABCDEFGHIJKLMNOP')).content?.[0]?.text === 'Echo: [REDACTED]';
  await client.close();
  if (!ok || !redacted) {
    console.error(`check failed: echo ${ok ? 'ok' : 'wrong'}, redaction ${redacted ? 'ok' : 'missing'}`);
    process.exit(1);
  }
}

const runs = { bare: [], mcpgw: [] };
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which goes first, so that neither always runs on a warmer machine.
  const order = round % 2 === 0 ? ['bare', 'mcpgw'] : ['mcpgw', 'bare'];
  for (const name of order) {
    const client = await open(SUBJECTS[name]);
    await measure(client, WARMUP, 4);
    const result = {};
    for (const concurrency of CONCURRENCY) {
      const { elapsedMs, latencies } = await measure(client, CALLS, concurrency);
      result[concurrency] = { callsPerSecond: (CALLS / elapsedMs) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
    }
    await client.close();
    runs[name].push(result);
  }
}

const summary = {};
for (const name of Object.keys(SUBJECTS)) {
  summary[name] = {};
  for (const concurrency of CONCURRENCY) {
    const of = (key) => round(median(runs[name].map((run) => run[concurrency][key])));
    summary[name][concurrency] = { callsPerSecond: of('callsPerSecond'), p50Ms: of('p50'), p99Ms: of('p99') };
  }
}

const rows = [];
for (const concurrency of CONCURRENCY) {
  for (const name of Object.keys(SUBJECTS)) {
    const figures = summary[name][concurrency];
    const ratio = figures.callsPerSecond / summary.bare[concurrency].callsPerSecond;
    rows.push([SUBJECTS[name].label, concurrency, figures.callsPerSecond, figures.callsPerSecond * 2, round(ratio), figures.p50Ms, figures.p99Ms, name === 'bare' ? '' : round(figures.p50Ms - summary.bare[concurrency].p50Ms)]);
  }
}
console.log(`${CALLS} echo calls per measurement, ${ROUNDS} round(s), medians of rounds\n`);
console.log(formatTable(['subject', 'in flight', 'calls/s', 'messages/s', 'x bare', 'p50 ms', 'p99 ms', 'added p50 ms'], rows));

const result = {
  benchmark: 'stdio',
  date: new Date().toISOString(),
  settings: { calls: CALLS, rounds: ROUNDS, concurrency: CONCURRENCY, warmup: WARMUP, tool: 'echo', policy: 'bench/http/policy.mjs (4 rules)' },
  machine: { before: machineBefore, after: machineFacts() },
  durationSeconds: round((performance.now() - started) / 1000),
  summary,
  throughputRatio: Object.fromEntries(CONCURRENCY.map((c) => [c, round(summary.mcpgw[c].callsPerSecond / summary.bare[c].callsPerSecond)])),
  addedP50Ms: Object.fromEntries(CONCURRENCY.map((c) => [c, round(summary.mcpgw[c].p50Ms - summary.bare[c].p50Ms)])),
  runs,
};
const out = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'stdio.json'), `${JSON.stringify(result, null, 2)}\n`);
