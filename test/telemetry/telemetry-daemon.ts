// What the telemetry tests of mcpgw serve share: a daemon exporting to a
// test receiver, an MCP SDK client on it, and a timed SIGTERM.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RecordingUpstream } from '../attacks/recording-upstream.js';
import { daemonConfig, startDaemon, tempDir, type Proc } from '../daemon/harness.js';

/** The telemetry section of a test config. */
export function telemetryBlock(endpoint: string, protocol?: string): string {
  return `telemetry:\n  customer:\n    endpoint: ${endpoint}\n    service_name: gateway-under-test\n${protocol === undefined ? '' : `    protocol: ${protocol}\n`}`;
}

/** `mcpgw serve` in front of `upstream`, exporting to `endpoint`. */
export async function daemonWithTelemetry(upstream: RecordingUpstream, endpoint: string, protocol?: string): Promise<{ proc: Proc; url: string }> {
  const dir = tempDir();
  const path = join(dir, 'mcpgw.yaml');
  writeFileSync(path, daemonConfig({ upstreamUrl: upstream.url, dir, extra: telemetryBlock(endpoint, protocol) }));
  return startDaemon(path);
}

/** An MCP SDK client on the daemon, sending `headers` with every request. */
export async function connectClient(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'telemetry-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** SIGTERM, then the exit code and how long the exit took. */
export async function stop(proc: Proc): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  proc.child.kill('SIGTERM');
  const { code } = await proc.exited;
  return { code, ms: Date.now() - started };
}

