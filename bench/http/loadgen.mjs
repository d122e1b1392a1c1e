// The load generator, in its own process: closed-loop HTTP/1.1 keep-alive
// requests over raw sockets (no client library in the way), each request's
// latency timed with hrtime from its first byte written to the last byte of
// its response.
//
//   node bench/http/loadgen.mjs '{"url":...,"body":...,"connections":16,"durationMs":3000}'
//   node bench/http/loadgen.mjs '{"url":...,"body":...,"stream":true,"iterations":30}'
//
// Prints one JSON line with the results.

import net from 'node:net';

const options = JSON.parse(process.argv[2]);
const url = new URL(options.url);
const body = Buffer.from(options.body);
const request = Buffer.concat([
  Buffer.from(
    `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
      `Accept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`,
  ),
  body,
]);

/** Reads one HTTP/1.1 response (content-length or chunked) off a socket; resolves with its byte count. */
function responseReader(socket) {
  let buffer = Buffer.alloc(0);
  let waiting = null;
  socket.on('data', (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    waiting?.();
  });
  const tryParse = () => {
    const headerEnd = buffer.indexOf('\r\n\r\n');
    if (headerEnd === -1) return -1;
    const head = buffer.subarray(0, headerEnd).toString('latin1').toLowerCase();
    const length = /\r\ncontent-length: *(\d+)/.exec(head);
    if (length) {
      const total = headerEnd + 4 + Number(length[1]);
      return buffer.length >= total ? total : -1;
    }
    if (head.includes('transfer-encoding: chunked')) {
      const end = buffer.indexOf('\r\n0\r\n\r\n', headerEnd);
      return end === -1 ? -1 : end + 7;
    }
    throw new Error(`response without length: ${head.split('\r\n')[0]}`);
  };
  return () =>
    new Promise((resolve, reject) => {
      const check = () => {
        try {
          const total = tryParse();
          if (total === -1) return;
          const status = buffer.subarray(9, 12).toString();
          buffer = buffer.subarray(total);
          waiting = null;
          resolve({ bytes: total, status });
        } catch (error) {
          reject(error);
        }
      };
      waiting = check;
      check();
    });
}

async function connection(deadline, latencies, statuses) {
  const socket = net.connect(Number(url.port), url.hostname);
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const next = responseReader(socket);
  while (performance.now() < deadline) {
    const started = process.hrtime.bigint();
    socket.write(request);
    const { status } = await next();
    latencies.push(Number(process.hrtime.bigint() - started) / 1000);
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  socket.destroy();
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

if (options.stream) {
  // Time to last byte of one streamed response, one at a time.
  const latencies = [];
  const statuses = {};
  let bytes = 0;
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  const next = responseReader(socket);
  for (let i = 0; i < options.iterations; i++) {
    const started = process.hrtime.bigint();
    socket.write(request);
    const answer = await next();
    latencies.push(Number(process.hrtime.bigint() - started) / 1000);
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    bytes = answer.bytes;
  }
  socket.destroy();
  latencies.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ p50: percentile(latencies, 50), p99: percentile(latencies, 99), bytes, statuses })}\n`);
} else {
  const latencies = [];
  const statuses = {};
  const started = performance.now();
  // Warm-up: connections, JIT, keep-alive pools.
  await Promise.all(Array.from({ length: options.connections }, () => connection(performance.now() + 500, [], {})));
  const measureStart = performance.now();
  await Promise.all(Array.from({ length: options.connections }, () => connection(measureStart + options.durationMs, latencies, statuses)));
  const elapsed = (performance.now() - measureStart) / 1000;
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      requests: latencies.length,
      rps: latencies.length / elapsed,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
      statuses,
      wallMs: performance.now() - started,
    })}\n`,
  );
}
