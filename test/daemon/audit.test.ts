import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { allAuditLines } from './audit-files.js';
import { daemonConfig, Proc, startDaemon, startDemoUpstream, tempDir } from './harness.js';

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'audit-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

describe('mcpgw serve: audit log', () => {
  let upstream: { proc: Proc; url: string };
  beforeAll(async () => {
    upstream = await startDemoUpstream();
  });
  afterAll(async () => {
    await upstream?.proc.stop();
  });

  it('rotates at a tiny max_size_mb and gzips: exactly one decision line per call across all files', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir, maxSizeMb: 0.004 }));
    const daemon = await startDaemon(configPath, ['--no-watch']);
    try {
      const client = await connect(daemon.url);
      const calls = 150;
      for (let i = 0; i < calls; i++) await client.callTool({ name: 'echo', arguments: { text: `call-${i}` } });
      await client.close();
      daemon.proc.signal('SIGTERM');
      expect((await daemon.proc.exited).code).toBe(0);
      const { lines, rotated, plain } = allAuditLines(dir);
      expect(rotated.length).toBeGreaterThan(5);
      expect(plain).toEqual([]);
      const echoes = lines.filter((line) => line['event'] === 'decision' && line['tool'] === 'echo');
      expect(echoes).toHaveLength(calls);
      expect(lines.filter((line) => line['event'] === 'startup')).toHaveLength(1);
      expect(lines.filter((line) => line['event'] === 'shutdown')).toHaveLength(1);
      for (const name of [...rotated]) expect(gunzipSync(readFileSync(join(dir, name))).length).toBeLessThanOrEqual(0.004 * 1024 * 1024);
    } finally {
      await daemon.proc.stop();
    }
  });

  it('changes audit.path on reload without losing or splitting a line', async () => {
    const dir = tempDir();
    const second = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir }));
    const daemon = await startDaemon(configPath, ['--no-watch']);
    try {
      const client = await connect(daemon.url);
      const running = (async () => {
        for (let i = 0; i < 60; i++) await client.callTool({ name: 'echo', arguments: { text: `call-${i}` } });
      })();
      await new Promise((resolve) => setTimeout(resolve, 100));
      writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir: second }));
      const from = daemon.proc.lines.length;
      daemon.proc.signal('SIGHUP');
      await daemon.proc.waitForMsg('policy reload: ok (rules=4)', from);
      await running;
      await client.close();
      daemon.proc.signal('SIGTERM');
      await daemon.proc.exited;
      const first = allAuditLines(dir).lines;
      const next = allAuditLines(second).lines;
      const echoes = [...first, ...next].filter((line) => line['tool'] === 'echo');
      expect(echoes).toHaveLength(60);
      expect(next[0]).toMatchObject({ event: 'policy_reload', generation: 2 });
      expect(next.at(-1)).toMatchObject({ event: 'shutdown' });
    } finally {
      await daemon.proc.stop();
    }
  });

  it('after SIGKILL, a restart appends cleanly after the last complete line', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, daemonConfig({ upstreamUrl: upstream.url, dir }));
    const first = await startDaemon(configPath, ['--no-watch']);
    const client = await connect(first.url);
    for (let i = 0; i < 20; i++) await client.callTool({ name: 'echo', arguments: { text: `before-${i}` } });
    await client.close();
    first.proc.signal('SIGKILL');
    await first.proc.exited;
    // Simulate the kill landing mid-write: a partial line at the end of the file.
    writeFileSync(join(dir, 'audit.jsonl'), `${readFileSync(join(dir, 'audit.jsonl'), 'utf8')}{"time":"2026-11-26T00:00:00.000Z","event":"deci`);
    const second = await startDaemon(configPath, ['--no-watch']);
    try {
      const again = await connect(second.url);
      await again.callTool({ name: 'echo', arguments: { text: 'after' } });
      await again.close();
      second.proc.signal('SIGTERM');
      await second.proc.exited;
      const raw = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
      expect(raw.endsWith('\n')).toBe(true);
      const lines = raw.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.filter((line) => line['tool'] === 'echo')).toHaveLength(21);
      expect(lines.filter((line) => line['event'] === 'startup')).toHaveLength(2);
      expect(second.proc.lines.some((line) => line['code'] === 'MCPGW_ERR_AUDIT_PARTIAL_LINE_CUT' && line['level'] === 40)).toBe(true);
    } finally {
      await second.proc.stop();
    }
  });
});
