import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * One `text/event-stream` answer of the HTTP bridge: a POST's (the answers to
 * its requests, and the server messages that belong to them) or a session's
 * GET stream. Each JSON-RPC message is one `message` event. A client that
 * stops reading does not hold the server up: past `maxBufferedBytes` waiting
 * to be sent, the stream is cut (it is the client's to reconnect).
 */
export class EventStream {
  readonly #res: ServerResponse;
  readonly #maxBuffered: number;
  #open = true;
  /** Requests of this POST still waiting for their answer (0 for a GET stream). */
  awaiting: number;

  constructor(res: ServerResponse, options: { awaiting: number; maxBufferedBytes: number; headers?: OutgoingHttpHeaders; onClose: (stream: EventStream) => void }) {
    this.#res = res;
    this.#maxBuffered = options.maxBufferedBytes;
    this.awaiting = options.awaiting;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...options.headers });
    res.flushHeaders();
    res.once('close', () => {
      const wasOpen = this.#open;
      this.#open = false;
      if (wasOpen) options.onClose(this);
    });
  }

  /** Whether messages can still be sent on it. */
  get open(): boolean {
    return this.#open && !this.#res.destroyed;
  }

  /** Sends one JSON-RPC message (its JSON text). */
  send(json: string): void {
    if (!this.open) return;
    if (this.#res.writableLength > this.#maxBuffered) {
      this.#res.destroy();
      return;
    }
    this.#res.write(`event: message\ndata: ${json}\n\n`);
  }

  /** Ends the stream (all its answers sent, or the session is over). */
  end(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#res.end();
  }
}
