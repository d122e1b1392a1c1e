// A fast JSON-RPC upstream for the HTTP benchmarks, in its own process: it
// answers tools/call with a small JSON result, and the tool "stream" with an
// SSE response of N progress events then the result. It does as little as
// possible, so that what is measured is the gateway in front of it.
//
//   node bench/http/upstream.mjs            prints {"event":"listening","url":...}

import http from 'node:http';

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
