// One server of bench/experiments/express-cost.mjs, in its own process: reads
// the request body, answers a small JSON-RPC result.
//
//   node bench/experiments/express-cost-server.mjs node      a node:http server
//   node bench/experiments/express-cost-server.mjs express   the same handler as the only middleware of an Express app
//   node bench/experiments/express-cost-server.mjs proto     node:http, each request and response re-prototyped first,
//                                                            as an Express app does (Object.setPrototypeOf)
//
// Prints {"url":...} once listening.

import http from 'node:http';
import express from 'express';

const ANSWER = '{"jsonrpc":"2.0","id":1,"result":{}}';
const handler = (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': ANSWER.length });
    res.end(ANSWER);
  });
};

const kind = process.argv[2];
let app;
if (kind === 'express') {
  app = express();
  app.use(handler);
} else if (kind === 'proto') {
  // Express gives every request and response its app's prototypes, which extend Node's.
  const reqProto = Object.create(http.IncomingMessage.prototype);
  const resProto = Object.create(http.ServerResponse.prototype);
  app = (req, res) => {
    Object.setPrototypeOf(req, reqProto);
    Object.setPrototypeOf(res, resProto);
    handler(req, res);
  };
} else if (kind === 'node') {
  app = handler;
} else {
  throw new Error(`unknown server kind ${kind}`);
}
const server = http.createServer(app);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/mcp` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
