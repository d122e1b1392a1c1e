// HTTP benchmark: small tools/call requests and a 1,000-event SSE response
// through mcpGateway (Express, 4-rule policy) and through the mcpgw daemon
// (the same policy, audit log on), against, in the same run, a bare
// http-proxy-middleware passthrough in Express and a raw node:http pipe. Every
// server runs in its own process, the upstream in another, and the load
// generator in another: nothing under test shares an event loop with the load.
// Also reported: each server's RSS idle and right after the load, and the CPU
// time it spent per request (from /proc), which a busy machine disturbs less.
//
//   node bench/http.mjs [--duration-ms 3000] [--rounds 3] [--connections 8]
//                       [--baseline /other/checkout/packages/cli/bin/mcpgw.js]
//
// --baseline adds the daemon as built in another checkout (built there
// first), measured in the same run: the ratio says what a change costs.
//
// Prints a table; writes bench/results/http.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuMs, load, rssMiB, startDaemon, startServer, startUpstream } from './http/processes.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const { values } = parseArgs({
  options: {
    'duration-ms': { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    'stream-iterations': { type: 'string', default: '30' },
    baseline: { type: 'string' },
  },
});
const DURATION_MS = Number(values['duration-ms']);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const STREAM_ITERATIONS = Number(values['stream-iterations']);
const BASELINE = values.baseline;
const SUBJECTS = ['mcpgw', 'daemon', ...(BASELINE === undefined ? [] : ['baseline']), 'hpm', 'raw'];
const LABELS = {
  mcpgw: 'mcpgw (mcpGateway, 4 rules)',
  daemon: 'mcpgw daemon (same policy, audit log)',
  baseline: 'mcpgw daemon of --baseline',
  hpm: 'bare http-proxy-middleware',
  raw: 'raw node:http pipe',
};

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hello, small request' } } });
const stream = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'stream', arguments: { events: 1000 } } });

const { url: upstream } = await startUpstream();
const urls = {};
const pids = {};
for (const subject of SUBJECTS) {
  ({ url: urls[subject], pid: pids[subject] } = subject === 'daemon' ? await startDaemon(upstream) : subject === 'baseline' ? await startDaemon(upstream, { bin: BASELINE }) : await startServer(subject, upstream));
}
await new Promise((resolve) => setTimeout(resolve, 500));
const rssIdle = Object.fromEntries(SUBJECTS.map((subject) => [subject, rssMiB(pids[subject])]));

// Warm-up: JIT and connection pools of every server, before anything is measured.
for (const subject of SUBJECTS) await load({ url: urls[subject], body: call, connections: CONNECTIONS, durationMs: 2000 });

const small = Object.fromEntries(SUBJECTS.map((subject) => [subject, []]));
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order each round so that no subject always runs first or last.
  const order = SUBJECTS.map((_, i) => SUBJECTS[(i + round) % SUBJECTS.length]);
  for (const subject of order) {
    const cpuBefore = cpuMs(pids[subject]);
    const result = await load({ url: urls[subject], body: call, connections: CONNECTIONS, durationMs: DURATION_MS });
    const cpuAfter = cpuMs(pids[subject]);
    if (Object.keys(result.statuses).some((status) => status !== '200')) throw new Error(`${subject}: non-200 answers ${JSON.stringify(result.statuses)}`);
    // CPU the server spent per request: steadier than req/s on a shared machine.
    result.cpuUsPerRequest = cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1000) / result.requests;
    small[subject].push(result);
  }
}

const rssLoaded = Object.fromEntries(SUBJECTS.map((subject) => [subject, rssMiB(pids[subject])]));

const streamed = Object.fromEntries(SUBJECTS.map((subject) => [subject, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const subject of SUBJECTS) {
    const result = await load({ url: urls[subject], body: stream, stream: true, iterations: STREAM_ITERATIONS });
    streamed[subject].push(result);
  }
}

const summary = {};
for (const subject of SUBJECTS) {
  summary[subject] = {
    rps: median(small[subject].map((r) => r.rps)),
    p50_us: median(small[subject].map((r) => r.p50)),
    p99_us: median(small[subject].map((r) => r.p99)),
    cpu_us_per_request: median(small[subject].map((r) => r.cpuUsPerRequest ?? NaN)),
    sse_1000_ttlb_p50_ms: median(streamed[subject].map((r) => r.p50)) / 1000,
    sse_1000_ttlb_p99_ms: median(streamed[subject].map((r) => r.p99)) / 1000,
    sse_bytes: streamed[subject][0].bytes,
    rss_idle_mib: rssIdle[subject],
    rss_after_load_mib: rssLoaded[subject],
  };
}
const ratios = {
  throughput_mcpgw_vs_hpm: summary.mcpgw.rps / summary.hpm.rps,
  throughput_daemon_vs_hpm: summary.daemon.rps / summary.hpm.rps,
  throughput_mcpgw_vs_raw: summary.mcpgw.rps / summary.raw.rps,
  throughput_hpm_vs_raw: summary.hpm.rps / summary.raw.rps,
  cpu_per_request_mcpgw_vs_hpm: summary.mcpgw.cpu_us_per_request / summary.hpm.cpu_us_per_request,
  cpu_per_request_daemon_vs_hpm: summary.daemon.cpu_us_per_request / summary.hpm.cpu_us_per_request,
  p99_mcpgw_vs_hpm: summary.mcpgw.p99_us / summary.hpm.p99_us,
  sse_ttlb_mcpgw_vs_hpm: summary.mcpgw.sse_1000_ttlb_p50_ms / summary.hpm.sse_1000_ttlb_p50_ms,
  ...(BASELINE === undefined
    ? {}
    : {
        throughput_daemon_vs_baseline: summary.daemon.rps / summary.baseline.rps,
        cpu_per_request_daemon_vs_baseline: summary.daemon.cpu_us_per_request / summary.baseline.cpu_us_per_request,
      }),
};

const f = (n, digits = 0) => n.toFixed(digits);
console.log(`\nsmall tools/call, ${CONNECTIONS} keep-alive connections, ${DURATION_MS} ms x ${ROUNDS} rounds (medians)`);
console.log('| server | req/s | p50 µs | p99 µs | CPU µs per request | SSE 1,000 events: time to last byte p50 ms | p99 ms | RSS idle MiB | RSS after load MiB |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const subject of SUBJECTS) {
  const s = summary[subject];
  console.log(`| ${LABELS[subject]} | ${f(s.rps)} | ${f(s.p50_us)} | ${f(s.p99_us)} | ${f(s.cpu_us_per_request)} | ${f(s.sse_1000_ttlb_p50_ms, 2)} | ${f(s.sse_1000_ttlb_p99_ms, 2)} | ${s.rss_idle_mib} | ${s.rss_after_load_mib} |`);
}
console.log(`\nmcpgw / bare http-proxy-middleware throughput: ${f(ratios.throughput_mcpgw_vs_hpm, 2)}x (target >= 0.8x)`);
console.log(`mcpgw daemon / bare http-proxy-middleware throughput: ${f(ratios.throughput_daemon_vs_hpm, 2)}x`);
console.log(`CPU per request, mcpgw / bare hpm: ${f(ratios.cpu_per_request_mcpgw_vs_hpm, 2)}x; daemon / bare hpm: ${f(ratios.cpu_per_request_daemon_vs_hpm, 2)}x`);
console.log(`mcpgw / raw pipe throughput: ${f(ratios.throughput_mcpgw_vs_raw, 2)}x; bare hpm / raw pipe: ${f(ratios.throughput_hpm_vs_raw, 2)}x`);
console.log(`SSE 1,000 events, time to last byte, mcpgw / bare hpm: ${f(ratios.sse_ttlb_mcpgw_vs_hpm, 2)}x`);
if (BASELINE !== undefined) {
  console.log(`daemon / daemon of --baseline: throughput ${f(ratios.throughput_daemon_vs_baseline, 3)}x, CPU per request ${f(ratios.cpu_per_request_daemon_vs_baseline, 3)}x`);
}

mkdirSync(here('./results'), { recursive: true });
writeFileSync(
  here('./results/http.json'),
  `${JSON.stringify({ when: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cpus: os.cpus().length, options: { DURATION_MS, ROUNDS, CONNECTIONS, STREAM_ITERATIONS, BASELINE }, summary, ratios, raw: { small, streamed } }, null, 2)}\n`,
);
process.exit(0);
