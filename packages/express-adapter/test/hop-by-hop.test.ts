import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startGateway } from './fixtures/gateway.js';
import { startRawUpstream } from './fixtures/raw-upstream.js';

describe('hop-by-hop headers', () => {
  it('are not forwarded either way; end-to-end MCP headers are', async () => {
    const seen: Array<Record<string, string | string[] | undefined>> = [];
    const upstream = await startRawUpstream((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, {
        'content-type': 'application/json',
        'mcp-session-id': 'session-from-upstream',
        connection: 'keep-alive, x-upstream-hop',
        'x-upstream-hop': 'must not reach the client',
        'keep-alive': 'timeout=99, max=7',
        'x-end-to-end': 'kept',
      });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} }));
    });
    const gateway = await startGateway(upstream.url);
    try {
      const url = new URL(gateway.url);
      const answer = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              'mcp-session-id': 'session-from-client',
              'mcp-protocol-version': '2025-06-18',
              'last-event-id': '42',
              connection: 'keep-alive, x-client-hop',
              'x-client-hop': 'must not reach the upstream',
              te: 'trailers',
              'proxy-authorization': 'Basic c2VjcmV0',
              'accept-encoding': 'gzip',
            },
          },
          resolve,
        );
        req.on('error', reject);
        req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
      });
      answer.resume();
      const forwarded = seen[0] ?? {};
      expect(forwarded).toMatchObject({ 'mcp-session-id': 'session-from-client', 'mcp-protocol-version': '2025-06-18', 'last-event-id': '42', accept: 'application/json, text/event-stream' });
      expect(forwarded).not.toHaveProperty('x-client-hop');
      expect(forwarded).not.toHaveProperty('te');
      expect(forwarded).not.toHaveProperty('proxy-authorization');
      // The gateway reads every response byte: it asks for an uncompressed answer.
      expect(forwarded).not.toHaveProperty('accept-encoding');
      expect(answer.headers).toMatchObject({ 'mcp-session-id': 'session-from-upstream', 'x-end-to-end': 'kept' });
      expect(answer.headers).not.toHaveProperty('x-upstream-hop');
      // Node sets its own Keep-Alive for the client connection; the upstream's never passes.
      expect(answer.headers['keep-alive']).not.toBe('timeout=99, max=7');
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
