// A fast JSON-RPC upstream for the HTTP benchmarks, in its own process: it
// answers tools/call with a small JSON result, the tool "stream" with an
// SSE response of N progress events then the result, and the tool "big" with
// a large SSE response full of secrets (bench/http/sse-payload.mjs: its
// arguments are those of buildSsePayload, `bytes` in all), built once per
// set of arguments and then sent from memory in 32 KiB writes. It does as
// little as possible, so that what is measured is the gateway in front of it.
//
//   node bench/http/upstream.mjs            prints {"event":"listening","url":...}

import http from 'node:http';
import { buildSsePayload } from './sse-payload.mjs';

/** Bodies of the tool "big", by their arguments and request id. */
const bigBodies = new Map();
function bigBody(args, id) {
  const key = JSON.stringify([args, id]);
  let body = bigBodies.get(key);
  if (body === undefined) {
    body = Buffer.from(buildSsePayload({ ...args, id }).body);
    bigBodies.set(key, body);
  }
  return body;
}

/** Writes `body` in `size`-byte writes, waiting for 'drain' whenever the socket asks to. */
function writeInChunks(res, body, size) {
  let offset = 0;
  const more = () => {
    while (offset < body.length) {
      const chunk = body.subarray(offset, offset + size);
      offset += chunk.length;
      if (offset >= body.length) return void res.end(chunk);
      if (!res.write(chunk)) return void res.once('drain', more);
    }
  };
  res.once('close', () => res.removeListener('drain', more));
  more();
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let message;
    try {
      message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    const name = message.params?.name;
    if (name === 'stream') {
      const events = message.params?.arguments?.events ?? 1000;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let out = '';
      for (let i = 1; i <= events; i++) {
        out += `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: i, total: events, message: `step ${i}` } })}\n\n`;
        // Flush in chunks of about 16 KiB, as a real server writes as it goes.
        if (out.length > 16_384) {
          res.write(out);
          out = '';
        }
      }
      out += `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'streamed' }] } })}\n\n`;
      res.end(out);
      return;
    }
    if (name === 'big') {
      const body = bigBody(message.params?.arguments ?? { bytes: 1 << 20 }, message.id ?? null);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      writeInChunks(res, body, 32_768);
      return;
    }
    const body = JSON.stringify({ jsonrpc: '2.0', id: message.id ?? null, result: { content: [{ type: 'text', text: `ok ${name ?? ''}` }] } });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ event: 'listening', url: `http://127.0.0.1:${server.address().port}/mcp` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
