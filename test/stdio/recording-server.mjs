#!/usr/bin/env node
// The recording upstream of test/attacks, as a stdio MCP server: a real MCP
// SDK server (McpServer + StdioServerTransport) with the same tools
// (test/attacks/recording-tools.mjs), that appends every byte it reads on its
// stdin to RECORD_FILE before anything parses it. The table test reads that
// file to see what the wrapper forwarded, as it reads the HTTP upstream's log.
//   node recording-server.mjs RECORD_FILE
//
// The SDK's stdio transport reads one message per line and drops a line that
// holds a JSON-RPC batch (it parses each line as one message), but a
// 2025-03-26 server must receive batches. So a batch line, once recorded, is
// handed to the SDK as its messages, one line each; the answers are one line
// each, as the SDK writes them.
import { appendFileSync } from 'node:fs';
import { Transform } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { buildRecordingServer } from '../attacks/recording-tools.mjs';

const record = process.argv[2];
if (record === undefined) {
  process.stderr.write('usage: recording-server.mjs RECORD_FILE\n');
  process.exit(2);
}

/** A batch line as its messages, one line each; any other line as it is. */
function unbatch(line) {
  if (!line.trimStart().startsWith('[')) return `${line}\n`;
  let parsed;
  try {
    parsed = JSON.parse(line);
  } catch {
    return `${line}\n`;
  }
  return Array.isArray(parsed) ? parsed.map((message) => `${JSON.stringify(message)}\n`).join('') : `${line}\n`;
}

let partial = '';
const input = new Transform({
  transform(chunk, _encoding, done) {
    // Recorded synchronously, before the SDK sees it: once the server has answered a later line, this one is in the file.
    appendFileSync(record, chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    done(null, lines.map(unbatch).join(''));
  },
});
process.stdin.pipe(input);

// The wrapper ends us by closing our stdin (MCP's stdio transport): then nothing is left to wait for, and node exits.
await buildRecordingServer([]).connect(new StdioServerTransport(input, process.stdout));
