import { Duplex } from 'node:stream';

/**
 * One end of an in-memory connection: what is written to it is read from
 * its peer. It answers the socket calls node:http makes on a connection
 * (`setTimeout`, `setNoDelay`, `setKeepAlive`, `ref`, `unref`) by doing
 * nothing: there is no socket to tune, and nothing to time out on.
 */
class PipeEnd extends Duplex {
  peer: PipeEnd | null = null;
  /** The peer's pending write, held while this end's read buffer is full (backpressure). */
  #resume: ((error?: Error | null) => void) | null = null;

  constructor() {
    super({ allowHalfOpen: false });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (peer === null || peer.destroyed) return callback(closed());
    // Done when the peer takes it; else when the peer's reader asks for more.
    if (peer.push(chunk)) callback();
    else peer.#resume = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer?.push(null);
    callback();
  }

  override _read(): void {
    // Data is pushed by the peer's writes; a write held for room goes on now.
    const resume = this.#resume;
    this.#resume = null;
    resume?.();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const resume = this.#resume;
    this.#resume = null;
    resume?.(closed());
    const peer = this.peer;
    this.peer = null;
    if (peer !== null && !peer.destroyed) peer.destroy();
    callback(error);
  }

  setTimeout(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }
}

function closed(): Error {
  return Object.assign(new Error('the other end of the connection is closed'), { code: 'EPIPE' });
}

/**
 * Two connected in-memory duplex streams, as Node 22's `stream.duplexPair()`
 * (this package supports Node 20): hand one to an `http.Server` (`emit('connection', end)`)
 * and the other to an `http.Agent`, and HTTP flows between them with no
 * address anyone else could connect to. Destroying either end destroys both.
 */
export function createDuplexPair(): [Duplex, Duplex] {
  const a = new PipeEnd();
  const b = new PipeEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
