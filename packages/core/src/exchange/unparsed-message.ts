import type { ServerStream } from './server-message.js';
import { closingQuote, decodeKey, skipSpace } from './unambiguous-json.js';

/** What to do with a server message's raw text: pass it on unparsed, or parse it (knowing that it `changes`: it cannot pass as it came). */
export type UnparsedVerdict = 'pass' | 'changes' | 'parse';

/**
 * Whether a server message may be passed on without even being parsed
 * (`pass`): `raw` (UTF-8) is, by one pass over its bytes that steps over
 * string contents, an object with a `method` and no `result` or `error` at
 * its top level, no top-level key twice, nested no deeper than `maxDepth`;
 * and no redact pattern of the stream's policy can change it, whether it is
 * read as JSON (each string decoded, see
 * `CompiledPolicy.responseMayChangeJson`) or as plain text. `changes` when a
 * response pattern may change a string of it: it must be parsed, and will
 * not pass as it came (its raw text need not be offered again).
 *
 * Why no parse is needed. Were the text valid JSON, the gateway would place
 * it as a notification or a server request (it has a `method`, and every
 * parser sees the same keys), redact it under the stream's policy and find
 * nothing to change, and record nothing; were it not, the gateway would
 * redact it as text with every pattern and find nothing either. Both ways
 * the text goes on as it came and nothing is recorded: which way does not
 * need to be known. Answers (`result`, `error`) are parsed: their request
 * is audited with what they say.
 */
export function unparsedVerdict(exchange: ServerStream, raw: Buffer, maxDepth: number): UnparsedVerdict {
  const policy = exchange.lease.policy;
  if (policy.responseMayChangeJson(raw)) return 'changes';
  if (policy.requestMayChangeText(raw)) return 'parse';
  const keys = topLevelKeys(raw, maxDepth);
  return keys !== null && keys.has('method') && !keys.has('result') && !keys.has('error') ? 'pass' : 'parse';
}

const QUOTE = 0x22;

/**
 * The keys of the object `raw` holds, decoded; null when `raw` is not read
 * as one (it starts otherwise, a string does not close), a key appears twice
 * at the top, or brackets nest deeper than `maxDepth`. For valid JSON, the
 * keys and depth a parser sees; for other text, something: the caller's
 * conclusion holds either way.
 */
export function topLevelKeys(raw: Buffer, maxDepth: number): Set<string> | null {
  let i = skipSpace(raw, 0);
  if (raw[i] !== 0x7b) return null;
  const keys = new Set<string>();
  let depth = 0;
  /** At the top level, whether the next string is a key (after `{` or `,`). */
  let keyNext = false;
  for (; i < raw.length; i++) {
    const c = raw[i];
    if (c === QUOTE) {
      const end = closingQuote(raw, i);
      if (end === -1) return null;
      if (depth === 1 && keyNext) {
        keyNext = false;
        const key = decodeKey(raw, i, end);
        if (keys.has(key)) return null;
        keys.add(key);
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return null;
      keyNext = depth === 1;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c) {
      keyNext = depth === 1;
    }
  }
  return keys;
}
