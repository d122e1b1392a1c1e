import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('npm start', () => {
  it('runs the demo: the mcpgw daemon in front of the demo upstream answers a real MCP client', async () => {
    const [port, upstreamPort] = [await freePort(), await freePort()];
    const demo = spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, PORT: String(port), UPSTREAM_PORT: String(upstreamPort) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const deadline = Date.now() + 60_000;
      while (!output.includes('mcpgw demo is running.')) {
        if (Date.now() > deadline || demo.exitCode !== null) throw new Error(`the demo did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const url = `http://127.0.0.1:${port}/mcp`;
      expect(output).toContain(`gateway (connect here):  ${url}`);
      expect(output).toContain(`npx @modelcontextprotocol/inspector --transport http --server-url ${url}`);

      const client = new Client({ name: 'demo-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const tools = (await client.listTools()).tools.map((tool) => tool.name);
      expect(tools).toEqual(expect.arrayContaining(['echo', 'search', 'get_config', 'slow']));
      expect(tools).not.toContain('exec');
      const config = await client.callTool({ name: 'get_config' });
      expect(JSON.stringify(config)).toContain('[REDACTED]');
      expect(JSON.stringify(config)).not.toMatch(/AKIA|ghp_/);
      await expect(client.callTool({ name: 'exec', arguments: { command: 'id' } })).rejects.toMatchObject({ code: -32003 });
      await client.close();
    } finally {
      // The whole process group: npm, the demo script, the daemon, the upstream.
      if (demo.pid !== undefined) process.kill(-demo.pid, 'SIGTERM');
      await new Promise((resolve) => demo.once('exit', resolve));
    }
  }, 90_000);
});
