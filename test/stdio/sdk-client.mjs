#!/usr/bin/env node
// An MCP client process for test/stdio/lifecycle.test.ts: connects to
// `mcpgw stdio … -- SERVER…` with the SDK's stdio transport (mcpgw's stderr is
// this process's), lists the tools, prints {"ready":true,"wrapper":PID}, then
// either exits without closing anything (`exit`) or waits to be killed (`wait`).
//   node sdk-client.mjs exit|wait MCPGW_ARGS...
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const [mode, mcpgw, ...args] = process.argv.slice(2);
const transport = new StdioClientTransport({ command: mcpgw, args, env: { PATH: process.env.PATH ?? '' }, stderr: 'inherit' });
const client = new Client({ name: 'lifecycle', version: '1.0.0' });
await client.connect(transport);
await client.listTools();
process.stdout.write(`${JSON.stringify({ ready: true, wrapper: transport.pid })}\n`);
if (mode === 'exit') process.exit(0);
setInterval(() => undefined, 1000);
