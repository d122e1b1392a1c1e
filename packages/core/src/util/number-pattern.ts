/**
 * A regular expression source (no anchors, no flags) that matches exactly the
 * decimal numbers from 1 to `max` written without leading zeros.
 *
 * JSON Schema bounds numbers, not the number inside a string such as a
 * `window` (`90m`) or a `listen` port; a pattern is the only way the schema
 * that editors read can refuse `9000h` or `:70000` as `mcpgw validate` does.
 *
 * @example
 * positiveIntegerUpTo(8784) // '[1-9][0-9]{0,2}|[1-7][0-9]{3}|8[0-6][0-9]{2}|87[0-7][0-9]|878[0-4]'
 */
export function positiveIntegerUpTo(max: number): string {
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`max must be a whole number of at least 1 (got ${max})`);
  const digits = String(max);
  const width = digits.length;
  const alternatives: string[] = [];
  // Every number with fewer digits than max.
  if (width > 1) alternatives.push(`[1-9]${repeat(0, width - 2)}`);
  // Numbers with as many digits: max's first i digits, then a smaller digit, then anything.
  for (let i = 0; i < width; i++) {
    const digit = Number(digits[i]);
    const lowest = i === 0 ? 1 : 0;
    const last = i === width - 1;
    const upTo = last ? digit : digit - 1;
    if (upTo < lowest) continue;
    const range = lowest === upTo ? String(lowest) : `[${lowest}-${upTo}]`;
    alternatives.push(`${digits.slice(0, i)}${range}${repeat(width - i - 1, width - i - 1)}`);
  }
  return alternatives.join('|');
}

/** `[0-9]` from `least` to `most` times ('' for none). */
function repeat(least: number, most: number): string {
  if (most === 0) return '';
  if (least === most) return most === 1 ? '[0-9]' : `[0-9]{${most}}`;
  return `[0-9]{${least},${most}}`;
}
