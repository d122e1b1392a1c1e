import type { IncomingMessage } from 'node:http';
import { contentCoding, decodedBody } from './content-encoding.js';
import { MAX_REDACTION_DEPTH } from '../redact/redact-value.js';
import { closingQuote } from './unambiguous-json.js';
import { GatewayError } from './exchange-error.js';

/**
 * Reads a request body, at most `limit` bytes after decoding. Bodies sent
 * with `Content-Encoding: gzip`, `deflate` or `br` are decoded (the limit
 * applies to the decoded size, so a compression bomb stops at the limit);
 * other encodings are refused with 415 — a body the gateway cannot read is
 * never forwarded unchecked.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));

  const source = decodedBody(req);
  if (source === undefined) {
    return Promise.reject(new GatewayError('unsupported_encoding', `Content-Encoding "${contentCoding(req)}" is not supported; send identity, gzip, deflate or br`));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: unknown) => {
      source.off('data', onData);
      if (source !== req) source.destroy();
      reject(error instanceof GatewayError ? error : new GatewayError('bad_body', `the request body could not be read: ${(error as Error).message}`, { cause: error }));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return fail(tooLarge(limit));
      chunks.push(chunk);
    };
    source.on('data', onData);
    source.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    source.once('error', fail);
    // The client went away before the body was complete.
    req.once('close', () => {
      if (!req.complete) fail(new Error('the client closed the connection'));
    });
  });
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('body_too_large', `the request body is larger than ${limit} bytes`);
}

/** Strict UTF-8 (invalid bytes throw). One instance: `decode` of a whole buffer keeps no state. */
export const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a JSON body strictly: valid UTF-8 and at most `maxDepth` levels of
 * nesting (by default as deep as redaction goes: a deeper message could not
 * be checked), else a parse error. What is parsed here is exactly what gets
 * re-serialized and forwarded, so upstream and gateway see the same message.
 */
export function parseJsonBody(body: Buffer, maxDepth: number = MAX_REDACTION_DEPTH): unknown {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch (cause) {
    throw new GatewayError('parse_error', 'Parse error: the body is not valid UTF-8', { cause });
  }
  if (nestingDepth(text) > maxDepth) throw new GatewayError('parse_error', `Parse error: the JSON nests deeper than ${maxDepth} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    // V8's message quotes the body; the body may hold a secret, and this message is logged.
    const position = /at position (\d+)/.exec((cause as Error).message)?.[1];
    const where = position === undefined ? (text.trim() === '' ? ': the body is empty' : '') : ` at position ${position}`;
    throw new GatewayError('parse_error', `Parse error: the body is not valid JSON${where}`);
  }
}

/**
 * Deepest bracket nesting in JSON text, ignoring brackets inside strings
 * (stepped over with a substring search for their closing quote). O(n), no
 * allocation.
 */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = closingQuote(text, i);
      if (i === -1) break; // a string that never closes: no bracket after it counts
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}
