import { describe, expect, it } from 'vitest';
import { connect, stdioConfig } from '../stdio/harness.js';
import { startOtlpReceiver } from './otlp-receiver.js';

// Slow tier: it waits out the flush bound at exit.
describe('mcpgw stdio with a collector that never answers', () => {
  it('answers every call at once, and exits within the 3 s flush bound once the client closes, saying what was dropped', async () => {
    const receiver = await startOtlpReceiver({ hang: true });
    try {
      const { path } = stdioConfig('    []\n', { extra: `telemetry:\n  customer:\n    endpoint: ${receiver.url}\n` });
      const { client, transport, stderr } = await connect({ config: path });
      const started = Date.now();
      for (let i = 0; i < 40; i++) await client.callTool({ name: 'echo', arguments: { message: String(i) } });
      expect(Date.now() - started).toBeLessThan(4_000);
      const exited = new Promise<number>((resolve) => (transport.onclose = () => resolve(Date.now())));
      const closing = Date.now();
      await client.close();
      expect((await exited) - closing).toBeLessThan(5_000);
      const line = await stderr.waitFor((entry) => String(entry['msg']).includes('spans dropped'));
      expect(line['msg']).toBe(`telemetry: ${String(line['dropped_spans'])} spans dropped: the collector at ${receiver.url}/v1/traces did not take them in time`);
      expect(Number(line['dropped_spans'])).toBeGreaterThanOrEqual(80);
    } finally {
      await receiver.close();
    }
  }, 30_000);
});
