import type { Readable } from 'node:stream';
import { LineFramer, type FramedItem } from './line-framer.js';

/** Calls `handle` with each line of `stream` (or line too long to keep, see {@link LineFramer}) until it ends or breaks. */
export async function forEachLine(stream: Readable, maxLineBytes: number, handle: (item: FramedItem) => void): Promise<void> {
  const framer = new LineFramer(maxLineBytes);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) for (const item of framer.push(chunk)) handle(item);
    for (const item of framer.end()) handle(item);
  } catch {
    // The pipe broke: the process is going, and its exit says the rest.
  }
}
