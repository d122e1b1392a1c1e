// Content codings a hostile upstream answers with: gzip (also one member per
// SSE event, so that a cut stream still inflates event by event), deflate
// (zlib and raw), br, identity, unknown codings, a gzip header over plain
// bytes, truncated gzip, and gzip twice.

import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import type { Random } from '../random.js';
import type { BodyContext } from './answer-bodies.js';

export type SseEvents = ReadonlyArray<readonly [number, number]>;

export const CODINGS: ReadonlyArray<readonly [number, string]> = [
  [55, 'none'],
  [9, 'gzip'],
  [2, 'x-gzip'],
  [5, 'deflate'],
  [2, 'raw deflate labelled deflate'],
  [5, 'br'],
  [4, 'identity'],
  [2, 'GZIP'],
  [1, ' gzip '],
  [4, 'bogus'],
  [4, 'says gzip, is not'],
  [4, 'truncated gzip'],
  [2, 'gzip, gzip'],
  [1, 'empty'],
];

/**
 * The body in `coding`: its Content-Encoding header (null: none) and bytes,
 * and where its SSE events are in those bytes (when that is still known).
 */
export function encodeBody(g: Random, ctx: BodyContext, coding: string, body: Buffer, sseEvents: SseEvents): { header: string | null; encoded: Buffer; events: SseEvents } {
  let events: SseEvents = sseEvents;
  let encodingHeader: string | null = null;
  let encoded = body;
  let perEventGzip = false;
  switch (coding) {
    case 'none':
      break;
    case 'gzip':
    case 'x-gzip':
    case 'GZIP':
    case ' gzip ':
      encodingHeader = coding;
      if (events.length > 1 && g.chance(0.5)) {
        perEventGzip = true;
        const members: Buffer[] = [];
        const cuts: Array<[number, number]> = [];
        let at = 0;
        let last = 0;
        for (const [, end] of events) {
          const member = gzipSync(body.subarray(last, end));
          members.push(member);
          cuts.push([at, at + member.length]);
          at += member.length;
          last = end;
        }
        if (last < body.length) members.push(gzipSync(body.subarray(last)));
        encoded = Buffer.concat(members);
        events = cuts;
      } else {
        encoded = gzipSync(body);
      }
      break;
    case 'deflate':
      encodingHeader = 'deflate';
      encoded = deflateSync(body);
      break;
    case 'raw deflate labelled deflate':
      encodingHeader = 'deflate';
      encoded = deflateRawSync(body);
      break;
    case 'br':
      encodingHeader = 'br';
      encoded = brotliCompressSync(body);
      break;
    case 'identity':
      encodingHeader = 'identity';
      break;
    case 'bogus':
      encodingHeader = g.pick(['zstd', 'compress', 'x-secret', 'gzip;q=1']);
      break;
    case 'says gzip, is not':
      encodingHeader = 'gzip';
      break;
    case 'truncated gzip': {
      encodingHeader = 'gzip';
      const full = gzipSync(body);
      encoded = full.subarray(0, g.between(Math.min(10, full.length), Math.max(10, full.length - 1)));
      break;
    }
    case 'gzip, gzip':
      encodingHeader = 'gzip, gzip';
      encoded = gzipSync(gzipSync(body));
      break;
    case 'empty':
      encodingHeader = '';
      break;
    default:
      encodingHeader = 'gzip';
  }
  if (coding !== 'none') ctx.labels.push(`content-encoding ${JSON.stringify(encodingHeader)} (${coding}${perEventGzip ? ', one gzip member per event' : ''})`);
  if (encoded !== body && !perEventGzip) events = [];
  return { header: encodingHeader, encoded, events };
}
