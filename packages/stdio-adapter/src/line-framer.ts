/** Bytes of each end of a line too long to keep, kept to find its JSON-RPC id (see `idOfCutLine`). */
export const LINE_END_BYTES = 256;

/** What a {@link LineFramer} takes out of a byte stream. */
export type FramedItem =
  /** A whole line, without its `\n` (nor a `\r` before it). */
  | { readonly kind: 'line'; readonly bytes: Buffer }
  /**
   * A line longer than the limit, discarded without being held: its length
   * (without the line end), and its first and last {@link LINE_END_BYTES}
   * bytes.
   */
  | { readonly kind: 'too_long'; readonly length: number; readonly head: Buffer; readonly tail: Buffer };

/**
 * Cuts a byte stream into newline-delimited lines (MCP's stdio framing): a
 * `\r\n` ends a line like `\n`, and a last line without a line end counts
 * when the stream ends. A line longer than `maxLineBytes` is never held:
 * from the moment it passes the limit it is skipped up to its `\n`, and
 * reported then as `too_long` with its length and both ends — so a 50 MB
 * line costs no more memory than the limit.
 *
 * @example
 * const framer = new LineFramer(4 * 1024 * 1024);
 * stream.on('data', (chunk) => { for (const item of framer.push(chunk)) handle(item); });
 * stream.on('end', () => { for (const item of framer.end()) handle(item); });
 */
export class LineFramer {
  readonly #max: number;
  /** The start of the current line (chunks that had no `\n`), while it is within the limit. */
  #parts: Buffer[] = [];
  #size = 0;
  /** The current line passed the limit: skipping to its end. */
  #skipping = false;
  #head: Buffer = Buffer.alloc(0);
  #tail: Buffer = Buffer.alloc(0);

  constructor(maxLineBytes: number) {
    if (!(Number.isInteger(maxLineBytes) && maxLineBytes > 0)) throw new RangeError(`maxLineBytes must be a positive integer, got ${String(maxLineBytes)}`);
    this.#max = maxLineBytes;
  }

  /** The lines (and skipped lines) that `chunk` completes, in order. */
  push(chunk: Buffer): FramedItem[] {
    const items: FramedItem[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      this.#add(chunk.subarray(start, end));
      if (newline === -1) break;
      items.push(this.#finish());
      start = newline + 1;
    }
    return items;
  }

  /** The last line, when the stream ended without a line end after it. */
  end(): FramedItem[] {
    if (this.#size === 0 && !this.#skipping) return [];
    return [this.#finish()];
  }

  #add(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.#skipping) {
      this.#size += piece.length;
      this.#keepTail(piece);
      return;
    }
    if (this.#size + piece.length <= this.#max + 1) {
      // One byte over the limit is allowed in: it may be the `\r` of a `\r\n`.
      this.#parts.push(piece);
      this.#size += piece.length;
      if (this.#size <= this.#max || this.#endsWithCr()) return;
    } else {
      this.#parts.push(piece);
      this.#size += piece.length;
    }
    // Past the limit: keep both ends, drop the rest, skip to the line's end.
    const held = Buffer.concat(this.#parts);
    this.#head = Buffer.from(held.subarray(0, LINE_END_BYTES));
    this.#tail = Buffer.alloc(0);
    this.#keepTail(held);
    this.#parts = [];
    this.#skipping = true;
  }

  #endsWithCr(): boolean {
    const last = this.#parts[this.#parts.length - 1];
    return this.#size === this.#max + 1 && last !== undefined && last[last.length - 1] === 0x0d;
  }

  #keepTail(piece: Buffer): void {
    this.#tail = piece.length >= LINE_END_BYTES ? Buffer.from(piece.subarray(piece.length - LINE_END_BYTES)) : Buffer.concat([this.#tail, piece]).subarray(-LINE_END_BYTES);
  }

  #finish(): FramedItem {
    let item: FramedItem;
    if (this.#skipping) {
      const cr = this.#tail[this.#tail.length - 1] === 0x0d ? 1 : 0;
      item = { kind: 'too_long', length: this.#size - cr, head: this.#head, tail: cr === 1 ? this.#tail.subarray(0, -1) : this.#tail };
    } else {
      const bytes = this.#parts.length === 1 ? (this.#parts[0] as Buffer) : Buffer.concat(this.#parts, this.#size);
      item = { kind: 'line', bytes: bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, -1) : bytes };
    }
    this.#parts = [];
    this.#size = 0;
    this.#skipping = false;
    this.#head = Buffer.alloc(0);
    this.#tail = Buffer.alloc(0);
    return item;
  }
}
