#!/usr/bin/env node
// A demo upstream MCP server for trying mcpgw: the official MCP SDK's
// McpServer behind its StreamableHTTPServerTransport on node:http, with
// stateful sessions and a few tools that exercise every kind of rule.
//
//   node examples/demo-upstream/server.mjs --port 3001 [--json]
//
//   --port N   port to listen on (0: the OS picks one); --host H, default 127.0.0.1
//   --json     answer POSTs with JSON (enableJsonResponse) instead of SSE
//
// Prints one JSON line per event on stdout, first
// {"event":"listening","url":"http://127.0.0.1:PORT/mcp"}, then one
// {"event":"tool_call",...} line with the arguments each tool received, so
// you can see what reached the upstream after the gateway's request-side
// redaction. These secrets are fake: they only look like real ones.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const { values: options } = parseArgs({
  options: {
    port: { type: 'string', default: '3001' },
    host: { type: 'string', default: '127.0.0.1' },
    json: { type: 'boolean', default: false },
  },
});

/** Fake credentials in the shapes the demo policy redacts (AWS access key id, GitHub token). */
const FAKE_AWS_KEY = 'AKIADEMO0EXAMPLE0KEY';
const FAKE_GITHUB_TOKEN = 'ghp_demo0000example0000token0000fake0000';

const log = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value) => ({ type: 'text', text: value });

/** One McpServer per session: an McpServer serves exactly one transport. */
function createServer() {
  const server = new McpServer({ name: 'mcpgw-demo-upstream', version: '0.1.0' }, { capabilities: { logging: {} } });

  server.registerTool(
    'echo',
    { description: 'Returns its text.', inputSchema: { text: z.string() } },
    async ({ text: value }, extra) => {
      log({ event: 'tool_call', tool: 'echo', session: extra.sessionId, arguments: { text: value } });
      return { content: [text(value)] };
    },
  );

  server.registerTool(
    'search',
    { description: 'Searches a tiny fake index.', inputSchema: { query: z.string() } },
    async ({ query }, extra) => {
      log({ event: 'tool_call', tool: 'search', session: extra.sessionId, arguments: { query } });
      const results = [1, 2, 3].map((n) => ({ title: `Result ${n} for "${query}"`, url: `https://example.com/${n}` }));
      return { content: [text(JSON.stringify(results))], structuredContent: { results } };
    },
  );

  server.registerTool(
    'get_config',
    {
      description: 'Returns the service configuration (with credentials a gateway should redact).',
      outputSchema: { region: z.string(), aws_access_key_id: z.string(), github_token: z.string() },
    },
    async (extra) => {
      log({ event: 'tool_call', tool: 'get_config', session: extra.sessionId, arguments: {} });
      const config = { region: 'eu-west-1', aws_access_key_id: FAKE_AWS_KEY, github_token: FAKE_GITHUB_TOKEN };
      // Also a server-initiated log message, which travels on the session's GET stream.
      await server.sendLoggingMessage({ level: 'info', logger: 'demo', data: `config read (key ${FAKE_AWS_KEY})` }, extra.sessionId);
      return { content: [text(JSON.stringify(config))], structuredContent: config };
    },
  );

  server.registerTool(
    'exec',
    { description: 'Would run a shell command (it only echoes it). The demo policy denies it.', inputSchema: { command: z.string() } },
    async ({ command }, extra) => {
      log({ event: 'tool_call', tool: 'exec', session: extra.sessionId, arguments: { command } });
      return { content: [text(`would run: ${command}`)] };
    },
  );

  server.registerTool(
    'slow',
    {
      description: 'Reports progress a few times over about a second (or `ms` milliseconds), then answers.',
      inputSchema: { steps: z.number().int().min(1).max(20).optional(), ms: z.number().int().min(0).max(60_000).optional() },
    },
    async ({ steps = 4, ms = 1000 }, extra) => {
      log({ event: 'tool_call', tool: 'slow', session: extra.sessionId, arguments: { steps, ms } });
      const progressToken = extra._meta?.progressToken;
      for (let step = 1; step <= steps; step++) {
        await sleep(ms / steps);
        if (progressToken !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress: step, total: steps, message: `step ${step} of ${steps}` },
          });
        }
      }
      return { content: [text(`done after ${steps} steps`)] };
    },
  );

  return server;
}

/** Live sessions: id -> transport. */
const transports = new Map();

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function sendError(res, status, code, message) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
}

const httpServer = http.createServer(async (req, res) => {
  try {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/mcp') return sendError(res, 404, -32601, 'Not found: use /mcp');
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (existing !== undefined) return await existing.handleRequest(req, res);
    if (sessionId !== undefined) return sendError(res, 404, -32001, 'Session not found');
    if (req.method !== 'POST') return sendError(res, 400, -32000, 'Bad Request: no session; initialize first');

    let body;
    try {
      body = await readJson(req);
    } catch {
      return sendError(res, 400, -32700, 'Parse error');
    }
    if (!isInitializeRequest(body)) return sendError(res, 400, -32000, 'Bad Request: no session; initialize first');

    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: options.json,
      onsessioninitialized: (id) => {
        transports.set(id, transport);
        log({ event: 'session_initialized', session: id });
      },
      onsessionclosed: (id) => log({ event: 'session_closed', session: id }),
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) transports.delete(transport.sessionId);
    };
    await createServer().connect(transport);
    await transport.handleRequest(req, res, body);
  } catch (error) {
    log({ event: 'error', message: error instanceof Error ? error.message : String(error) });
    if (!res.headersSent) sendError(res, 500, -32603, 'Internal error');
    else res.destroy();
  }
});

httpServer.once('error', (error) => {
  // One line, not a stack trace: the port is taken, or needs privileges.
  console.error(`demo upstream: cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`);
  process.exit(1);
});
httpServer.listen(Number(options.port), options.host, () => {
  const { port } = httpServer.address();
  log({ event: 'listening', url: `http://${options.host}:${port}/mcp`, json: options.json });
});

let closing = false;
async function shutdown(signal) {
  if (closing) return; // Ctrl-C in a terminal may bring SIGINT from the shell and SIGTERM from a parent
  closing = true;
  log({ event: 'shutdown', signal });
  httpServer.close();
  await Promise.allSettled([...transports.values()].map((transport) => transport.close()));
  httpServer.closeAllConnections();
  process.exit(0);
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
