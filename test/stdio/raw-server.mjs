#!/usr/bin/env node
// A stdio server for test/stdio/hostile-peers.test.ts, no SDK: appends every line it reads to
// $RAW_SERVER_LOG (what reached the server, byte for byte), and answers
//   initialize, tools/list   as a server would
//   tools/call raw {lines}   by writing each of `lines` to stdout as it is ($ID: the request's id)
//   any other request        with the request it got, as text
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const write = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  appendFileSync(process.env.RAW_SERVER_LOG, `${line}\n`);
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  if (Array.isArray(message) || message.id === undefined || message.method === undefined) return;
  const { id, method, params } = message;
  if (method === 'initialize') return write({ id, result: { protocolVersion: params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'raw', version: '1' } } });
  if (method === 'tools/list') return write({ id, result: { tools: ['echo', 'write_file', 'raw'].map((name) => ({ name, inputSchema: { type: 'object' } })) } });
  if (method === 'tools/call' && params?.name === 'raw') {
    for (const text of params.arguments.lines) process.stdout.write(`${text.replaceAll('$ID', JSON.stringify(id))}\n`);
    return;
  }
  write({ id, result: { content: [{ type: 'text', text: `echo ${line}` }] } });
});
process.stdin.on('end', () => process.exit(0));
