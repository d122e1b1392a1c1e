import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { DroppedSpans, SpanAccounting } from '../../src/telemetry/dropped-spans.js';
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

describe('SpanAccounting', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** An exporter whose exports end when the test says, with the result it gives. */
  function heldExporter() {
    const pending: Array<(result: ExportResult) => void> = [];
    const exporter: SpanExporter = { export: (_spans, done) => void pending.push(done), shutdown: () => Promise.resolve() };
    return { exporter, settle: (code: ExportResultCode) => (pending.shift() as (result: ExportResult) => void)({ code }) };
  }

  it('after a failed export admits one request a second, and all again once an export succeeds', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { logger } = recordingLogger();
    const accounting = new SpanAccounting(new DroppedSpans(logger, URL), 2_048);
    const held = heldExporter();
    const exporter = accounting.exporter(held.exporter);
    const admitted = (requests: number) => Array.from({ length: requests }, () => accounting.admits()).filter(Boolean).length;

    expect(admitted(100)).toBe(100);
    exporter.export([], () => undefined);
    held.settle(ExportResultCode.FAILED);
    // Failing: the first request probes, the rest of that second make no spans.
    expect(admitted(100)).toBe(1);
    vi.advanceTimersByTime(999);
    expect(admitted(100)).toBe(0);
    vi.advanceTimersByTime(1);
    expect(admitted(100)).toBe(1);
    exporter.export([], () => undefined);
    held.settle(ExportResultCode.SUCCESS);
    expect(admitted(100)).toBe(100);
  });
});
