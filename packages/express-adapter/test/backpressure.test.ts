import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { eventually } from './fixtures/client.js';
import { startGateway } from './fixtures/gateway.js';
import { startRawUpstream } from './fixtures/raw-upstream.js';

describe('SSE backpressure', () => {
  it('a client that stops reading pauses the upstream instead of filling the gateway memory', async () => {
    const total = 200 * 1024 * 1024;
    let written = 0;
    let finished = false;
    const upstream = await startRawUpstream(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const event = `data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x'.repeat(16 * 1024) } })}\n\n`;
      while (written < total && !res.destroyed) {
        written += event.length;
        if (!res.write(event)) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              res.off('drain', done).off('close', done);
              resolve();
            };
            res.once('drain', done).once('close', done);
          });
        }
      }
      finished = true;
      res.end();
    });
    const gateway = await startGateway(upstream.url);
    try {
      const url = new URL(gateway.url);
      // A raw client that reads nothing for a second.
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } });
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } }));
      const res = await new Promise<import('node:http').IncomingMessage>((resolve) => req.once('response', resolve));
      res.pause();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const heapBefore = process.memoryUsage().heapUsed;
      // Socket buffers on loopback hold some megabytes; far less than the 200 MiB the upstream wants to send.
      expect(written).toBeLessThan(48 * 1024 * 1024);
      expect(finished).toBe(false);
      // Reading again lets the whole stream through.
      let received = 0;
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      res.resume();
      await new Promise((resolve) => res.once('end', resolve));
      expect(finished).toBe(true);
      expect(received).toBeGreaterThanOrEqual(total);
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
      await eventually(() => gateway.handle.inFlight() === 0);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  }, 30_000);
});
