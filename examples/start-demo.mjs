#!/usr/bin/env node
// `npm start`: the demo upstream MCP server behind the mcpgw daemon, ready for
// the MCP Inspector or any Streamable HTTP client.
//
//   npm start                          # gateway :8080, upstream :3001, policy examples/mcpgw.yaml
//   PORT=9000 UPSTREAM_PORT=4001 npm start
//
// A port that is taken stops the demo before anything starts, with one line
// on stderr naming the port and a free one to use instead.
//
// With other ports than the defaults, the daemon serves a copy of
// examples/mcpgw.yaml with those ports, .mcpgw-demo/PORT-UPSTREAM_PORT/mcpgw.yaml
// (written afresh at each start), and writes its audit log beside it; the
// banner prints both paths.
//
// Ctrl-C (SIGINT), SIGTERM or SIGHUP stops both: the children run in their own
// process group, so a terminal's Ctrl-C reaches only this script, which sends
// one SIGTERM to the daemon, waits for it to drain in-flight requests and exit,
// and only then stops the upstream (which answers those requests). Limit: if
// this script is killed with SIGKILL, nothing runs to stop the children; they
// keep running until killed by PID (`kill "$(pidof mcpgw)"`).

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const GATEWAY_PORT = process.env.PORT ?? '8080';
const UPSTREAM_PORT = process.env.UPSTREAM_PORT ?? '3001';
const MCPGW = here('../packages/cli/bin/mcpgw.js');

/** @type {{ upstream: import('node:child_process').ChildProcess | null, gateway: import('node:child_process').ChildProcess | null }} */
const children = { upstream: null, gateway: null };
let stopping = false;

function watchExit(name, child) {
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[${name}] exited unexpectedly (${signal ?? `code ${code}`}); stopping the demo`);
    stop(1);
  });
}

function alive(child) {
  return child !== null && child.exitCode === null && child.signalCode === null;
}

/** Starts the demo upstream; resolves with its `listening` URL. */
function startUpstream() {
  // detached: its own process group, so a terminal's Ctrl-C does not reach it.
  const child = spawn(process.execPath, [here('./demo-upstream/server.mjs'), '--port', UPSTREAM_PORT], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  children.upstream = child;
  watchExit('upstream', child);
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve) => {
    lines.on('line', (line) => {
      console.log(`[upstream] ${line}`);
      try {
        const event = JSON.parse(line);
        if (event.event === 'listening') resolve(event.url);
      } catch {
        // not a JSON line: shown above, nothing to read from it
      }
    });
  });
}

/** The config the daemon serves and its audit log: examples/mcpgw.yaml, or a copy with the requested ports. */
function demoFiles() {
  const original = here('./mcpgw.yaml');
  if (GATEWAY_PORT === '8080' && UPSTREAM_PORT === '3001') return { config: original, audit: here('../.mcpgw-demo/audit.jsonl') };
  // One folder per pair of ports, reused: the audit log of a run is still
  // there after it, and runs on other ports keep theirs apart.
  const dir = here(`../.mcpgw-demo/${GATEWAY_PORT}-${UPSTREAM_PORT}/`);
  mkdirSync(dir, { recursive: true });
  let text = readFileSync(original, 'utf8');
  for (const [from, to] of [
    ['listen: "127.0.0.1:8080"', `listen: "127.0.0.1:${GATEWAY_PORT}"`],
    ['http://127.0.0.1:3001/mcp', `http://127.0.0.1:${UPSTREAM_PORT}/mcp`],
    ['path: ../.mcpgw-demo/audit.jsonl', 'path: audit.jsonl'],
  ]) {
    // examples/mcpgw.yaml was edited: a copy with port 8080 left in it would serve the wrong port.
    if (!text.includes(from)) throw new Error(`examples/mcpgw.yaml no longer has ${from}; cannot serve it on other ports`);
    text = text.replace(from, to);
  }
  writeFileSync(join(dir, 'mcpgw.yaml'), text);
  return { config: join(dir, 'mcpgw.yaml'), audit: join(dir, 'audit.jsonl') };
}

/** Starts `mcpgw serve` with its own log output (pretty on a terminal); resolves once /healthz answers. */
async function startGateway(config) {
  // detached: its own process group, so a terminal's Ctrl-C reaches only this
  // script, which sends one SIGTERM (a second signal would cut the drain short).
  const child = spawn(process.execPath, [MCPGW, 'serve', '--config', config], { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  children.gateway = child;
  watchExit('mcpgw', child);
  const health = `http://127.0.0.1:${GATEWAY_PORT}/healthz`;
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(health)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`mcpgw did not answer ${health}`);
}

/** Stops the gateway (it drains), then the upstream, then exits with `exitCode`. */
async function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  // A child that does not stop in time is not kept waiting for (mcpgw drains for up to 30 s).
  setTimeout(() => {
    killChildren();
    process.exit(exitCode || 1);
  }, 35_000).unref();
  // One at a time: requests in flight through the gateway need the upstream until they are answered.
  let code = exitCode;
  for (const child of [children.gateway, children.upstream]) {
    if (!alive(child)) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const childCode = await exited;
    if (child === children.gateway && childCode !== 0 && code === 0) code = 1;
  }
  process.exit(code);
}

/** Kills whatever child still runs; synchronous, for the process's `exit` event. */
function killChildren() {
  for (const child of [children.gateway, children.upstream]) if (alive(child)) child.kill('SIGKILL');
}

/** Stops the demo with one line on stderr and exit code 1 (nothing else started). */
function fail(message) {
  console.error(`mcpgw demo: ${message}`);
  process.exit(1);
}

/** Resolves with null when `port` can be listened on at 127.0.0.1, else with why not (`EADDRINUSE`, `EACCES`). */
function probe(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error) => resolve(error.code ?? error.message));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(null)));
  });
}

/** Both ports are numbers, differ, and are free; otherwise one line saying which and how to pick another. */
async function checkPorts() {
  const ports = [
    { name: 'PORT', value: GATEWAY_PORT, role: 'the gateway' },
    { name: 'UPSTREAM_PORT', value: UPSTREAM_PORT, role: 'the demo upstream' },
  ];
  for (const { name, value } of ports) {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) fail(`${name}=${value} is not a port number (1-65535)`);
  }
  if (GATEWAY_PORT === UPSTREAM_PORT) fail(`PORT and UPSTREAM_PORT are both ${GATEWAY_PORT}; the gateway and the demo upstream need a port each`);
  for (const port of ports) {
    const problem = await probe(Number(port.value));
    if (problem === null) continue;
    const why = problem === 'EADDRINUSE' ? 'is already in use' : problem === 'EACCES' ? 'needs privileges' : `cannot be used (${problem})`;
    const free = await freePortAfter(Number(port.value), ports.map((p) => Number(p.value)));
    const chosen = ports.map((p) => `${p.name}=${p === port ? free : p.value}`).join(' ');
    fail(`port ${port.value} (${port.name}, ${port.role}) ${why}; pick another: ${chosen} npm start`);
  }
}

/** The first free port above `port` (that the demo does not use already), to suggest. */
async function freePortAfter(port, used) {
  for (let candidate = Math.max(port, 1023) + 1; candidate < 65536; candidate++) {
    if (!used.includes(candidate) && (await probe(candidate)) === null) return candidate;
  }
  return 0;
}

// `on`, not `once`: Ctrl-C under npm arrives twice (from the terminal and
// forwarded by npm); the default action of the second would kill this script
// and leave the children running.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop(0));
// Every other way out (process.exit, an uncaught error) takes the children along.
process.on('exit', killChildren);

/** Checks the ports, starts the upstream and the gateway, and says where to connect. */
async function run() {
  await checkPorts();
  const upstreamUrl = await startUpstream();
  if (stopping) return;
  const { config, audit } = demoFiles();
  await startGateway(config);
  if (stopping) return;
  const gatewayUrl = `http://127.0.0.1:${GATEWAY_PORT}/mcp`;
  console.log(`
mcpgw demo is running.

  gateway (connect here):  ${gatewayUrl}
  demo upstream (direct):  ${upstreamUrl}
  policy:                  ${config}${config === here('./mcpgw.yaml') ? '' : '\n                           (a copy of examples/mcpgw.yaml with these ports)'}
  audit log:               ${audit}

Connect with the MCP Inspector (transport: Streamable HTTP):

  npx @modelcontextprotocol/inspector --transport http --server-url ${gatewayUrl}

(or run \`npx @modelcontextprotocol/inspector\`, pick "Streamable HTTP" and enter the URL).
Then try: tools/list (no exec), call get_config (secrets [REDACTED]), call search
six times in 10 s (rate limited). Edit the policy and reload it with:

  kill -HUP "$(pidof mcpgw)"      # or just save the file: mcpgw watches it

Ctrl-C stops both processes (the gateway first: it lets calls in flight finish).
`);
}

run().catch((error) => {
  // Whatever started is stopped: no process is left running without the demo.
  console.error(`mcpgw demo: ${error instanceof Error ? error.message : String(error)}`);
  stop(1);
});
