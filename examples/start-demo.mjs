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
// examples/mcpgw.yaml with those ports (its path is printed). Ctrl-C (SIGINT)
// or SIGTERM stops both; the daemon drains in-flight requests first.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const GATEWAY_PORT = process.env.PORT ?? '8080';
const UPSTREAM_PORT = process.env.UPSTREAM_PORT ?? '3001';
const MCPGW = here('../packages/cli/bin/mcpgw.js');

const children = [];
let stopping = false;

function watchExit(name, child) {
  children.push(child);
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[${name}] exited unexpectedly (${signal ?? `code ${code}`}); stopping the demo`);
    stop(1);
  });
}

/** Starts the demo upstream; resolves with its `listening` URL. */
function startUpstream() {
  const child = spawn(process.execPath, [here('./demo-upstream/server.mjs'), '--port', UPSTREAM_PORT], { stdio: ['ignore', 'pipe', 'inherit'] });
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

/** The config the daemon serves: examples/mcpgw.yaml, or a copy with the requested ports. */
function configFile() {
  const original = here('./mcpgw.yaml');
  if (GATEWAY_PORT === '8080' && UPSTREAM_PORT === '3001') return original;
  const dir = join(tmpdir(), `mcpgw-demo-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const text = readFileSync(original, 'utf8')
    .replace('listen: "127.0.0.1:8080"', `listen: "127.0.0.1:${GATEWAY_PORT}"`)
    .replace('http://127.0.0.1:3001/mcp', `http://127.0.0.1:${UPSTREAM_PORT}/mcp`)
    .replace('path: ../.mcpgw-demo/audit.jsonl', `path: ${join(dir, 'audit.jsonl')}`);
  writeFileSync(join(dir, 'mcpgw.yaml'), text);
  return join(dir, 'mcpgw.yaml');
}

/** Starts `mcpgw serve` with its own log output (pretty on a terminal); resolves once /healthz answers. */
async function startGateway(config) {
  const child = spawn(process.execPath, [MCPGW, 'serve', '--config', config], { stdio: 'inherit' });
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

function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  if (running.length === 0) process.exit(exitCode);
  let left = running.length;
  for (const child of running) {
    child.once('exit', () => {
      if (--left === 0) process.exit(exitCode);
    });
    child.kill('SIGTERM');
  }
  // A child that does not stop in time is not kept waiting for.
  setTimeout(() => {
    for (const child of running) child.kill('SIGKILL');
    process.exit(exitCode || 1);
  }, 35_000).unref();
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

process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));

/** Checks the ports, starts the upstream and the gateway, and says where to connect. */
async function run() {
  await checkPorts();
  const upstreamUrl = await startUpstream();
  const config = configFile();
  await startGateway(config);
  const gatewayUrl = `http://127.0.0.1:${GATEWAY_PORT}/mcp`;
  console.log(`
mcpgw demo is running.

  gateway (connect here):  ${gatewayUrl}
  demo upstream (direct):  ${upstreamUrl}
  policy:                  ${config}

Connect with the MCP Inspector (transport: Streamable HTTP):

  npx @modelcontextprotocol/inspector --transport http --server-url ${gatewayUrl}

(or run \`npx @modelcontextprotocol/inspector\`, pick "Streamable HTTP" and enter the URL).
Then try: tools/list (no exec), call get_config (secrets [REDACTED]), call search
six times in 10 s (rate limited). Edit the policy and reload it with:

  kill -HUP "$(pidof mcpgw)"      # or just save the file: mcpgw watches it

Ctrl-C stops both processes.
`);
}

run().catch((error) => {
  // Whatever started is stopped: no process is left running without the demo.
  console.error(`mcpgw demo: ${error instanceof Error ? error.message : String(error)}`);
  stop(1);
});
