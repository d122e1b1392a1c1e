// How a hostile upstream frames and paces a body: Content-Length (right, too
// large, too small, twice), chunked (right, garbage, cut short, with
// trailers carrying secrets), close-delimited, a reset, FIN or stall in the
// middle (inside an SSE event when it can), and bytes in pieces or trickled,
// some slower than the upstream's timeout_ms between bytes.

import type { Step } from '../hostile-upstream.js';
import type { Random } from '../random.js';
import { secret, type BodyContext } from './answer-bodies.js';
import type { SseEvents } from './content-coding.js';

/**
 * Frames `encoded`: adds the framing headers to `headers`, returns the body
 * bytes to send and how the connection ends after them (null: it stays open
 * for the next request).
 */
export function frameBody(g: Random, ctx: BodyContext, encoded: Buffer, events: SseEvents, headers: Array<[string, string]>): { framed: Buffer; terminal: Step | null } {
  const framing = g.weighted<string>([
    [33, 'content-length'],
    [24, 'chunked'],
    [8, 'close-delimited'],
    [5, 'content-length larger than the body'],
    [5, 'content-length smaller than the body'],
    [4, 'chunked garbage'],
    [3, 'chunked, cut before the last chunk'],
    [7, 'reset mid-body'],
    [3, 'close mid-body'],
    [3, 'stall mid-body'],
    [2, 'content-length and chunked'],
    [2, 'two different content-lengths'],
  ]);
  ctx.labels.push(`framing: ${framing}`);
  let framed: Buffer;
  let terminal: Step | null = null;
  const trailers = g.chance(0.2) ? `x-trailer: ${secret(ctx)}\r\n` : '';
  switch (framing) {
    case 'content-length':
      headers.push(['Content-Length', String(encoded.length)]);
      framed = encoded;
      break;
    case 'chunked':
      headers.push(['Transfer-Encoding', 'chunked']);
      if (trailers !== '') headers.push(['Trailer', 'x-trailer']);
      framed = chunked(g, encoded, trailers);
      break;
    case 'close-delimited':
      framed = encoded;
      terminal = { close: 'fin' };
      break;
    case 'content-length larger than the body':
      headers.push(['Content-Length', String(encoded.length + g.between(1, 1000))]);
      framed = encoded;
      terminal = { close: g.pick(['fin', 'hold'] as const) };
      break;
    case 'content-length smaller than the body':
      headers.push(['Content-Length', String(Math.max(0, encoded.length - g.between(1, 50)))]);
      framed = encoded;
      terminal = { close: 'fin' };
      break;
    case 'chunked garbage':
      headers.push(['Transfer-Encoding', 'chunked']);
      framed = Buffer.concat([Buffer.from(g.pick(['zz\r\n', '5\r\nabc\r\n', `${(encoded.length + 10).toString(16)}\r\n`, '-1\r\n', '0x10\r\n', 'ffffffffffffffffff\r\n', '4;ext\r\nabcd\r\n'])), encoded, Buffer.from('\r\n0\r\n\r\n')]);
      terminal = { close: 'fin' };
      break;
    case 'chunked, cut before the last chunk':
      headers.push(['Transfer-Encoding', 'chunked']);
      framed = chunked(g, encoded, '').subarray(0, -5);
      terminal = { close: g.pick(['fin', 'reset'] as const) };
      break;
    case 'reset mid-body':
    case 'close mid-body':
    case 'stall mid-body': {
      headers.push(g.chance(0.5) ? ['Content-Length', String(encoded.length)] : ['Transfer-Encoding', 'chunked']);
      const whole = headers.at(-1)?.[0] === 'Content-Length' ? encoded : chunked(g, encoded, '');
      framed = whole.subarray(0, cutPoint(g, whole.length, events, whole === encoded));
      terminal = { close: framing === 'reset mid-body' ? 'reset' : framing === 'close mid-body' ? 'fin' : 'hold' };
      break;
    }
    case 'content-length and chunked':
      headers.push(['Content-Length', String(encoded.length)], ['Transfer-Encoding', 'chunked']);
      framed = chunked(g, encoded, '');
      terminal = { close: 'fin' };
      break;
    default:
      headers.push(['Content-Length', String(encoded.length)], ['Content-Length', String(encoded.length + 1)]);
      framed = encoded;
      terminal = { close: 'fin' };
  }
  return { framed, terminal };
}

/** Writes the framed body as steps: at once, in random pieces with pauses, or its first bytes one at a time. */
export function paceBody(g: Random, ctx: BodyContext, framed: Buffer, steps: Step[]): void {
  const write = (data: Buffer) => steps.push({ write: data });
  const pacing = g.weighted<string>([
    [60, 'at once'],
    [30, 'in pieces'],
    [9, 'trickled'],
    [1, 'trickled for longer than timeout_ms'],
  ]);
  if (pacing !== 'at once') ctx.labels.push(`body ${pacing}`);
  if (pacing === 'at once') {
    if (framed.length > 0) write(framed);
  } else if (pacing === 'in pieces') {
    let at = 0;
    for (let pieces = 0; at < framed.length; pieces++) {
      const size = pieces > 40 ? framed.length - at : g.between(1, Math.max(1, Math.min(framed.length - at, g.pick([3, 16, 200, 5000]))));
      write(framed.subarray(at, at + size));
      at += size;
      if (g.chance(0.5)) steps.push({ pause: g.between(0, 15) });
    }
  } else if (pacing === 'trickled for longer than timeout_ms') {
    // Every gap shorter than timeout_ms, all of them longer: the answer must still complete.
    const trickled = Math.min(framed.length, 8);
    for (let i = 0; i < trickled; i++) {
      write(framed.subarray(i, i + 1));
      steps.push({ pause: 250 });
    }
    if (trickled < framed.length) write(framed.subarray(trickled));
  } else {
    const trickled = Math.min(framed.length, 120);
    for (let i = 0; i < trickled; i++) {
      write(framed.subarray(i, i + 1));
      steps.push({ pause: 2 });
    }
    if (trickled < framed.length) write(framed.subarray(trickled));
  }
}

/** A body in chunked coding, in chunks of random sizes, with optional trailer lines. */
function chunked(g: Random, body: Buffer, trailers: string): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; ) {
    const size = Math.min(body.length - at, g.pick([1, 7, 100, 4096, 65536]));
    parts.push(Buffer.from(`${size.toString(16)}${g.chance(0.05) ? ';ext=1' : ''}\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'));
    at += size;
  }
  parts.push(Buffer.from(`0\r\n${trailers}\r\n`));
  return Buffer.concat(parts);
}

/** Where to cut a body: inside an SSE event when there are events (and the body is not re-framed), else anywhere. */
function cutPoint(g: Random, length: number, events: ReadonlyArray<readonly [number, number]>, sameOffsets: boolean): number {
  if (length < 2) return 0;
  if (sameOffsets && events.length > 0) {
    const [start, end] = g.pick(events);
    if (end - start >= 2) return g.between(start + 1, end - 1);
  }
  return g.between(1, length - 1);
}
