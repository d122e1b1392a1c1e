// One server under test, in its own process, in front of the benchmark upstream:
//
//   node bench/http/server.mjs mcpgw UPSTREAM_URL   Express + mcpGateway, a 4-rule policy
//   node bench/http/server.mjs hpm   UPSTREAM_URL   Express + a bare http-proxy-middleware passthrough (keep-alive agent)
//   node bench/http/server.mjs raw   UPSTREAM_URL   node:http piping to the upstream over a keep-alive agent
//
// Prints {"event":"listening","url":...}.

import http from 'node:http';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { compilePolicy, parseConfig, PolicyHandle } from '@mcpgw/core';
import { mcpGateway } from '@mcpgw/express';
import { BENCH_POLICY_RULES } from './policy.mjs';

const [kind, upstreamUrl] = process.argv.slice(2);
const upstream = new URL(upstreamUrl);
const agent = new http.Agent({ keepAlive: true });

/** The policy of the benchmark: one rule of each kind, and a response-side redaction. */
export const BENCH_POLICY = `
upstreams:
  - name: bench
    url: ${upstreamUrl}
default_upstream: bench
${BENCH_POLICY_RULES}`;

let handler;
switch (kind) {
  case 'mcpgw': {
    const config = parseConfig(BENCH_POLICY);
    const handle = new PolicyHandle(compilePolicy(config));
    const app = express();
    app.use(mcpGateway({ handle, upstreams: config.upstreams, defaultUpstream: 'bench' }));
    handler = app;
    break;
  }
  case 'hpm': {
    const app = express();
    app.use(createProxyMiddleware({ target: upstream.origin, agent, changeOrigin: true }));
    handler = app;
    break;
  }
  case 'raw':
    handler = (req, res) => {
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, path: upstream.pathname, method: req.method, headers: req.headers, agent },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    };
    break;
  default:
    throw new Error(`unknown server kind ${kind}`);
}

const server = http.createServer(handler);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ event: 'listening', url: `http://127.0.0.1:${server.address().port}/mcp` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
// SIGUSR2 prints this process's CPU time so far (µs) on stderr: CPU per request = delta / requests.
process.on('SIGUSR2', () => { const u = process.cpuUsage(); process.stderr.write(`CPU ${u.user + u.system}\n`); });
