import type { Writable } from 'node:stream';

/** Writes one line; resolves at once, or when the stream can take more (or is gone). */
export function writeLine(stream: Writable, text: string): Promise<void> | undefined {
  if (stream.destroyed || stream.writableEnded) return undefined;
  if (stream.write(`${text}\n`)) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
    stream.once('error', done);
  });
}
