import { Transform, type TransformCallback } from 'node:stream';
import { formatSseEvent, formatSseFields, SseParser, type SseEvent } from './sse-parser.js';

/**
 * Rewrites one event's data; returns the new data, or `data` itself when it
 * passes on as it came. `bytes`: the data's own UTF-8 bytes, when the event
 * has them (see {@link SseEvent.dataBytes}).
 */
export type SseDataRewriter = (data: string, bytes: Buffer | null) => string;

const DATA_PREFIX = Buffer.from('data: ');
const EVENT_END = Buffer.from('\n\n');

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

  /**
   * Writes the events out in one chunk. Data passed on as it came is
   * written as its own bytes, not encoded again: the same bytes
   * {@link formatSseEvent} would write, as one line of data.
   */
  #emit(events: readonly SseEvent[]): void {
    if (events.length === 0) return;
    const parts: Buffer[] = [];
    let out = '';
    for (const event of events) {
      const fields = event.fields.map(this.#rewriteField);
      const data = event.data === null ? null : this.#rewrite(event.data, event.dataBytes);
      if (data !== null && data === event.data && event.dataBytes !== null) {
        parts.push(Buffer.from(out + formatSseFields(fields)), DATA_PREFIX, event.dataBytes, EVENT_END);
        out = '';
      } else {
        out += formatSseEvent(fields, data);
      }
    }
    if (out !== '') parts.push(Buffer.from(out));
    this.push(parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }
}
