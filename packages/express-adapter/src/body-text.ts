import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { UTF8 } from '@mcpgw/core/internal';

/** A body read as text, and how to write text back in its place. */
export interface BodyText {
  readonly text: string;
  /**
   * `utf8`: the text is what goes out, in UTF-8. `lossy`: a body that is not
   * UTF-8 and declares no charset, read as UTF-8 with U+FFFD for what is not
   * (as lenient clients read it); it keeps its own bytes when nothing in it
   * changes.
   */
  readonly encoding: 'utf8' | 'lossy';
  /** The Content-Type to send with `encode`d text: the upstream's, or one that says UTF-8 for text read in another charset. */
  readonly contentType: string | undefined;
}

const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8']);

/**
 * Decodes a body by the charset its Content-Type declares, so that redaction
 * sees the characters a client will see. Without a charset (or with UTF-8):
 * UTF-8 — for a non-JSON body that is not valid UTF-8, read leniently (see
 * `encoding: 'lossy'`). Any other charset the platform
 * decodes (utf-16le, windows-1252, …) is decoded with it, and text written
 * back is UTF-8 with the Content-Type saying so. Returns a reason string
 * when the body cannot be read as declared: a charset nobody knows, or bytes
 * that are not valid in it.
 */
export function bodyText(body: Buffer, contentType: string | undefined, json: boolean): BodyText | string {
  const charset = charsetOf(contentType);
  if (charset === undefined || UTF8_LABELS.has(charset)) {
    // JSON.parse does not take a byte order mark; the strict decoder drops one.
    if (json) {
      try {
        return { text: UTF8.decode(body), encoding: 'utf8', contentType };
      } catch {
        return 'it is not valid UTF-8';
      }
    }
    if (isUtf8(body)) return { text: body.toString('utf8'), encoding: 'utf8', contentType };
    return { text: body.toString('utf8'), encoding: 'lossy', contentType };
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    return `its charset "${charset}" is not one the gateway can read`;
  }
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    return `it is not valid ${charset}`;
  }
  return { text, encoding: 'utf8', contentType: withCharset(contentType as string, 'utf-8') };
}

/** The `charset` parameter of a media type, lowercased, without quotes. */
function charsetOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  for (const parameter of contentType.split(';').slice(1)) {
    const at = parameter.indexOf('=');
    if (at === -1 || parameter.slice(0, at).trim().toLowerCase() !== 'charset') continue;
    return parameter.slice(at + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return undefined;
}

/** The media type with its charset parameter set to `charset`. */
export function withCharset(contentType: string, charset: string): string {
  const [type = '', ...parameters] = contentType.split(';');
  const others = parameters.filter((parameter) => parameter.split('=')[0]?.trim().toLowerCase() !== 'charset');
  return [type.trim(), ...others.map((parameter) => parameter.trim()), `charset=${charset}`].join('; ');
}
