import { Transform, type TransformCallback } from 'node:stream';
import { formatSseEvent, formatSseFields, SseParser, type SseEvent } from './sse-parser.js';

/**
 * Rewrites the data of one event that has some; returns the new data, or
 * null when the data passes on as it came (only for an event with
 * `dataBytes`, which are then written out as they are).
 */
export type SseDataRewriter = (event: SseEvent) => string | null;

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

  /** `rewrite` gets each event with data; `rewriteField` each other line (`id:`, `event:`, comments). */
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
      if (event.dataBytes === null && event.data === null) {
        out += formatSseEvent(fields, null);
        continue;
      }
      const data = this.#rewrite(event);
      if (data === null) {
        parts.push(Buffer.from(out + formatSseFields(fields)), DATA_PREFIX, event.dataBytes as Buffer, EVENT_END);
        out = '';
      } else {
        out += formatSseEvent(fields, data);
      }
    }
    if (out !== '') parts.push(Buffer.from(out));
    this.push(parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }
}
