/**
 * Whether every JSON parser reads the routing of the message in `raw` as
 * the gateway's parse (`parsed`, from `raw`) did, so that `raw` may reach
 * the client as it came: `raw` is one object; neither it nor any object
 * directly in it (`result`, `error`, `params`) has a key twice — parsers
 * disagree on which of two values counts, and `id`, `method`, `result`,
 * `error`, `result.tools`, `result.isError` and `error.code` decide how the
 * gateway places, filters and audits the message —; and its `id` is
 * written as the gateway would write it (`1.0`, `1e0` or a number beyond
 * double precision reads differently elsewhere).
 *
 * One pass that steps over string contents with substring searches. False
 * when unsure (a top-level batch, a byte order mark, anything but an
 * object), which only costs a parse and a serialization.
 */
export function readsUnambiguously(raw: string, parsed: unknown): boolean {
  let i = skipSpace(raw, 0);
  if (raw.charCodeAt(i) !== OPEN_OBJECT || parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return false;
  const id = (parsed as Record<string, unknown>)['id'];
  const frames: Frame[] = [];
  /** Where the value of the message's `id` starts, once its key and colon were read. */
  let idStart = -1;
  let idPending = false;
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    const frame = frames[frames.length - 1];
    if (c === QUOTE) {
      const end = closingQuote(raw, i);
      if (end === -1) return false;
      if (frame !== undefined && frame.expectingKey) {
        frame.expectingKey = false;
        if (frame.keys !== null) {
          const key = decodeKey(raw, i, end);
          if (frame.keys.has(key)) return false;
          frame.keys.add(key);
          idPending = frames.length === 1 && key === 'id';
        }
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const object = c === OPEN_OBJECT;
      frames.push({ expectingKey: object, keys: object && frames.length < 2 ? new Set() : null, object });
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY || c === COMMA) {
      if (frames.length === 1 && idStart !== -1) {
        if (raw.slice(idStart, i).trim() !== JSON.stringify(id)) return false;
        idStart = -1;
      }
      if (c !== COMMA) frames.pop();
      else if (frame !== undefined) frame.expectingKey = frame.object;
    } else if (c === COLON && idPending) {
      idPending = false;
      idStart = i + 1;
    }
  }
  return true;
}

/** An object or array being read: whether a key comes next, and the keys seen (while at most two deep). */
interface Frame {
  expectingKey: boolean;
  readonly keys: Set<string> | null;
  readonly object: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** The index of the first character at or after `from` that is not JSON whitespace. */
export function skipSpace(raw: string | Buffer, from: number): number {
  let i = from;
  while (i < raw.length) {
    const c = typeof raw === 'string' ? raw.charCodeAt(i) : raw[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

/** The index of the quote closing the string opened at `open` in JSON text (one not escaped by an odd run of backslashes), or -1. */
export function closingQuote(raw: string | Buffer, open: number): number {
  // A Buffer is searched for the byte (memchr), not for a string.
  const next = typeof raw === 'string' ? (from: number) => raw.indexOf('"', from) : (from: number) => raw.indexOf(QUOTE, from);
  const at = typeof raw === 'string' ? (i: number) => raw.charCodeAt(i) : (i: number) => raw[i];
  let end = next(open + 1);
  while (end !== -1) {
    let backslashes = 0;
    while (at(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = next(end + 1);
  }
  return -1;
}

/**
 * The key written between the quotes at `open` and `close`, decoded; a key
 * that is not a valid JSON string (in text that is not JSON) as written.
 */
export function decodeKey(raw: string | Buffer, open: number, close: number): string {
  const token = typeof raw === 'string' ? raw.slice(open, close + 1) : raw.toString('utf8', open, close + 1);
  if (!token.includes('\\')) return token.slice(1, -1);
  try {
    return JSON.parse(token) as string;
  } catch {
    return token;
  }
}
