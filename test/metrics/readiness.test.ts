// The order of a shutdown, as a load balancer sees it, with real signals:
// `/readyz` turns 503 at SIGTERM while the daemon keeps accepting and serving
// for `--drain-delay`; only then does the listener close and the drain begin.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDaemon, tempDir } from '../daemon/harness.js';
import { connect } from './decisions.js';
import { gatewayConfig, withDemoUpstream } from './fixture.js';

describe('mcpgw serve --drain-delay: readiness fails before the listener closes', () => {
  const { url: upstreamUrl, started } = withDemoUpstream();

  const start = async (delay: string) => {
    const dir = tempDir();
    const configPath = join(dir, 'mcpgw.yaml');
    writeFileSync(configPath, gatewayConfig(upstreamUrl()));
    const daemon = await startDaemon(configPath, ['--no-watch', '--drain-delay', delay]);
    started.push(daemon.proc);
    return { ...daemon, origin: new URL(daemon.url).origin };
  };

  it('after SIGTERM, /readyz is 503 and new connections are still served until the delay ends; then they are refused and the exit is 0', async () => {
    const daemon = await start('3');
    expect((await fetch(`${daemon.origin}/readyz`)).status).toBe(200);
    daemon.proc.signal('SIGTERM');
    const notReady = await daemon.proc.waitForMsg('shutting down: not ready; serving 3 s more before closing the listener');

    // A load balancer's probe, on a new connection: not ready.
    const ready = await fetch(`${daemon.origin}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'draining' });
    expect((await fetch(`${daemon.origin}/healthz`)).status).toBe(200);
    // A client the balancer still sends meanwhile: a new connection, a whole session, served.
    const client = await connect(daemon.url);
    expect(await client.callTool({ name: 'echo', arguments: { text: 'still served' } })).toMatchObject({ content: [{ type: 'text', text: 'still served' }] });
    await client.close();
    expect(daemon.proc.lines.filter((line) => line['msg'] === 'shutting down: draining in-flight requests')).toEqual([]);

    const draining = await daemon.proc.waitForMsg('shutting down: draining in-flight requests');
    expect(Date.parse(String(draining['time'] ?? '')) - Date.parse(String(notReady['time'] ?? ''))).toBeGreaterThanOrEqual(2_950);
    await expect(fetch(`${daemon.origin}/readyz`)).rejects.toThrow();
    expect(await daemon.proc.exited).toEqual({ code: 0, signal: null });
  });

  it('a second signal during the delay exits at once, forced', async () => {
    const daemon = await start('60');
    daemon.proc.signal('SIGTERM');
    await daemon.proc.waitForMsg(/^shutting down: not ready/);
    const second = Date.now();
    daemon.proc.signal('SIGTERM');
    expect(await daemon.proc.exited).toEqual({ code: 1, signal: null });
    expect(Date.now() - second).toBeLessThan(5_000);
  });
});
