// SSE redaction benchmark: throughput of large text/event-stream answers
// (1 MiB and 8 MiB of body by default) whose events carry secrets, through
// mcpGateway (Express, the 4-rule policy of bench/http/policy.mjs, which
// redacts AWS key ids, GitHub tokens and internal host names), against, in
// the same run, a bare http-proxy-middleware passthrough and a raw node:http
// pipe. The upstream's tool "big" (bench/http/sse-payload.mjs) sends a run of
// ~4 KiB notifications/message events then one tools/call result with a
// large text, from memory. Every server, the upstream and the load generator
// run in processes of their own.
//
// Measured: time to last byte of one response at a time (loadgen stream
// mode), p50 over every response of every round; MB/s = 10^6 bytes received
// per second. Checked first, for every size: the raw pipe and bare proxy
// pass the upstream's bytes unchanged, and mcpgw's answer has no secret
// left, one "[REDACTED]" per secret sent, and is otherwise byte-identical
// (exit 1 if not).
//
//   node bench/sse.mjs [--sizes-mib 1,8] [--event-bytes 4096] [--rounds 9]
//                      [--mib-per-run 48] [--max-seconds 45] [--quick]
//                      [--baseline /other/checkout/bench/http/server.mjs]
//
// Prints a table, and per size mcpgw's time to last byte as a multiple of the
// bare proxy's (the goal: at most 2x); writes bench/results/sse.json.
// --baseline adds a fourth server: mcpgw as built in another checkout (its
// own bench/http/server.mjs, run on its own packages), for a before/after
// comparison within one run.

import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { load, rssMiB, startServer, startUpstream } from './http/processes.mjs';
import { buildSsePayload, REDACTED_PATTERNS, REPLACEMENT } from './http/sse-payload.mjs';
import { machineFacts } from './lib/machine.mjs';
import { percentile, round } from './lib/stats.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const { values } = parseArgs({
  options: {
    'sizes-mib': { type: 'string', default: '1,8' },
    'event-bytes': { type: 'string', default: '4096' },
    rounds: { type: 'string' },
    'mib-per-run': { type: 'string' },
    'max-seconds': { type: 'string', default: '45' },
    quick: { type: 'boolean', default: false },
    baseline: { type: 'string' },
  },
});
const QUICK = values.quick;
const SIZES = values['sizes-mib'].split(',').map(Number);
const EVENT_BYTES = Number(values['event-bytes']);
const ROUNDS = Number(values.rounds ?? (QUICK ? 1 : 9));
// Responses per loadgen run: about this many MiB of body, at least 3 responses.
const MIB_PER_RUN = Number(values['mib-per-run'] ?? (QUICK ? 8 : 48));
const MAX_SECONDS = Number(values['max-seconds']);
const BASELINE = values.baseline;
const SUBJECTS = ['mcpgw', ...(BASELINE === undefined ? [] : ['baseline']), 'hpm', 'raw'];
const LABELS = { mcpgw: 'mcpgw (mcpGateway, 4 rules)', baseline: 'mcpgw of --baseline', hpm: 'bare http-proxy-middleware', raw: 'raw node:http pipe' };

const started = performance.now();
const machineBefore = machineFacts();
const iterationsFor = (mib) => Math.max(3, Math.round(MIB_PER_RUN / mib));
const requestFor = (mib) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'big', arguments: { bytes: mib * 2 ** 20, eventBytes: EVENT_BYTES } } });

const { url: upstream } = await startUpstream();
const urls = {};
const pids = {};
for (const subject of SUBJECTS) {
  ({ url: urls[subject], pid: pids[subject] } = subject === 'baseline' ? await startServer('mcpgw', upstream, BASELINE) : await startServer(subject, upstream));
}

// ------------------------------------------------------------- correctness

/** One response's body, read whole (fetch undoes the chunked framing). */
async function fetchBody(url, body) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), text };
}

const count = (text, needle) => {
  let n = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) n++;
  return n;
};

const payloads = {};
const checks = {};
const failures = [];
for (const mib of SIZES) {
  const payload = buildSsePayload({ bytes: mib * 2 ** 20, eventBytes: EVENT_BYTES, id: 1 });
  payloads[mib] = payload;
  const sent = [...new Set(REDACTED_PATTERNS.flatMap((pattern) => payload.body.match(pattern) ?? []))];
  const answers = {};
  for (const subject of SUBJECTS) answers[subject] = await fetchBody(urls[subject], requestFor(mib));
  const mcpgw = answers.mcpgw.text;
  const check = {
    bodyBytes: Buffer.byteLength(payload.body),
    notifications: payload.notifications,
    resultEventBytes: payload.resultEventBytes,
    secretsSent: payload.secrets,
    secretsByPattern: payload.secretsByPattern,
    statuses: Object.fromEntries(SUBJECTS.map((subject) => [subject, answers[subject].status])),
    hpmUnchanged: answers.hpm.text === payload.body,
    rawUnchanged: answers.raw.text === payload.body,
    mcpgwSecretsLeft: sent.filter((secret) => mcpgw.includes(secret)).length,
    mcpgwReplacements: count(mcpgw, REPLACEMENT) - count(payload.body, REPLACEMENT),
    mcpgwAsExpected: mcpgw === payload.redacted,
    mcpgwBodyBytes: Buffer.byteLength(mcpgw),
  };
  checks[mib] = check;
  const fail = (what) => failures.push(`${mib} MiB: ${what}`);
  for (const subject of SUBJECTS) {
    if (answers[subject].status !== 200 || !answers[subject].type?.startsWith('text/event-stream')) fail(`${subject} answered ${answers[subject].status} ${answers[subject].type}`);
  }
  if (!check.rawUnchanged) fail('the raw pipe changed the upstream body');
  if (!check.hpmUnchanged) fail('bare http-proxy-middleware changed the upstream body');
  if (check.mcpgwSecretsLeft > 0) fail(`${check.mcpgwSecretsLeft} secrets got through mcpgw`);
  if (check.mcpgwReplacements !== payload.secrets) fail(`mcpgw made ${check.mcpgwReplacements} replacements for ${payload.secrets} secrets`);
  if (!check.mcpgwAsExpected) {
    let at = 0;
    while (at < mcpgw.length && mcpgw[at] === payload.redacted[at]) at++;
    fail(`mcpgw's answer differs from the expected one from character ${at}: ${JSON.stringify(mcpgw.slice(Math.max(0, at - 40), at + 80))}`);
  }
}
for (const failure of failures) console.error(`CHECK FAILED: ${failure}`);
if (failures.length > 0) process.exit(1);

// ------------------------------------------------------------- throughput

// Warm-up: JIT, RE2 automata, keep-alive pools, the upstream's cached bodies.
for (const mib of SIZES) {
  for (const subject of SUBJECTS) await load({ url: urls[subject], body: requestFor(mib), stream: true, iterations: Math.max(2, Math.round(iterationsFor(mib) / 4)) });
}

const runs = Object.fromEntries(SIZES.map((mib) => [mib, Object.fromEntries(SUBJECTS.map((subject) => [subject, []]))]));
let rounds = 0;
while (rounds < ROUNDS) {
  if (rounds > 0 && (performance.now() - started) / 1000 > MAX_SECONDS) break;
  // Rotate the order each round so that no subject always runs first or last.
  const order = SUBJECTS.map((_, i) => SUBJECTS[(i + rounds) % SUBJECTS.length]);
  for (const mib of SIZES) {
    for (const subject of order) {
      const result = await load({ url: urls[subject], body: requestFor(mib), stream: true, iterations: iterationsFor(mib) });
      if (Object.keys(result.statuses).some((status) => status !== '200')) throw new Error(`${subject}: non-200 answers ${JSON.stringify(result.statuses)}`);
      runs[mib][subject].push(result);
    }
  }
  rounds++;
}

const summary = {};
for (const mib of SIZES) {
  summary[mib] = {};
  for (const subject of SUBJECTS) {
    const latencies = Float64Array.from(runs[mib][subject].flatMap((run) => run.latencies)).sort();
    const bytes = runs[mib][subject][0].bytes;
    const p50Ms = percentile(latencies, 50) / 1000;
    summary[mib][subject] = {
      responses: latencies.length,
      bytes_received: bytes,
      ttlb_p50_ms: round(p50Ms),
      ttlb_p90_ms: round(percentile(latencies, 90) / 1000),
      ttlb_min_ms: round(latencies[0] / 1000),
      mb_per_s: round(bytes / 1e3 / p50Ms),
      // Each round's own p50 as MB/s: the spread between rounds.
      mb_per_s_by_round: runs[mib][subject].map((run) => round(bytes / run.p50)),
    };
  }
  summary[mib].ratios = {
    // mcpgw's time to last byte over the bare proxy's (p50s): the goal is at most 2.
    ttlb_mcpgw_over_hpm: round(summary[mib].mcpgw.ttlb_p50_ms / summary[mib].hpm.ttlb_p50_ms),
    ...(BASELINE === undefined ? {} : { ttlb_baseline_over_hpm: round(summary[mib].baseline.ttlb_p50_ms / summary[mib].hpm.ttlb_p50_ms) }),
    mbps_mcpgw_vs_hpm: round(summary[mib].mcpgw.mb_per_s / summary[mib].hpm.mb_per_s),
    mbps_mcpgw_vs_raw: round(summary[mib].mcpgw.mb_per_s / summary[mib].raw.mb_per_s),
    mbps_hpm_vs_raw: round(summary[mib].hpm.mb_per_s / summary[mib].raw.mb_per_s),
    // The same, round by round (each pair measured minutes apart at most).
    mbps_mcpgw_vs_hpm_by_round: runs[mib].mcpgw.map((run, i) => round(runs[mib].hpm[i].p50 / run.p50 * (summary[mib].mcpgw.bytes_received / summary[mib].hpm.bytes_received))),
  };
}
const rss = Object.fromEntries(SUBJECTS.map((subject) => [subject, rssMiB(pids[subject])]));
const machineAfter = machineFacts();

const f = (n, digits = 1) => n.toFixed(digits);
console.log(`\nSSE answers with secrets, ~${EVENT_BYTES}-byte notification events then one large tools/call result; ${rounds} round(s), time to last byte (p50 of every response)`);
console.log('| SSE body | events (secrets) | server | responses | p50 ms | p90 ms | MB/s | / bare hpm | RSS after MiB |');
console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const mib of SIZES) {
  const check = checks[mib];
  for (const subject of SUBJECTS) {
    const s = summary[mib][subject];
    const first = subject === SUBJECTS[0];
    const events = first ? `${check.notifications + 1} (${check.secretsSent})` : '';
    console.log(`| ${first ? `${mib} MiB` : ''} | ${events} | ${LABELS[subject]} | ${s.responses} | ${f(s.ttlb_p50_ms, 2)} | ${f(s.ttlb_p90_ms, 2)} | ${f(s.mb_per_s)} | ${f(s.mb_per_s / summary[mib].hpm.mb_per_s, 2)}x | ${rss[subject]} |`);
  }
}
for (const mib of SIZES) {
  const r = summary[mib].ratios;
  const baseline = BASELINE === undefined ? '' : ` (--baseline: ${f(r.ttlb_baseline_over_hpm, 2)}x)`;
  console.log(`\n${mib} MiB: mcpgw takes ${f(r.ttlb_mcpgw_over_hpm, 2)}x the bare proxy's time to last byte${baseline}; goal: at most 2x`);
  console.log(`  throughput mcpgw / bare hpm ${f(r.mbps_mcpgw_vs_hpm, 2)}x (by round: ${r.mbps_mcpgw_vs_hpm_by_round.map((x) => f(x, 2)).join(', ')}); bare hpm / raw pipe ${f(r.mbps_hpm_vs_raw, 2)}x`);
  console.log(`  checked: ${checks[mib].secretsSent} secrets sent, ${checks[mib].mcpgwReplacements} replaced by mcpgw, ${checks[mib].mcpgwSecretsLeft} left; answer as expected byte for byte`);
}
console.log(`\nload average before ${machineBefore.loadAverage.join(' ')}, after ${machineAfter.loadAverage.join(' ')}; ${f((performance.now() - started) / 1000)} s`);

mkdirSync(here('./results'), { recursive: true });
writeFileSync(
  here('./results/sse.json'),
  `${JSON.stringify(
    {
      benchmark: 'sse',
      when: new Date().toISOString(),
      machine: machineBefore,
      loadAverageAfter: machineAfter.loadAverage,
      options: { QUICK, SIZES_MIB: SIZES, EVENT_BYTES, ROUNDS, rounds_run: rounds, MIB_PER_RUN, MAX_SECONDS },
      notes: ['MB/s counts 10^6 bytes received per second (HTTP head and chunk framing included), from the p50 time to last byte of one response at a time.'],
      checks,
      summary,
      rss_after_mib: rss,
      raw: Object.fromEntries(SIZES.map((mib) => [mib, Object.fromEntries(SUBJECTS.map((subject) => [subject, runs[mib][subject].map(({ latencies, ...rest }) => ({ ...rest, latencies_us: latencies.map((us) => Math.round(us)) }))]))])),
    },
    null,
    2,
  )}\n`,
);
process.exit(0);
