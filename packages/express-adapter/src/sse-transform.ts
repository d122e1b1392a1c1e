import { Transform, type TransformCallback } from 'node:stream';
import { formatSseEvent, SseParser, type SseEvent } from './sse-parser.js';

/** Rewrites one event's data; returns the new data (or the same string). */
export type SseDataRewriter = (data: string) => string;

/**
 * A byte stream transform over `text/event-stream`: each event is parsed as
 * its bytes arrive, its data rewritten, and written out as soon as it is
 * complete — never the whole stream buffered. Backpressure is the stream
 * machinery's: a slow client pauses the upstream.
 */
export class SseRewriteStream extends Transform {
  readonly #parser: SseParser;
  readonly #rewrite: SseDataRewriter;
  readonly #rewriteField: (line: string) => string;
  #abandoned = false;

  /** `rewrite` gets each event's data; `rewriteField` each other line (`id:`, `event:`, comments). */
  constructor(rewrite: SseDataRewriter, rewriteField: (line: string) => string, maxEventBytes: number) {
    super();
    this.#parser = new SseParser(maxEventBytes);
    this.#rewrite = rewrite;
    this.#rewriteField = rewriteField;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#emit(this.#parser.push(chunk));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  /**
   * Ends the stream after the events completed so far, dropping an event
   * still in progress: for a source that failed mid-event, whose last event
   * is cut short (a cut-off secret would no longer match its pattern).
   */
  abandon(): void {
    this.#abandoned = true;
    if (!this.writableEnded) this.end();
  }

  override _flush(callback: TransformCallback): void {
    if (this.#abandoned) return callback();
    try {
      const last = this.#parser.flush();
      if (last !== null) this.#emit([last]);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  #emit(events: readonly SseEvent[]): void {
    if (events.length === 0) return;
    let out = '';
    for (const event of events) {
      out += formatSseEvent(event.fields.map(this.#rewriteField), event.data === null ? null : this.#rewrite(event.data));
    }
    this.push(out);
  }
}
