#!/usr/bin/env node
// A stdio MCP server for the daemon's stdio-upstream tests, where they need
// more than server-everything offers: the official MCP SDK's McpServer on its
// StdioServerTransport. At start it creates a file named after its PID in
// $FIXTURE_PID_DIR (when set; holding $FIXTURE_TAG), so that a test can list
// every process the daemon started, and says so on stderr with its working
// directory. It exits when its stdin closes, as a stdio server does.
//
// Tools: pid (its PID), leak (a fake AWS key in its result and on stderr), notify (a log
// message and a progress notification, then its answer), crash (exits with
// code 3 without answering).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

const dir = process.env['FIXTURE_PID_DIR'];
if (dir !== undefined && dir !== '') writeFileSync(join(dir, String(process.pid)), process.env['FIXTURE_TAG'] ?? '');
process.stderr.write(`fixture server started (pid ${process.pid}, cwd ${process.cwd()})\n`);

const text = (value) => ({ content: [{ type: 'text', text: value }] });
const server = new McpServer({ name: 'stdio-upstream-fixture', version: '1.0.0' }, { capabilities: { logging: {} } });

server.registerTool('pid', { description: 'Its process id.' }, async () => text(String(process.pid)));
server.registerTool('leak', { description: 'Returns a fake AWS key, and writes it to stderr.' }, async () => {
  process.stderr.write('leak: the key is AKIAFIXTURE0KEY00000\n');
  return text('the key is AKIAFIXTURE0KEY00000');
});
server.registerTool('notify', { description: 'A log message and a progress notification, then its answer.' }, async (extra) => {
  await server.sendLoggingMessage({ level: 'info', data: 'notify: working' });
  const token = extra._meta?.progressToken;
  if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 2 } });
  return text('notified');
});
server.registerTool('crash', { description: 'Exits with code 3 without answering.' }, async () => {
  process.exit(3);
});

await server.connect(new StdioServerTransport());
