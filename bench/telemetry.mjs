// Telemetry benchmark: the mcpgw daemon's throughput of small tools/call
// requests with OTLP export on, against the same daemon with it off, in the
// same run: once to a collector that answers at once (what telemetry costs),
// once to one that accepts connections and never answers (a dead collector
// must not slow requests: target >= 0.9x). Every daemon, the upstream, each
// collector and the load generator run in processes of their own.
//
//   node bench/telemetry.mjs [--duration-ms 3000] [--rounds 3] [--connections 8] [--quick]
//
// Prints a table; writes bench/results/telemetry.json; exits 1 when the dead
// collector's ratio is below the target.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuMs, load, startCollector, startDaemon, startUpstream } from './http/processes.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const { values } = parseArgs({
  options: {
    'duration-ms': { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string', default: '8' },
    quick: { type: 'boolean', default: false },
  },
});
const QUICK = values.quick;
const DURATION_MS = Number(values['duration-ms'] ?? (QUICK ? 1000 : 3000));
const ROUNDS = Number(values.rounds ?? (QUICK ? 1 : 3));
const CONNECTIONS = Number(values.connections);
const TARGET = 0.9;
const SUBJECTS = ['off', 'working', 'dead'];
const LABELS = {
  off: 'telemetry off',
  working: 'telemetry on, collector answers',
  dead: 'telemetry on, collector never answers',
};

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hello, small request' } } });
const telemetry = (endpoint) => `telemetry:\n  customer:\n    endpoint: ${endpoint}\n`;

const { url: upstream } = await startUpstream();
const { url: working } = await startCollector('ok');
const { url: dead } = await startCollector('hang');
const daemons = {
  off: await startDaemon(upstream),
  working: await startDaemon(upstream, { extra: telemetry(working) }),
  dead: await startDaemon(upstream, { extra: telemetry(dead) }),
};

// Warm-up: JIT and connection pools, and the dead collector's export queue filled.
for (const subject of SUBJECTS) await load({ url: daemons[subject].url, body: call, connections: CONNECTIONS, durationMs: QUICK ? 500 : 2000 });

const runs = Object.fromEntries(SUBJECTS.map((subject) => [subject, []]));
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order each round so that no subject always runs first or last.
  const order = SUBJECTS.map((_, i) => SUBJECTS[(i + round) % SUBJECTS.length]);
  for (const subject of order) {
    const { url, pid } = daemons[subject];
    const cpuBefore = cpuMs(pid);
    const result = await load({ url, body: call, connections: CONNECTIONS, durationMs: DURATION_MS });
    const cpuAfter = cpuMs(pid);
    if (Object.keys(result.statuses).some((status) => status !== '200')) throw new Error(`${subject}: non-200 answers ${JSON.stringify(result.statuses)}`);
    result.cpuUsPerRequest = cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1000) / result.requests;
    runs[subject].push(result);
  }
}

const summary = Object.fromEntries(
  SUBJECTS.map((subject) => [
    subject,
    {
      rps: median(runs[subject].map((r) => r.rps)),
      p50_us: median(runs[subject].map((r) => r.p50)),
      p99_us: median(runs[subject].map((r) => r.p99)),
      cpu_us_per_request: median(runs[subject].map((r) => r.cpuUsPerRequest ?? NaN)),
    },
  ]),
);
const ratios = {
  throughput_dead_vs_off: summary.dead.rps / summary.off.rps,
  throughput_working_vs_off: summary.working.rps / summary.off.rps,
  cpu_per_request_working_vs_off: summary.working.cpu_us_per_request / summary.off.cpu_us_per_request,
  p99_dead_vs_off: summary.dead.p99_us / summary.off.p99_us,
};

const f = (n, digits = 0) => n.toFixed(digits);
console.log(`\nmcpgw daemon, small tools/call, ${CONNECTIONS} keep-alive connections, ${DURATION_MS} ms x ${ROUNDS} rounds (medians)`);
console.log('| daemon | req/s | p50 µs | p99 µs | CPU µs per request |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const subject of SUBJECTS) {
  const s = summary[subject];
  console.log(`| ${LABELS[subject]} | ${f(s.rps)} | ${f(s.p50_us)} | ${f(s.p99_us)} | ${f(s.cpu_us_per_request)} |`);
}
console.log(`\ndead collector / telemetry off throughput: ${f(ratios.throughput_dead_vs_off, 2)}x (target >= ${TARGET}x); p99: ${f(ratios.p99_dead_vs_off, 2)}x`);
console.log(`working collector / telemetry off throughput: ${f(ratios.throughput_working_vs_off, 2)}x; CPU per request: ${f(ratios.cpu_per_request_working_vs_off, 2)}x`);

mkdirSync(here('./results'), { recursive: true });
writeFileSync(
  here('./results/telemetry.json'),
  `${JSON.stringify({ when: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cpus: os.cpus().length, options: { DURATION_MS, ROUNDS, CONNECTIONS, QUICK }, summary, ratios, raw: runs }, null, 2)}\n`,
);
// A quick run is a smoke test: too short to hold anyone to the target on a shared machine.
process.exit(!QUICK && ratios.throughput_dead_vs_off < TARGET ? 1 : 0);
