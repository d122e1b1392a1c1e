#!/usr/bin/env node
// A small stdio MCP server that misbehaves on request, for test/stdio:
//   node fake-server.mjs [ignore-term]
// It answers initialize, tools/list and tools/call; the tools do odd things:
//   echo {message}        answers with the message
//   garbage {secret}      writes a log line, non-JSON-RPC JSON, a line of 17 MiB and a
//                         secret in a notification to stdout, then answers
//   huge {}               answers with a line of 17 MiB (its id last, as the TS SDK writes it)
//   exit {code}           exits with that code at once
// With `ignore-term` it ignores SIGTERM and stays up after its stdin closes.
import { createInterface } from 'node:readline';

const ignoreTerm = process.argv.includes('ignore-term');
const BIG = 17 * 1024 * 1024;
const write = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

process.stderr.write(`fake server: started (pid ${process.pid})\n`);
if (ignoreTerm) {
  process.on('SIGTERM', () => process.stderr.write('fake server: SIGTERM ignored\n'));
  setInterval(() => undefined, 1000);
}

const tools = { echo: {}, garbage: {}, huge: {}, exit: {} };

createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  if (message.id === undefined) return;
  const answer = (result) => write({ jsonrpc: '2.0', id: message.id, result });
  switch (message.method) {
    case 'initialize':
      return answer({ protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'fake', version: '1.0.0' } });
    case 'tools/list':
      return answer({ tools: Object.keys(tools).map((name) => ({ name, inputSchema: { type: 'object' } })) });
    case 'tools/call': {
      const { name, arguments: args = {} } = message.params;
      if (name === 'echo') return answer({ content: [{ type: 'text', text: String(args.message) }] });
      if (name === 'exit') process.exit(Number(args.code));
      if (name === 'huge') return void process.stdout.write(`{"result":{"content":[{"type":"text","text":"${'x'.repeat(BIG)}"}]},"jsonrpc":"2.0","id":${JSON.stringify(message.id)}}\n`);
      if (name === 'garbage') {
        process.stdout.write(`a log line that belongs on stderr, with ${args.secret}\n`);
        process.stdout.write(`{"hello":"not JSON-RPC ${args.secret}"}\n`);
        process.stdout.write(`{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"${'y'.repeat(BIG)}"}}\n`);
        process.stdout.write('\u00ff\u00fe not UTF-8?\n', 'latin1');
        write({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `the secret is ${args.secret}` } });
        return answer({ content: [{ type: 'text', text: `done with ${args.secret}` }] });
      }
      return write({ jsonrpc: '2.0', id: message.id, error: { code: -32602, message: `no tool ${name}` } });
    }
    default:
      return write({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'method not found' } });
  }
});

process.stdin.on('end', () => {
  if (!ignoreTerm) process.exit(0);
});
