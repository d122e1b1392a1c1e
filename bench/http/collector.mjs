// An OTLP/HTTP collector stand-in for bench/telemetry.mjs, in a process of its
// own: `ok` answers every export at once (200, an empty protobuf response:
// a valid Export*ServiceResponse), `hang` accepts connections and never
// answers. Prints {"url":...} once listening.
//
//   node bench/http/collector.mjs ok|hang

import { createServer } from 'node:http';

const mode = process.argv[2];
if (mode !== 'ok' && mode !== 'hang') {
  process.stderr.write('usage: collector.mjs ok|hang\n');
  process.exit(2);
}
const server = createServer((req, res) => {
  if (mode === 'hang') return;
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 }).end());
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`));
