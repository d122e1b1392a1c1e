// Runs mcpgw's benchmarks, each in its own Node process (a fresh heap and
// JIT per benchmark), one after the other. `npm run bench` builds first.
//
//   node bench/run.mjs                  # every benchmark
//   node bench/run.mjs core             # those whose name contains "core"
//   node bench/run.mjs core -- --quick  # arguments after -- go to each benchmark
//   node bench/run.mjs --list
//
// To add one: a script in bench/ that prints its table, writes
// bench/results/<name>.json and exits non-zero only when a check fails;
// then one line in BENCHMARKS.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHMARKS = [
  { name: 'core', script: 'core.mjs', about: '@mcpgw/core: decision cost, redaction throughput, compile + swap' },
  { name: 'http', script: 'http.mjs', about: '@mcpgw/express and the daemon: requests and SSE vs bare proxies, RSS' },
  { name: 'reload', script: 'reload.mjs', about: 'daemon: p99 latency while 3 rules of a 1,000-rule policy are edited and reloaded once a second' },
  { name: 'sse', script: 'sse.mjs', about: '@mcpgw/express: MB/s of 1 and 8 MiB SSE answers with secrets redacted, vs bare proxies' },
  { name: 'audit', script: 'audit.mjs', about: 'daemon audit log: µs per decision line, and what the check of the live path before each write adds' },
  { name: 'stdio', script: 'stdio.mjs', about: 'mcpgw stdio: calls/s and added latency of small tools/call, vs the bare stdio server in the same run' },
  { name: 'telemetry', script: 'telemetry.mjs', about: 'daemon: throughput with OTLP export on (a collector that answers, one that never does) vs off, in the same run' },
];

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const own = dash === -1 ? argv : argv.slice(0, dash);
const passThrough = dash === -1 ? [] : argv.slice(dash + 1);

if (own.includes('--list') || own.includes('--help')) {
  for (const { name, about } of BENCHMARKS) console.log(`${name.padEnd(6)} ${about}`);
  console.log('\nusage: node bench/run.mjs [name-filter ...] [-- arguments for each benchmark]');
  process.exit(0);
}

const filters = own.filter((arg) => !arg.startsWith('-'));
const selected = BENCHMARKS.filter(({ name }) => filters.length === 0 || filters.some((filter) => name.includes(filter)));
if (selected.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ')}; there are: ${BENCHMARKS.map(({ name }) => name).join(', ')}`);
  process.exit(2);
}

const run = ({ script }) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...passThrough], { stdio: 'inherit' });
    child.once('exit', (code, signal) => resolve(signal === null ? code : 1));
  });

const failed = [];
for (const benchmark of selected) {
  console.log(`\n=== ${benchmark.name}: ${benchmark.about}\n`);
  const started = Date.now();
  const code = await run(benchmark);
  console.log(`\n=== ${benchmark.name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (code !== 0) failed.push(benchmark.name);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
