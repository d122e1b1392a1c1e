// The processes of the HTTP benchmarks (bench/http.mjs, bench/sse.mjs,
// bench/reload.mjs): the upstream, the servers under test, the mcpgw daemon
// and the load generator, each a Node process of its own. Every process
// started here is killed when the benchmark exits.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BENCH_POLICY_RULES } from './policy.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

const children = [];
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));

/** Runs a script of bench/http/ that prints {"url":...} once listening; resolves with { url, pid }. */
function startListening(script, args) {
  const child = spawn(process.execPath, [here(script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve({ url: JSON.parse(line).url, pid: child.pid }));
    child.once('exit', (code) => reject(new Error(`${script} ${args.join(' ')} exited with ${code}`)));
  });
}

/** The benchmark upstream (bench/http/upstream.mjs). */
export const startUpstream = () => startListening('./upstream.mjs', []);

/**
 * A server under test in front of `upstream`: kind mcpgw, hpm or raw
 * (bench/http/server.mjs, or a copy of it at the absolute path `script`).
 */
export const startServer = (kind, upstream, script = './server.mjs') => startListening(script, [kind, upstream]);

/** An OTLP/HTTP collector stand-in (bench/http/collector.mjs): `ok` answers at once, `hang` never does. */
export const startCollector = (mode) => startListening('./collector.mjs', [mode]);

/**
 * The mcpgw daemon on the benchmark policy, with an audit log in a temporary
 * directory; resolves with { url, pid }. `extra`: more of its config, as
 * YAML; `bin`: another checkout's `bin/mcpgw.js` instead of this one's.
 */
export function startDaemon(upstream, { extra = '', bin = here('../../packages/cli/bin/mcpgw.js') } = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), 'mcpgw-bench-'));
  const config = join(dir, 'mcpgw.yaml');
  writeFileSync(config, `listen: "127.0.0.1:0"\nupstreams:\n  - name: bench\n    url: ${upstream}\ndefault_upstream: bench\n${BENCH_POLICY_RULES}audit:\n  path: ${join(dir, 'audit.jsonl')}\n  max_size_mb: 50\n  compress_rotated: true\n${extra}`);
  const child = spawn(process.execPath, [bin, 'serve', '--config', config, '--no-watch'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line);
      if (String(event.msg).startsWith('mcpgw listening on ')) resolve({ url: `http://${event.listen}/mcp`, pid: child.pid });
    });
    child.once('exit', (code) => reject(new Error(`mcpgw serve exited with ${code}`)));
  });
}

/** Resident set size of a process, in MiB (Linux). */
export function rssMiB(pid) {
  try {
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Math.round(kb / 102.4) / 10;
  } catch {
    return null;
  }
}

/**
 * CPU time a process has used so far (user + system, every thread), in ms
 * (Linux, from /proc; 10 ms resolution). Null when it cannot be read.
 */
export function cpuMs(pid) {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

// USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK).
const CLOCK_TICKS = 100;

/** One run of the load generator (bench/http/loadgen.mjs) in a process of its own; resolves with what it reports. */
export function load(options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [here('./loadgen.mjs'), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`loadgen exited with ${code}`))));
  });
}

/**
 * Loads each subject ({ name: { url, pid } }) in turn with `body` on 8
 * keep-alive connections: a warm-up of each, then `rounds` rounds of
 * `durationMs`, the order rotated each round. Resolves with each subject's
 * medians, { name: { rps, cpuUs } } (CPU µs per request, from /proc). Throws
 * on any answer but 200.
 */
export async function medianRounds(subjects, { body, rounds, durationMs, warmupMs = 1500 }) {
  const names = Object.keys(subjects);
  const run = async (name, ms) => {
    const before = cpuMs(subjects[name].pid);
    const result = await load({ url: subjects[name].url, body, connections: 8, durationMs: ms });
    const after = cpuMs(subjects[name].pid);
    if (Object.keys(result.statuses).some((status) => status !== '200')) throw new Error(`${name}: non-200 answers ${JSON.stringify(result.statuses)}`);
    return { rps: result.rps, cpuUs: ((after - before) * 1000) / result.requests };
  };
  for (const name of names) await run(name, warmupMs);
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of names.map((_, i) => names[(i + round) % names.length])) runs[name].push(await run(name, durationMs));
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  return Object.fromEntries(names.map((name) => [name, { rps: median(runs[name].map((r) => r.rps)), cpuUs: median(runs[name].map((r) => r.cpuUs)) }]));
}
