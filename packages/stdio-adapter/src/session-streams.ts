import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { EventStream } from './event-stream.js';

/** What became of a server message that belongs to no request. */
export type Delivery = 'sent' | 'held' | 'dropped';

/**
 * The SSE streams of one bridge session: the POST streams waiting for
 * answers, the GET stream, and the server messages held for the next GET
 * stream while there is none (bounded: past `heldMessages`, the oldest goes).
 */
export class SessionStreams {
  readonly #bufferBytes: number;
  readonly #heldMessages: number;
  /** POST streams still waiting for answers. */
  readonly #posts = new Set<EventStream>();
  #get: EventStream | null = null;
  #held: string[] = [];
  #heldDropped = 0;

  constructor(limits: { readonly streamBufferBytes: number; readonly heldMessages: number }) {
    this.#bufferBytes = limits.streamBufferBytes;
    this.#heldMessages = limits.heldMessages;
  }

  /** POST streams waiting for answers. */
  get waiting(): number {
    return this.#posts.size;
  }

  /** Opens a POST's stream on `res`, for `awaiting` answers; `onClose` if the client closes it first. */
  openPost(res: ServerResponse, awaiting: number, headers: OutgoingHttpHeaders, onClose: (stream: EventStream) => void): EventStream {
    const stream = new EventStream(res, {
      awaiting,
      maxBufferedBytes: this.#bufferBytes,
      headers,
      onClose: (closed) => {
        this.#posts.delete(closed);
        onClose(closed);
      },
    });
    this.#posts.add(stream);
    return stream;
  }

  /** One answer sent on a POST stream; true when it was the last (the stream is ended). */
  answered(stream: EventStream): boolean {
    stream.awaiting--;
    if (stream.awaiting > 0) return false;
    stream.end();
    this.#posts.delete(stream);
    return true;
  }

  /** Opens the GET stream on `res`, sending it what was held; null when one is open already. Returns how many held messages were lost. */
  openGet(res: ServerResponse): { dropped: number } | null {
    if (this.#get?.open === true) return null;
    const stream = new EventStream(res, { awaiting: 0, maxBufferedBytes: this.#bufferBytes, onClose: () => undefined });
    this.#get = stream;
    const held = this.#held;
    const dropped = this.#heldDropped;
    this.#held = [];
    this.#heldDropped = 0;
    for (const text of held) stream.send(text);
    return { dropped };
  }

  /**
   * A server message that belongs to no request: to the only POST stream
   * open, if exactly one is; else to the GET stream; else held, with `hold`,
   * or dropped.
   */
  deliver(text: string, hold: boolean): Delivery {
    const open = [...this.#posts].filter((stream) => stream.open);
    if (open.length === 1) {
      (open[0] as EventStream).send(text);
      return 'sent';
    }
    if (this.#get?.open === true) {
      this.#get.send(text);
      return 'sent';
    }
    if (!hold) return 'dropped';
    if (this.#held.length >= this.#heldMessages) {
      this.#held.shift();
      this.#heldDropped++;
    }
    this.#held.push(text);
    return 'held';
  }

  /** Ends every stream (the session is over). */
  endAll(): void {
    for (const stream of this.#posts) stream.end();
    this.#posts.clear();
    this.#get?.end();
    this.#get = null;
  }
}
