import { afterEach, describe, expect, it, vi } from 'vitest';
import { DroppedSpans } from '../../src/telemetry/dropped-spans.js';
import type { Logger } from '../../src/logging/create-logger.js';

const URL = 'http://collector.invalid:4318/v1/traces';

function recordingLogger(): { logger: Logger; lines: Array<{ fields: Record<string, unknown>; msg: string }> } {
  const lines: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  return { logger: { warn: (fields: Record<string, unknown>, msg: string) => lines.push({ fields, msg }) } as unknown as Logger, lines };
}

describe('DroppedSpans', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('logs the first drop at once, then at most one line a minute with the count since', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { logger, lines } = recordingLogger();
    const dropped = new DroppedSpans(logger, URL);
    dropped.add(3);
    expect(lines).toEqual([{ fields: { dropped_spans: 3, url: URL }, msg: `telemetry: 3 spans dropped: the collector at ${URL} did not take them in time` }]);
    dropped.add(5);
    vi.advanceTimersByTime(30_000);
    dropped.add(7);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(30_000);
    expect(lines.map((line) => line.msg)).toEqual([
      `telemetry: 3 spans dropped: the collector at ${URL} did not take them in time`,
      `telemetry: 12 spans dropped: the collector at ${URL} did not take them in time`,
    ]);
    // Nothing dropped since: nothing more is said, even at shutdown.
    vi.advanceTimersByTime(120_000);
    dropped.flush();
    expect(lines).toHaveLength(2);
  });
});
