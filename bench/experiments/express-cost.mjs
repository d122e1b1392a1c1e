// Experiment: what an Express app costs per request, apart from anything
// mcpgw does. The same trivial handler (read the body, answer 37 bytes of
// JSON) on a node:http server, as the only middleware of an Express app, and
// on a node:http server that only re-prototypes each request and response as
// Express does; each in its own process, loaded in turn by the load generator of
// bench/http.mjs. Reports req/s and CPU time per request (from /proc),
// medians over rounds. It is why the mcpgw daemon serves the gateway from
// node:http and not from an Express app.
//
//   node bench/experiments/express-cost.mjs [--rounds 5] [--duration-ms 2000]

import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { medianRounds, startServer } from '../http/processes.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, 'duration-ms': { type: 'string', default: '2000' } } });
const ROUNDS = Number(values.rounds);
const DURATION_MS = Number(values['duration-ms']);
const script = fileURLToPath(new URL('./express-cost-server.mjs', import.meta.url));

// startServer passes (kind, upstream) to the script; these servers have no upstream.
const subjects = { 'node:http': await startServer('node', '-', script), 'Express app': await startServer('express', '-', script), 'node:http, re-prototyped as Express does': await startServer('proto', '-', script) };
const names = Object.keys(subjects);
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hello, small request' } } });
const medians = await medianRounds(subjects, { body, rounds: ROUNDS, durationMs: DURATION_MS, warmupMs: 1000 });
const rps = (name) => medians[name].rps;
const cpu = (name) => medians[name].cpuUs;
console.log(`\na trivial handler, 8 keep-alive connections, ${DURATION_MS} ms x ${ROUNDS} rounds (medians); load ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
console.log('| server | req/s | CPU µs per request |');
console.log('| --- | ---: | ---: |');
for (const name of names) console.log(`| ${name} | ${rps(name).toFixed(0)} | ${cpu(name).toFixed(1)} |`);
console.log(`\nExpress adds ${(cpu(names[1]) - cpu(names[0])).toFixed(1)} µs of CPU per request; re-prototyping alone ${(cpu(names[2]) - cpu(names[0])).toFixed(1)} µs`);
process.exit(0);
