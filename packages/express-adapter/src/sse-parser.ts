import { isUtf8 } from 'node:buffer';

/** One Server-Sent Event as it arrived, in wire order of its fields. */
export interface SseEvent {
  /** Field lines other than `data` (`id`, `event`, `retry`, comments), kept verbatim. */
  readonly fields: readonly string[];
  /** The `data` lines joined with "\n" (null when the event had no data line); decoded when first read. */
  readonly data: string | null;
  /** `data` as it came, when it came on one line of valid UTF-8: its very bytes (null otherwise). */
  readonly dataBytes: Buffer | null;
}

/** An event whose data lines are kept as bytes, and decoded only if asked for. */
class ReadEvent implements SseEvent {
  readonly fields: readonly string[];
  readonly #lines: readonly Buffer[] | null;
  #data: string | null | undefined;
  #bytes: Buffer | null | undefined;

  constructor(fields: readonly string[], lines: readonly Buffer[] | null) {
    this.fields = fields;
    this.#lines = lines;
  }

  get data(): string | null {
    // The data prefix is ASCII: a line's value decodes to what the whole line's decoding holds after it.
    if (this.#data === undefined) this.#data = this.#lines === null ? null : this.#lines.map((line) => line.toString('utf8')).join('\n');
    return this.#data;
  }

  get dataBytes(): Buffer | null {
    if (this.#bytes === undefined) {
      const only = this.#lines?.length === 1 ? (this.#lines[0] as Buffer) : null;
      this.#bytes = only !== null && isUtf8(only) ? only : null;
    }
    return this.#bytes;
  }
}

const LF = 0x0a;
const CR = 0x0d;
/** A UTF-8 byte order mark, and one misread as Latin-1 ("ï»¿") and written again in UTF-8. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const MISREAD_BOM = Buffer.from('\u00ef\u00bb\u00bf', 'utf8');
const DATA = Buffer.from('data');

/**
 * Incremental SSE parser over raw bytes. Feed chunks as they arrive; get
 * back each event as soon as its terminating blank line is seen, however
 * the bytes were split (one byte at a time, mid-UTF-8 sequence, CR and LF in
 * different chunks). Lines end with CRLF, LF or CR (WHATWG SSE).
 *
 * Splitting on CR/LF bytes is safe for UTF-8: those bytes never occur inside
 * a multi-byte sequence, so every line is decoded whole.
 */
export class SseParser {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #lastWasCr = false;
  #fields: string[] = [];
  #data: Buffer[] | null = null;
  #eventBytes = 0;
  #first = true;
  readonly #maxEventBytes: number;

  constructor(maxEventBytes: number) {
    this.#maxEventBytes = maxEventBytes;
  }

  /** Parses a chunk; returns the events it completed. Throws when one event grows past the limit. */
  push(chunk: Buffer): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    // Native searches for the next CR and LF: far faster than looking at each byte in JS.
    let nextLf = chunk.indexOf(LF, 0);
    let nextCr = chunk.indexOf(CR, 0);
    while (nextLf !== -1 || nextCr !== -1) {
      const i = nextCr === -1 || (nextLf !== -1 && nextLf < nextCr) ? nextLf : nextCr;
      const byte = chunk[i];
      if (i === nextLf) nextLf = chunk.indexOf(LF, i + 1);
      else nextCr = chunk.indexOf(CR, i + 1);
      if (byte === LF && this.#lastWasCr && i === start && this.#pendingBytes === 0) {
        // The LF of a CRLF whose CR ended the previous line (maybe in the previous chunk).
        this.#lastWasCr = false;
        start = i + 1;
        continue;
      }
      this.#lastWasCr = byte === CR;
      const line = this.#takeLine(chunk, start, i);
      start = i + 1;
      const event = this.#line(line);
      if (event !== null) events.push(event);
    }
    if (start < chunk.length) {
      this.#lastWasCr = false;
      this.#pending.push(chunk.subarray(start));
      this.#pendingBytes += chunk.length - start;
      this.#checkSize(chunk.length - start);
    }
    return events;
  }

  /** The event in progress when the stream ends without a blank line (dispatched like a browser would not: returned for passing on). */
  flush(): SseEvent | null {
    if (this.#pendingBytes > 0) {
      this.#line(this.#takeLine(Buffer.alloc(0), 0, 0));
    }
    if (this.#fields.length === 0 && this.#data === null) return null;
    return this.#dispatch();
  }

  #takeLine(chunk: Buffer, start: number, end: number): Buffer {
    let bytes: Buffer;
    if (this.#pendingBytes > 0) {
      this.#pending.push(chunk.subarray(start, end));
      bytes = Buffer.concat(this.#pending);
      this.#pending = [];
      this.#pendingBytes = 0;
    } else {
      bytes = chunk.subarray(start, end);
    }
    this.#checkSize(end - start);
    if (this.#first) {
      this.#first = false;
      // A byte order mark starts no field. Clients also skip one misread as
      // Latin-1 ("ï»¿"): what they read as data, this reads as data too.
      for (const mark of [BOM, MISREAD_BOM]) if (startsWith(bytes, mark)) return bytes.subarray(mark.length);
    }
    return bytes;
  }

  #line(line: Buffer): SseEvent | null {
    if (line.length === 0) return this.#fields.length === 0 && this.#data === null ? null : this.#dispatch();
    if (startsWith(line, DATA) && (line.length === 4 || line[4] === 0x3a)) {
      // "data", "data:" or "data: " then the value.
      const prefix = line.length === 4 ? 4 : line[5] === 0x20 ? 6 : 5;
      (this.#data ??= []).push(line.subarray(prefix));
      return null;
    }
    this.#fields.push(line.toString('utf8'));
    return null;
  }

  #dispatch(): SseEvent {
    const event = new ReadEvent(this.#fields, this.#data);
    this.#fields = [];
    this.#data = null;
    this.#eventBytes = 0;
    return event;
  }

  #checkSize(added: number): void {
    this.#eventBytes += added;
    if (this.#eventBytes > this.#maxEventBytes) {
      throw new RangeError(`an SSE event is larger than ${this.#maxEventBytes} bytes`);
    }
  }
}

/** Writes an event back out: its other fields verbatim, then `data` as one line per line of data. */
export function formatSseEvent(fields: readonly string[], data: string | null): string {
  let out = formatSseFields(fields);
  // Serialized JSON has no line break: one line, without a split.
  if (data !== null && !data.includes('\n') && !data.includes('\r')) out += `data: ${data}\n`;
  else if (data !== null) for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** An event's fields other than `data`, one line each. */
export function formatSseFields(fields: readonly string[]): string {
  let out = '';
  for (const field of fields) out += `${field}\n`;
  return out;
}

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && bytes.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}
