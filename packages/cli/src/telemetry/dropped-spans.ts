import type { Context } from '@opentelemetry/api';
import { TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Logger } from '../logging/create-logger.js';

/** Dropped spans are logged at most this often. */
const LOG_INTERVAL_MS = 60_000;

/** After a failed export, a request makes spans at most this often: a probe that finds out when the collector is back. */
const PROBE_INTERVAL_MS = 1_000;

/**
 * Counts the spans a slow, refusing or dead collector costs, and says so in
 * the log at most once a minute: those the export queue had no room for,
 * those whose export failed or timed out, and, at shutdown, those still
 * waiting when the flush gave up.
 */
export class DroppedSpans {
  readonly #logger: Logger;
  readonly #url: string;
  #count = 0;
  #loggedAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | null = null;

  constructor(logger: Logger, url: string) {
    this.#logger = logger;
    this.#url = url;
  }

  add(spans: number): void {
    if (spans <= 0) return;
    this.#count += spans;
    const wait = this.#loggedAt + LOG_INTERVAL_MS - performance.now();
    if (wait <= 0) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), wait).unref();
  }

  /** Logs the spans dropped since the last line, now (when the wait is over, and at shutdown). */
  flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#count === 0) return;
    const dropped = this.#count;
    this.#count = 0;
    this.#loggedAt = performance.now();
    this.#logger.warn({ dropped_spans: dropped, url: this.#url }, `telemetry: ${dropped} spans dropped: the collector at ${this.#url} did not take them in time`);
  }
}

/**
 * Wraps the span processor and its exporter to count what is dropped: the
 * batch processor drops a span silently when its queue is full, so this
 * keeps the same count of queued spans (ended minus taken for export) and
 * drops it here, counted, instead.
 */
export class SpanAccounting {
  readonly #dropped: DroppedSpans;
  readonly #maxQueueSize: number;
  /** Spans handed to the processor, taken by it for export, and exported. */
  #queued = 0;
  #taken = 0;
  #settled = 0;

  constructor(dropped: DroppedSpans, maxQueueSize: number) {
    this.#dropped = dropped;
    this.#maxQueueSize = maxQueueSize;
  }

  /** The last export failed (a timeout, a refusal): the collector is not taking spans. */
  #failing = false;
  #nextProbe = 0;

  /**
   * Whether a request starting now makes spans: not while the export queue
   * is full (they would be dropped), and after a failed export only one
   * request a second, until an export succeeds again — spans a failing
   * collector will not take cost requests nothing to make.
   */
  admits(): boolean {
    if (this.#queueFull()) return false;
    if (!this.#failing) return true;
    const now = performance.now();
    if (now < this.#nextProbe) return false;
    this.#nextProbe = now + PROBE_INTERVAL_MS;
    return true;
  }

  #queueFull(): boolean {
    return this.#queued - this.#taken >= this.#maxQueueSize;
  }

  /** Spans not made because the queue was full or the collector failing. */
  drop(spans: number): void {
    this.#dropped.add(spans);
  }

  /** The exporter, counting what it is given and what fails. */
  exporter(inner: SpanExporter): SpanExporter {
    return {
      export: (spans: ReadableSpan[], done: (result: ExportResult) => void) => {
        this.#taken += spans.length;
        inner.export(spans, (result) => {
          this.#settled += spans.length;
          this.#failing = result.code !== ExportResultCode.SUCCESS;
          if (this.#failing) this.#dropped.add(spans.length);
          done(result);
        });
      },
      shutdown: () => inner.shutdown(),
      ...(inner.forceFlush === undefined ? {} : { forceFlush: () => (inner.forceFlush as () => Promise<void>)() }),
    };
  }

  /** The processor, dropping (counted) what its full queue would drop silently. */
  processor(inner: SpanProcessor): SpanProcessor {
    return {
      onStart: (span: Span, context: Context) => inner.onStart(span, context),
      onEnd: (span: ReadableSpan) => {
        if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
        if (this.#queueFull()) return this.#dropped.add(1);
        this.#queued++;
        inner.onEnd(span);
      },
      forceFlush: () => inner.forceFlush(),
      shutdown: () => inner.shutdown(),
    };
  }

  /** At shutdown, once the flush is done or given up: what never reached the collector is dropped. */
  settle(): void {
    this.#dropped.add(this.#queued - this.#settled);
    this.#queued = this.#settled;
    this.#dropped.flush();
  }
}
