// Reload benchmark: latency of small tools/call requests through the mcpgw
// daemon while its 1,000-rule policy is reloaded (file rewritten + SIGHUP)
// every 100 ms, against the same load with no reloads, in the same run.
// The daemon, the upstream and the load generator each run in their own
// process; this script only writes the file and sends the signals.
//
//   node bench/reload.mjs [--duration-ms 5000] [--rounds 3] [--interval-ms 100]
//
// Two kinds of reload: an edit (3 of the 1,000 rules changed, as an operator
// changes a policy) and a rewrite (every rule renamed, nothing reusable);
// every file written differs from the one before.
// Prints a table; writes bench/results/reload.json. MCPGW_BENCH_DAEMON_FLAGS adds
// node flags to the daemon (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { load } from './http/processes.mjs';
import { policyYaml } from './lib/policy-gen.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const { values } = parseArgs({
  options: {
    'duration-ms': { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    'interval-ms': { type: 'string', default: '100' },
    connections: { type: 'string', default: '8' },
  },
});
const DURATION_MS = Number(values['duration-ms']);
const ROUNDS = Number(values.rounds);
const INTERVAL_MS = Number(values['interval-ms']);
const CONNECTIONS = Number(values.connections);

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
// Every reload writes a file that differs from the one before (no two the same, so nothing
// can be served from a cache of earlier files):
const variants = {
  // an operator's edit: three of the 1,000 rules change (renamed: recompiled), the other 997 do not;
  edit: (n) =>
    withHead(
      base
        .replace('name: deny-exact-', `name: edit${n}-deny-exact-`)
        .replace('name: deny-regex-', `name: edit${n}-deny-regex-`)
        .replace('name: redact-tool-', `name: edit${n}-redact-tool-`),
    ),
  // a rewrite: every rule renamed, nothing of the previous policy reusable.
  rewrite: (n) => withHead(base.replace(/^ {4}- name: /gm, `    - name: r${n}-`)),
};
writeFileSync(configPath, variants.edit(0));
const daemon = start([...(process.env.MCPGW_BENCH_DAEMON_FLAGS ?? '').split(' ').filter(Boolean), here('../packages/cli/bin/mcpgw.js'), 'serve', '--config', configPath, '--no-watch'], (event) =>
  String(event.msg).startsWith('mcpgw listening on ') ? `http://${event.listen}/mcp` : null,
);
const url = await daemon.ready;
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'weather_lookup', arguments: { city: 'Oslo' } } });

/** Rewrites the config and sends SIGHUP every INTERVAL_MS while `running`; returns how many were sent. */
let written = 0;
function reloader(kind) {
  let sent = 0;
  let stop = false;
  const done = (async () => {
    while (!stop) {
      // Written aside and renamed over the config, as a deploy tool does: never read half-written.
      writeFileSync(`${configPath}.next`, variants[kind](++written));
      renameSync(`${configPath}.next`, configPath);
      daemon.child.kill('SIGHUP');
      sent++;
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    }
    return sent;
  })();
  return { stop: () => ((stop = true), done) };
}

await load({ url, body, connections: CONNECTIONS, durationMs: 2000 }); // warm-up
const phases = { none: [], edit: [], rewrite: [] };
const reloads = { edit: { sent: 0, ok: 0 }, rewrite: { sent: 0, ok: 0 } };
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of ['none', 'edit', 'rewrite']) {
    const okBefore = daemon.lines.filter((event) => String(event.msg).startsWith('policy reload: ok')).length;
    const reloading = kind === 'none' ? null : reloader(kind);
    const result = await load({ url, body, connections: CONNECTIONS, durationMs: DURATION_MS });
    if (reloading !== null) {
      reloads[kind].sent += await reloading.stop();
      await new Promise((resolve) => setTimeout(resolve, 1000)); // let the last reloads finish
      reloads[kind].ok += daemon.lines.filter((event) => String(event.msg).startsWith('policy reload: ok')).length - okBefore;
    }
    if (Object.keys(result.statuses).some((status) => status !== '200')) throw new Error(`${kind}: non-200 answers ${JSON.stringify(result.statuses)}`);
    phases[kind].push(result);
  }
}
const rejected = daemon.lines.filter((event) => String(event.msg).startsWith('policy reload: rejected'));
if (rejected.length > 0) throw new Error(`reloads rejected: ${String(rejected[0].msg).slice(0, 300)}`);

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const summary = Object.fromEntries(
  Object.entries(phases).map(([kind, results]) => [kind, { rps: median(results.map((r) => r.rps)), p50_us: median(results.map((r) => r.p50)), p99_us: median(results.map((r) => r.p99)) }]),
);
const ratios = {
  p99_edit_vs_none: summary.edit.p99_us / summary.none.p99_us,
  p99_rewrite_vs_none: summary.rewrite.p99_us / summary.none.p99_us,
};
const f = (n, digits = 0) => n.toFixed(digits);
console.log(`\n1,000-rule policy, reload every ${INTERVAL_MS} ms, ${CONNECTIONS} connections, ${DURATION_MS} ms x ${ROUNDS} rounds (medians)`);
console.log('| reloads | req/s | p50 µs | p99 µs | p99 / no reloads | reloads sent / applied |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const kind of ['none', 'edit', 'rewrite']) {
  const s = summary[kind];
  const counts = kind === 'none' ? '-' : `${reloads[kind].sent} / ${reloads[kind].ok}`;
  console.log(`| ${kind} | ${f(s.rps)} | ${f(s.p50_us)} | ${f(s.p99_us)} | ${f(s.p99_us / summary.none.p99_us, 2)}x | ${counts} |`);
}
console.log(`\np99 while reloading an edited policy / no reloads: ${f(ratios.p99_edit_vs_none, 2)}x (target <= 2x)`);

mkdirSync(here('./results'), { recursive: true });
writeFileSync(
  here('./results/reload.json'),
  `${JSON.stringify({ when: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cpus: os.cpus().length, load: os.loadavg(), options: { DURATION_MS, ROUNDS, INTERVAL_MS, CONNECTIONS }, summary, ratios, reloads, raw: phases }, null, 2)}\n`,
);
// Stop the daemon with SIGTERM, so that it exits on its own (and writes a --cpu-prof profile).
daemon.child.kill('SIGTERM');
await Promise.race([new Promise((resolve) => daemon.child.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 10_000))]);
process.exit(0);
