#!/usr/bin/env node
// Asks a Node process started with --inspect for its V8 heap after full
// garbage collections, through the inspector protocol:
//
//   node --experimental-websocket test/soak/heap-probe.mjs ws://127.0.0.1:PORT/UUID
//
// Prints one JSON line {"usedSize":…,"totalSize":…} (bytes) and disconnects.
// Node 20 has WebSocket only behind --experimental-websocket, so the soak
// tests run this in its own process rather than in the vitest worker.

const url = process.argv[2];
if (url === undefined) {
  process.stderr.write('usage: heap-probe.mjs ws://host:port/id\n');
  process.exit(2);
}
const socket = new WebSocket(url);
const pending = new Map();
let nextId = 1;
const send = (method, params = {}) =>
  new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    socket.send(JSON.stringify({ id, method, params }));
  });
socket.addEventListener('message', (event) => {
  const message = JSON.parse(String(event.data));
  const waiter = pending.get(message.id);
  if (waiter === undefined) return;
  pending.delete(message.id);
  if (message.error) waiter.reject(new Error(JSON.stringify(message.error)));
  else waiter.resolve(message.result);
});
socket.addEventListener('error', () => {
  process.stderr.write(`cannot connect to ${url}\n`);
  process.exit(1);
});
socket.addEventListener('open', async () => {
  try {
    // Twice: the first full GC may leave weakly held and finalizable objects for the second.
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.collectGarbage');
    const usage = await send('Runtime.getHeapUsage');
    process.stdout.write(`${JSON.stringify({ usedSize: usage.usedSize, totalSize: usage.totalSize })}\n`);
    socket.close();
    process.exit(0);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
});
setTimeout(() => {
  process.stderr.write('heap probe timed out\n');
  process.exit(1);
}, 20_000).unref();
