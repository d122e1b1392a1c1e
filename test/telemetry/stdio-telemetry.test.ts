import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../daemon/harness.js';
import { connect, stdioConfig, waitUntil } from '../stdio/harness.js';
import { startOtlpReceiver } from './otlp-receiver.js';

const RECORDING_SERVER = [process.execPath, join(ROOT, 'test/stdio/recording-server.mjs')] as const;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

describe('mcpgw stdio exports OTLP traces and metrics (SPEC §11)', () => {
  it('continues params._meta.traceparent, passes its own to the server in params._meta, and flushes when the server exits', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const { dir, path } = stdioConfig(`    - name: deny-shell\n      action: deny\n      match: { method: tools/call, tool: "^exec$" }\n`, {
        extra: `telemetry:\n  customer:\n    endpoint: ${receiver.url}\n`,
      });
      const record = join(dir, 'received.jsonl');
      const { client, transport } = await connect({ config: path, server: [...RECORDING_SERVER, record] });
      await client.callTool({ name: 'echo', arguments: { text: 'hi' }, _meta: { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` } });
      await client.callTool({ name: 'exec', arguments: { cmd: 'ls' } }).catch(() => undefined);
      const exited = new Promise<void>((resolve) => transport.onclose = () => resolve());
      await client.close();
      await exited;
      // Once mcpgw has exited, what it flushed has arrived.
      await waitUntil(() => receiver.spans.some((span) => span.name === 'tools/call echo'), 5_000, 'the echo span');

      expect(receiver.errors).toEqual([]);
      const server = receiver.spans.find((span) => span.name === 'tools/call echo' && span.kind === 2);
      const call = receiver.spans.find((span) => span.name === 'tools/call echo' && span.kind === 3);
      expect(server?.traceId).toBe(TRACE_ID);
      expect(server?.parentSpanId).toBe(CLIENT_SPAN);
      expect(call?.parentSpanId).toBe(server?.spanId);
      expect(server?.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo', 'network.transport': 'pipe', 'mcpgw.decision': 'allow' });
      // No session on stdio.
      expect(server?.attributes['mcp.session.id']).toBeUndefined();
      const denied = receiver.spans.find((span) => span.name === 'tools/call exec' && span.kind === 2);
      expect(denied?.attributes).toMatchObject({ 'mcpgw.decision': 'deny', 'mcpgw.rules': ['deny-shell'], 'error.type': '-32003' });

      const lines = readFileSync(record, 'utf8').split('\n').filter((line) => line.includes('"echo"'));
      expect(lines).toHaveLength(1);
      const forwarded = JSON.parse(lines[0] as string) as { params: { _meta: Record<string, string> } };
      expect(forwarded.params._meta['traceparent']).toBe(`00-${TRACE_ID}-${call?.spanId}-01`);
      expect(receiver.points.some((point) => point.metric === 'mcp.client.operation.duration' && point.attributes['network.transport'] === 'pipe')).toBe(true);
    } finally {
      await receiver.close();
    }
  }, 30_000);
});
