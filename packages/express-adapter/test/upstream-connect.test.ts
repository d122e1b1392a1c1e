import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compilePolicy, parseConfig, PolicyHandle } from '@mcpgw/core';
import { mcpGateway } from '../src/index.js';
import { startGateway } from './fixtures/gateway.js';

// An upstream's `connect`: the gateway opens its connections with it instead
// of TCP to the url's host (the daemon's stdio upstreams, served in process).

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('upstreams with connect', () => {
  it('opens every connection to the upstream with connect, the url naming only the Host', async () => {
    // A Unix socket stands in for an in-process connection: the url's host does not resolve.
    const socketPath = join(mkdtempSync(join(tmpdir(), 'mcpgw-connect-')), 'upstream.sock');
    const hosts: Array<string | undefined> = [];
    const upstream = createServer((req, res) => {
      hosts.push(req.headers.host);
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const { id } = JSON.parse(body) as { id: number };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'AKIAIOSFODNN7EXAMPLE' }] } }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(socketPath, resolve));
    closers.push(() => new Promise((resolve) => (upstream.closeAllConnections(), upstream.close(() => resolve()))));
    let opened = 0;
    const gateway = await startGateway('http://in-process.invalid/mcp', {
      extra: { upstreams: [{ name: 'main', url: 'http://in-process.invalid/mcp', connect: () => (opened++, connect(socketPath)) }] },
    });
    closers.push(() => gateway.close());
    const answer = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read', arguments: {} } }),
    });
    expect(answer.status).toBe(200);
    // The policy applies as to any upstream: the key is redacted on the way back.
    expect(await answer.json()).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: '[REDACTED]' }] } });
    expect(opened).toBe(1);
    expect(hosts).toEqual(['in-process.invalid']);
  });

  it("refuses a config's stdio upstream, naming it: mcpgw serve runs those", () => {
    const config = parseConfig('upstreams:\n  - name: files\n    command: my-server\ndefault_upstream: files\n');
    const handle = new PolicyHandle(compilePolicy(config));
    expect(() => mcpGateway({ handle, upstreams: config.upstreams, defaultUpstream: 'files' })).toThrow(
      expect.objectContaining({
        code: 'MCPGW_ERR_OPTIONS_INVALID',
        message: 'mcpGateway: upstream "files" is a stdio upstream (it has a command): mcpgw serve runs those; mcpGateway forwards to a url',
      }),
    );
  });
});
