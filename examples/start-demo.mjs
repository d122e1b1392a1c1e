#!/usr/bin/env node
// `npm start`: the demo upstream MCP server behind a policy gateway, ready for
// the MCP Inspector or any Streamable HTTP client.
//
//   npm start                          # gateway :8080, upstream :3001
//   PORT=9000 UPSTREAM_PORT=4001 npm start
//
// The gateway is, for now, the example proxy in examples/node-http-proxy; the
// `mcpgw` daemon will take its place. The demo upstream stays as it is.
// Ctrl-C (SIGINT) or SIGTERM stops both.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const GATEWAY_PORT = process.env.PORT ?? '8080';
const UPSTREAM_PORT = process.env.UPSTREAM_PORT ?? '3001';
const CONFIG = here('./mcpgw.yaml');

const children = [];
let stopping = false;

/** Starts `node script ...args`, prefixes its output, resolves with its `listening` URL. */
function start(name, script, args) {
  const child = spawn(process.execPath, [here(script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  createInterface({ input: child.stderr }).on('line', (line) => console.error(`[${name}] ${line}`));
  const lines = createInterface({ input: child.stdout });
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[${name}] exited unexpectedly (${signal ?? `code ${code}`}); stopping the demo`);
    stop(1);
  });
  return new Promise((resolve) => {
    lines.on('line', (line) => {
      console.log(`[${name}] ${line}`);
      try {
        const event = JSON.parse(line);
        if (event.event === 'listening') resolve(event.url);
      } catch {
        // not a JSON line: shown above, nothing to read from it
      }
    });
  });
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
  }, 5_000).unref();
}

process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));

const upstreamUrl = await start('upstream', './demo-upstream/server.mjs', ['--port', UPSTREAM_PORT]);
const gatewayUrl = await start('gateway', './node-http-proxy/proxy.mjs', [
  '--config', CONFIG,
  '--port', GATEWAY_PORT,
  '--upstream-url', upstreamUrl,
]);

console.log(`
mcpgw demo is running.

  gateway (connect here):  ${gatewayUrl}
  demo upstream (direct):  ${upstreamUrl}
  policy:                  ${CONFIG}

Connect with the MCP Inspector (transport: Streamable HTTP):

  npx @modelcontextprotocol/inspector --transport http --server-url ${gatewayUrl}

(or run \`npx @modelcontextprotocol/inspector\`, pick "Streamable HTTP" and enter the URL).
Then try: tools/list (no exec), call get_config (secrets [REDACTED]), call search
six times in 10 s (rate limited). Edit the policy and reload it with:

  kill -HUP ${children[1]?.pid}

Ctrl-C stops both processes.
`);
