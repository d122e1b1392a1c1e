// Experiment: what http-proxy-middleware costs the gateway per request.
// Runs, in the same run and each in its own process, mcpGateway as built
// (forwarding through http-proxy-middleware, as SPEC §1 says), the same
// gateway with its upstream-proxy module replaced by a direct node:http
// forward (./direct-upstream-proxy.js, in a copy of the built packages under
// a temporary directory), and the bare http-proxy-middleware passthrough;
// small tools/call requests as in bench/http.mjs. Reports req/s and CPU time
// per request (from /proc) of each, medians over rounds.
//
//   npm run build && node bench/experiments/direct-forward.mjs [--rounds 8] [--duration-ms 2500]

import { cpSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { medianRounds, startServer, startUpstream } from '../http/processes.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '8' }, 'duration-ms': { type: 'string', default: '2500' } } });
const ROUNDS = Number(values.rounds);
const DURATION_MS = Number(values['duration-ms']);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** A copy of the built packages and the bench servers, resolving @mcpgw/* to the copy and everything else to the repository's node_modules. */
function experimentTree() {
  const dir = mkdtempSync(join(os.tmpdir(), 'mcpgw-direct-'));
  for (const pkg of ['core', 'express-adapter']) {
    cpSync(join(root, 'packages', pkg, 'dist'), join(dir, 'packages', pkg, 'dist'), { recursive: true });
    cpSync(join(root, 'packages', pkg, 'package.json'), join(dir, 'packages', pkg, 'package.json'));
  }
  cpSync(new URL('./direct-upstream-proxy.js', import.meta.url), join(dir, 'packages/express-adapter/dist/upstream-proxy.js'));
  cpSync(join(root, 'bench/http'), join(dir, 'bench/http'), { recursive: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'node_modules/@mcpgw'), { recursive: true });
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name !== '@mcpgw') symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name));
  }
  symlinkSync(join(dir, 'packages/core'), join(dir, 'node_modules/@mcpgw/core'));
  symlinkSync(join(dir, 'packages/express-adapter'), join(dir, 'node_modules/@mcpgw/express'));
  return dir;
}

const tree = experimentTree();
const { url: upstream } = await startUpstream();
const subjects = {
  'mcpgw, forwarding through http-proxy-middleware (shipped)': await startServer('mcpgw', upstream),
  'mcpgw, forwarding with node:http (experiment)': await startServer('mcpgw', upstream, join(tree, 'bench/http/server.mjs')),
  'bare http-proxy-middleware': await startServer('hpm', upstream),
};
const names = Object.keys(subjects);
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hello, small request' } } });
const medians = await medianRounds(subjects, { body, rounds: ROUNDS, durationMs: DURATION_MS });
const bare = names[2];
const rps = (name) => medians[name].rps;
const cpu = (name) => medians[name].cpuUs;
console.log(`\nsmall tools/call, 8 keep-alive connections, ${DURATION_MS} ms x ${ROUNDS} rounds (medians); load ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
console.log('| server | req/s | / bare hpm | CPU µs per request | / bare hpm |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const name of names) {
  console.log(`| ${name} | ${rps(name).toFixed(0)} | ${(rps(name) / rps(bare)).toFixed(2)}x | ${cpu(name).toFixed(0)} | ${(cpu(name) / cpu(bare)).toFixed(2)}x |`);
}
process.exit(0);
