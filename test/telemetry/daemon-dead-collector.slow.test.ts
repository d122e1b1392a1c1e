import { describe, expect, it } from 'vitest';
import { startRecordingUpstream } from '../attacks/recording-upstream.js';
import { startOtlpReceiver } from './otlp-receiver.js';
import { connectClient, daemonWithTelemetry, stop } from './telemetry-daemon.js';

// Slow tier: it waits out the flush bound at the drain.
describe('a collector that never answers', () => {
  it('slows no request, and delays the drain by at most the flush bound, saying what was dropped', async () => {
    const upstream = await startRecordingUpstream({ json: true });
    const receiver = await startOtlpReceiver({ hang: true });
    try {
      const { proc, url } = await daemonWithTelemetry(upstream, receiver.url);
      const client = await connectClient(url);
      const started = Date.now();
      for (let i = 0; i < 40; i++) await client.callTool({ name: 'echo', arguments: { text: String(i) } });
      // Far below one export timeout (5 s) per batch: nothing waited for the collector.
      expect(Date.now() - started).toBeLessThan(4_000);
      await client.close();
      const exit = await stop(proc);
      expect(exit.code).toBe(0);
      // The flush gives up after 3 s.
      expect(exit.ms).toBeLessThan(5_000);
      const line = proc.lines.find((entry) => String(entry['msg']).startsWith('telemetry: ') && String(entry['msg']).includes('spans dropped'));
      expect(line?.['msg']).toBe(`telemetry: ${String(line?.['dropped_spans'])} spans dropped: the collector at ${receiver.url}/v1/traces did not take them in time`);
      expect(Number(line?.['dropped_spans'])).toBeGreaterThanOrEqual(80);
    } finally {
      await upstream.close();
      await receiver.close();
    }
  }, 30_000);
});

