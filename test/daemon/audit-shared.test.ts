import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { allAuditLines } from './audit-files.js';
import { daemonConfig, Proc, startDaemon, startDemoUpstream, tempDir } from './harness.js';

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'audit-shared-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** `calls` echo calls over `clients` sessions of one daemon, each session calling one after another. */
async function callEcho(url: string, clients: number, calls: number): Promise<void> {
  const sessions = await Promise.all(Array.from({ length: clients }, () => connect(url)));
  await Promise.all(
    sessions.map(async (client, c) => {
      for (let i = c; i < calls; i += clients) await client.callTool({ name: 'echo', arguments: { text: `call-${i}` } });
    }),
  );
  await Promise.all(sessions.map((client) => client.close()));
}

describe('mcpgw serve: two daemons sharing one audit.path (rolling restart on one host)', () => {
  let upstream: { proc: Proc; url: string };
  beforeAll(async () => {
    upstream = await startDemoUpstream();
  });
  afterAll(async () => {
    await upstream?.proc.stop();
  });

  it('every request of both daemons has its decision line, once, across rotations and gzip', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir, maxSizeMb: 0.005 }));
    const [first, second] = await Promise.all([startDaemon(configPath, ['--no-watch']), startDaemon(configPath, ['--no-watch'])]);
    try {
      const perDaemon = 300;
      await Promise.all([callEcho(first.url, 4, perDaemon), callEcho(second.url, 4, perDaemon)]);
      first.proc.signal('SIGTERM');
      second.proc.signal('SIGTERM');
      expect((await first.proc.exited).code).toBe(0);
      expect((await second.proc.exited).code).toBe(0);
      expect([...first.proc.lines, ...second.proc.lines].filter((line) => Number(line['level']) >= 40)).toEqual([]);

      const { lines, rotated, plain } = allAuditLines(dir);
      expect(rotated.length).toBeGreaterThan(20);
      expect(plain).toEqual([]);
      const echoes = lines.filter((line) => line['event'] === 'decision' && line['tool'] === 'echo');
      expect(echoes).toHaveLength(2 * perDaemon);
      // Each client has its own session and numbers its requests: session and id name one request.
      expect(new Set(echoes.map((line) => `${String(line['session'])}/${String(line['id'])}`)).size).toBe(2 * perDaemon);
      expect(lines.filter((line) => line['event'] === 'startup')).toHaveLength(2);
      expect(lines.filter((line) => line['event'] === 'shutdown')).toHaveLength(2);
    } finally {
      await Promise.all([first.proc.stop(), second.proc.stop()]);
    }
  });
});
