// The load generator, in its own process: closed-loop HTTP/1.1 keep-alive
// requests over raw sockets (no client library in the way), each request's
// latency timed with hrtime from its first byte written to the last byte of
// its response.
//
//   node bench/http/loadgen.mjs '{"url":...,"body":...,"connections":16,"durationMs":3000}'
//   node bench/http/loadgen.mjs '{"url":...,"body":...,"stream":true,"iterations":30}'
//
// Prints one JSON line with the results (latencies in µs; in stream mode,
// also every response's latency, ascending, and the byte count of one response).

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

const EMPTY = Buffer.alloc(0);
const LF = 0x0a;

/**
 * Reads HTTP/1.1 responses (content-length or chunked) off a socket, one
 * after the other; each call of the returned function resolves with the next
 * response's byte count (head, framing and body) and status. Bytes are looked
 * at once, as they arrive, and never copied but for a head or a chunk-size
 * line split across reads: the cost is linear in the size of a response, so
 * the client does not slow down on a response of many megabytes.
 */
function responseReader(socket) {
  let state = 'head';
  let head = EMPTY; // the head so far, or a chunk-size/trailer line split across reads
  let bytes = 0;
  let status = '';
  let remaining = 0; // body bytes left (content-length), or chunk bytes + CRLF left (chunked)
  let chunked = false;
  const done = [];
  let waiting = null;
  let failed = null;

  const finish = () => {
    done.push({ bytes, status });
    state = 'head';
    bytes = 0;
    waiting?.();
  };
  /** A line ending with LF from `buffer` at `offset` (joined to what `head` holds); null if it is not complete yet. */
  const takeLine = (buffer, offset) => {
    const lf = buffer.indexOf(LF, offset);
    const end = lf === -1 ? buffer.length : lf + 1;
    bytes += end - offset;
    head = head.length === 0 ? buffer.subarray(offset, end) : Buffer.concat([head, buffer.subarray(offset, end)]);
    if (lf === -1) return { line: null, offset: end };
    const line = head.toString('latin1');
    head = EMPTY;
    return { line, offset: end };
  };

  const feed = (chunk) => {
    let buffer = chunk;
    let offset = 0;
    while (offset < buffer.length) {
      if (state === 'head') {
        head = head.length === 0 ? buffer.subarray(offset) : Buffer.concat([head, buffer.subarray(offset)]);
        buffer = head;
        offset = 0;
        const headerEnd = head.indexOf('\r\n\r\n');
        if (headerEnd === -1) return;
        const text = head.subarray(0, headerEnd).toString('latin1').toLowerCase();
        head = EMPTY;
        offset = headerEnd + 4;
        bytes = offset;
        status = text.slice(9, 12);
        const length = /\r\ncontent-length: *(\d+)/.exec(text);
        if (length) {
          chunked = false;
          remaining = Number(length[1]);
          state = 'body';
          if (remaining === 0) finish();
        } else if (text.includes('transfer-encoding: chunked')) {
          chunked = true;
          state = 'size';
        } else {
          throw new Error(`response without length: ${text.split('\r\n')[0]}`);
        }
      } else if (state === 'body') {
        const take = Math.min(remaining, buffer.length - offset);
        offset += take;
        bytes += take;
        remaining -= take;
        if (remaining === 0) {
          if (chunked) state = 'size';
          else finish();
        }
      } else {
        // 'size': a chunk-size line; 'trailer': trailer lines up to the empty one.
        const next = takeLine(buffer, offset);
        offset = next.offset;
        if (next.line === null) continue;
        if (state === 'trailer') {
          if (next.line === '\r\n') finish();
          continue;
        }
        const size = Number.parseInt(next.line, 16);
        if (Number.isNaN(size)) throw new Error(`bad chunk size line ${JSON.stringify(next.line)}`);
        if (size === 0) state = 'trailer';
        else {
          remaining = size + 2;
          state = 'body';
        }
      }
    }
  };

  socket.on('data', (chunk) => {
    try {
      feed(chunk);
    } catch (error) {
      failed = error;
      waiting?.();
    }
  });
  return () =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (failed !== null) return reject(failed);
        if (done.length === 0) return;
        waiting = null;
        resolve(done.shift());
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
  process.stdout.write(`${JSON.stringify({ p50: percentile(latencies, 50), p99: percentile(latencies, 99), bytes, statuses, latencies })}\n`);
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
