import { ContextAssertion } from './pattern-shape.js';

/** All {@link ContextAssertion} bits: anything may have changed. */
export const ANY_CONTEXT = ContextAssertion.WORD_BOUNDARY | ContextAssertion.NOT_WORD_BOUNDARY | ContextAssertion.LINE_ANCHOR;

/** Whether a UTF-8 byte is an RE2 word character (`[0-9A-Za-z_]`; RE2's `\b` is ASCII-only). */
export const isWordByte = (byte: number | undefined): boolean =>
  byte !== undefined && ((byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte === 95);

/**
 * The context assertions that became true next to the replacements of the
 * byte ranges `[start, end)` of `text` (two adjacent ranges share one
 * boundary). An empty replacement joins its neighbours: anything may change.
 */
export function contextChanges(text: Buffer, ranges: readonly number[], replacement: Buffer): number {
  if (replacement.length === 0) return ANY_CONTEXT;
  const first = replacement[0] as number;
  const last = replacement[replacement.length - 1] as number;
  let bits = 0;
  for (let k = 0; k < ranges.length; k += 2) {
    const start = ranges[k] as number;
    const end = ranges[k + 1] as number;
    const joined = k > 0 && ranges[k - 1] === start;
    bits |= contextChange(text[start - 1], text[start], joined ? last : text[start - 1], first);
    if (ranges[k + 2] !== end) bits |= contextChange(text[end - 1], text[end], last, text[end]);
  }
  return bits;
}

/**
 * The context assertions true at one position after a replacement that were
 * not before: `\b`/`\B` compare the bytes on either side (RE2's word
 * characters are ASCII), `(?m)^`/`(?m)$` look for a `\n` next to it. Bytes
 * past either end of the text are `undefined`: not word, not newline.
 */
function contextChange(oldLeft: number | undefined, oldRight: number | undefined, newLeft: number | undefined, newRight: number | undefined): number {
  let bits = 0;
  const before = isWordByte(oldLeft) !== isWordByte(oldRight);
  const after = isWordByte(newLeft) !== isWordByte(newRight);
  if (after && !before) bits |= ContextAssertion.WORD_BOUNDARY;
  if (before && !after) bits |= ContextAssertion.NOT_WORD_BOUNDARY;
  if ((newLeft === 10 && oldLeft !== 10) || (newRight === 10 && oldRight !== 10)) bits |= ContextAssertion.LINE_ANCHOR;
  return bits;
}
