import type { IncomingMessage } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * The body of a request or response as it was before its `Content-Encoding`
 * (identity, gzip, deflate or br), or `undefined` for a coding the gateway
 * cannot read — a body it cannot read is never passed on unchecked. The same
 * for both directions and every coding: if the message stops early (a reset
 * connection) or fails, the decoded stream fails too, so that a reader never
 * waits for the end of a compressed body that will not come.
 */
export function decodedBody(message: IncomingMessage): Readable | undefined {
  const coding = (message.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return message;
  const create = DECODERS[coding];
  if (create === undefined) return undefined;
  const decoder = create();
  // Its failure goes to whoever reads it; one made and then not read (its message refused
  // for another reason) must not take the process down with an unheard 'error'.
  decoder.on('error', ignore);
  // pipe() passes on data and a normal end, not a failure or an early close.
  const stop = (error: Error) => {
    if (!decoder.destroyed) decoder.destroy(error);
  };
  message.once('error', stop);
  message.once('close', () => {
    if (!message.complete) stop(new Error('the connection closed before the body was complete'));
  });
  return message.pipe(decoder);
}

function ignore(): void {}

/** The `Content-Encoding` of a message, as sent (for error messages). */
export const contentCoding = (message: IncomingMessage): string => (message.headers['content-encoding'] ?? '').trim();
