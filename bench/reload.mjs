// Reload benchmark: latency of small tools/call requests through the mcpgw
// daemon while an operator edits its 1,000-rule policy (three rules changed,
// file rewritten + SIGHUP) once a second, against the same load with no
// reloads, in the same run. The daemon, the upstream and the load generator
// each run in their own process; this script only writes the file and sends
// the signals.
//
//   node bench/reload.mjs [--duration-ms 10000] [--rounds 3] [--interval-ms 1000] [--kind edit|patterns|rewrite]
//
// Each round loads the daemon twice, once with reloads and once without, the
// order alternating between rounds. Every file written differs from the one
// before. `--kind patterns` changes one pattern in each of three rules (their
// RE2 sets are built anew); `--kind rewrite` renames every rule.
// Target: p99 with reloads <= 1.5x p99 without. Prints a table; writes
// bench/results/reload.json. MCPGW_BENCH_DAEMON_FLAGS adds node flags to the
// daemon (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { load } from './http/processes.mjs';
import { policyYaml } from './lib/policy-gen.mjs';

const TARGET = 1.5;
const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const { values } = parseArgs({
  options: {
    'duration-ms': { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    'interval-ms': { type: 'string', default: '1000' },
    connections: { type: 'string', default: '8' },
    kind: { type: 'string', default: 'edit' },
  },
});
const DURATION_MS = Number(values['duration-ms']);
const ROUNDS = Number(values.rounds);
const INTERVAL_MS = Number(values['interval-ms']);
const CONNECTIONS = Number(values.connections);
const KIND = values.kind;

const children = [];
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));

function start(args, isReady) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines = [];
  const ready = new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        return;
      }
      lines.push(event);
      const url = isReady(event);
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
  return { child, lines, ready };
}

const upstream = start([here('./http/upstream.mjs')], (event) => event.event === 'listening' && event.url);
const upstreamUrl = await upstream.ready;

const dir = mkdtempSync(join(os.tmpdir(), 'mcpgw-reload-bench-'));
const configPath = join(dir, 'mcpgw.yaml');
const base = policyYaml(1000).replace(/http:\/\/127\.0\.0\.1:300\d\/mcp/g, upstreamUrl);
const withHead = (policy) => `listen: "127.0.0.1:0"\n${policy}audit:\n  path: ${join(dir, 'audit.jsonl')}\n  max_size_mb: 50\n  compress_rotated: true\n`;
const variants = {
  // an operator's edit: three of the 1,000 rules change (renamed: compiled anew), the other 997 do not;
  edit: (n) =>
    withHead(
      base
        .replace('name: deny-exact-', `name: edit${n}-deny-exact-`)
        .replace('name: deny-regex-', `name: edit${n}-deny-regex-`)
        .replace('name: redact-scoped-', `name: edit${n}-redact-scoped-`),
    ),
  // an edit of patterns: one pattern changed in each of three rules (a redact pattern, a tool
  // pattern, an argument pattern), so that the sets and the redactor chunk they are in are built anew;
  patterns: (n) => {
    let seen = 0;
    return withHead(base.replace(/((?:- |tool: |path: )"(?:[^"\\]|\\.)*?)"/g, (all, head) => (++seen === 7 || seen === 500 || seen === 1000 ? `${head}(?:~${n}~)?"` : all)));
  },
  // a rewrite: every rule renamed.
  rewrite: (n) => withHead(base.replace(/^ {4}- name: /gm, `    - name: r${n}-`)),
};
if (!(KIND in variants)) throw new Error(`--kind must be one of ${Object.keys(variants).join(', ')}`);
writeFileSync(configPath, variants[KIND](0));
const daemon = start([...(process.env.MCPGW_BENCH_DAEMON_FLAGS ?? '').split(' ').filter(Boolean), here('../packages/cli/bin/mcpgw.js'), 'serve', '--config', configPath, '--no-watch'], (event) =>
  String(event.msg).startsWith('mcpgw listening on ') ? `http://${event.listen}/mcp` : null,
);
const url = await daemon.ready;
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'weather_lookup', arguments: { city: 'Oslo' } } });
const reloadsOk = () => daemon.lines.filter((event) => String(event.msg).startsWith('policy reload: ok')).length;

/** Rewrites the config and sends SIGHUP every INTERVAL_MS until stopped; resolves with how many were sent. */
let written = 0;
function reloader() {
  let stop = false;
  let wake = () => {};
  const done = (async () => {
    let sent = 0;
    while (!stop) {
      // Written aside and renamed over the config, as a deploy tool does: never read half-written.
      writeFileSync(`${configPath}.next`, variants[KIND](++written));
      renameSync(`${configPath}.next`, configPath);
      daemon.child.kill('SIGHUP');
      sent++;
      await new Promise((resolve) => {
        wake = resolve;
        setTimeout(resolve, INTERVAL_MS);
      });
    }
    return sent;
  })();
  return {
    stop: () => {
      stop = true;
      wake();
      return done;
    },
  };
}

/** One phase of load, with reloads or without; throws on any answer but 200. */
async function phase(withReloads) {
  const okBefore = reloadsOk();
  const reloading = withReloads ? reloader() : null;
  const result = await load({ url, body, connections: CONNECTIONS, durationMs: DURATION_MS });
  let sent = 0;
  if (reloading !== null) {
    sent = await reloading.stop();
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let the last reload finish
  }
  if (Object.keys(result.statuses).some((status) => status !== '200')) throw new Error(`non-200 answers ${JSON.stringify(result.statuses)}`);
  return { ...result, sent, applied: reloadsOk() - okBefore };
}

await load({ url, body, connections: CONNECTIONS, durationMs: 2000 }); // warm-up
const phases = { none: [], reload: [] };
for (let round = 0; round < ROUNDS; round++) {
  // Alternated, so that a drift of the machine's load falls on both alike.
  for (const withReloads of round % 2 === 0 ? [false, true] : [true, false]) phases[withReloads ? 'reload' : 'none'].push(await phase(withReloads));
}
const rejected = daemon.lines.filter((event) => String(event.msg).startsWith('policy reload: rejected'));
if (rejected.length > 0) throw new Error(`reloads rejected: ${String(rejected[0].msg).slice(0, 300)}`);

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const summarize = (results) => ({ rps: median(results.map((r) => r.rps)), p50_us: median(results.map((r) => r.p50)), p99_us: median(results.map((r) => r.p99)) });
const summary = { none: summarize(phases.none), reload: summarize(phases.reload) };
const roundRatios = phases.reload.map((r, i) => r.p99 / phases.none[i].p99);
const ratio = summary.reload.p99_us / summary.none.p99_us;
const reloads = { sent: phases.reload.reduce((n, r) => n + r.sent, 0), applied: phases.reload.reduce((n, r) => n + r.applied, 0) };

const f = (n, digits = 0) => n.toFixed(digits);
const what = { edit: '3 rules renamed', patterns: 'a pattern changed in 3 rules', rewrite: 'every rule renamed' }[KIND];
console.log(`\n1,000-rule policy, ${what} and reloaded every ${INTERVAL_MS} ms, ${CONNECTIONS} connections, ${DURATION_MS} ms x ${ROUNDS} rounds (medians)`);
console.log('| reloads | req/s | p50 µs | p99 µs | p99 / no reloads | reloads sent / applied |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const kind of ['none', 'reload']) {
  const s = summary[kind];
  const counts = kind === 'none' ? '-' : `${reloads.sent} / ${reloads.applied}`;
  console.log(`| ${kind} | ${f(s.rps)} | ${f(s.p50_us)} | ${f(s.p99_us)} | ${f(s.p99_us / summary.none.p99_us, 2)}x | ${counts} |`);
}
console.log(`\np99 with reloads / no reloads: ${f(ratio, 2)}x (rounds: ${roundRatios.map((r) => `${f(r, 2)}x`).join(', ')}; target <= ${TARGET}x)`);

mkdirSync(here('./results'), { recursive: true });
writeFileSync(
  here('./results/reload.json'),
  `${JSON.stringify({ when: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cpus: os.cpus().length, load: os.loadavg(), options: { DURATION_MS, ROUNDS, INTERVAL_MS, CONNECTIONS, KIND }, target: TARGET, summary, ratio, roundRatios, reloads, raw: phases }, null, 2)}\n`,
);
// Stop the daemon with SIGTERM, so that it exits on its own (and writes a --cpu-prof profile).
daemon.child.kill('SIGTERM');
await Promise.race([new Promise((resolve) => daemon.child.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 10_000))]);
process.exit(0);
