import type { IncomingMessage } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { GatewayError } from './gateway-error.js';

/**
 * Reads a request body, at most `limit` bytes after decoding. Bodies sent
 * with `Content-Encoding: gzip`, `deflate` or `br` are decoded (the limit
 * applies to the decoded size, so a compression bomb stops at the limit);
 * other encodings are refused with 415 — a body the gateway cannot read is
 * never forwarded unchecked.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);

  const source = decoded(req);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
  } catch (error) {
    if (source !== req) source.destroy();
    if (error instanceof GatewayError) throw error;
    throw new GatewayError('bad_body', `the request body could not be read: ${(error as Error).message}`, { cause: error });
  }
  return Buffer.concat(chunks, size);
}

function decoded(req: IncomingMessage): Readable {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  switch (encoding) {
    case 'identity':
    case '':
      return req;
    case 'gzip':
    case 'x-gzip':
      return req.pipe(createGunzip());
    case 'deflate':
      return req.pipe(createInflate());
    case 'br':
      return req.pipe(createBrotliDecompress());
    default:
      throw new GatewayError('unsupported_encoding', `Content-Encoding "${encoding}" is not supported; send identity, gzip, deflate or br`);
  }
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('body_too_large', `the request body is larger than ${limit} bytes`);
}

/**
 * Parses a JSON body strictly: valid UTF-8 and at most `maxDepth` levels of
 * nesting, else a parse error. What is parsed here is exactly what gets
 * re-serialized and forwarded, so upstream and gateway see the same message.
 */
export function parseJsonBody(body: Buffer, maxDepth: number): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body);
  } catch (cause) {
    throw new GatewayError('parse_error', 'Parse error: the body is not valid UTF-8', { cause });
  }
  if (nestingDepth(text) > maxDepth) throw new GatewayError('parse_error', `Parse error: the JSON nests deeper than ${maxDepth} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new GatewayError('parse_error', `Parse error: ${(cause as Error).message}`, { cause });
  }
}

/** Deepest bracket nesting in JSON text, ignoring brackets inside strings. O(n), no allocation. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}
