import { positiveIntegerUpTo } from '../util/number-pattern.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** The longest window a rate limit accepts: 366 days. */
export const MAX_WINDOW_MS = 366 * 24 * UNIT_MS.h;

/** What a bad `window` is told, whichever check refuses it (schema or {@link parseWindow}). */
export const WINDOW_MESSAGE = 'must be a whole number above zero and a unit (ms, s, m or h), like 500ms, 10s, 1m or 1h, up to 8784h';

/**
 * Exactly the windows {@link parseWindow} accepts, as a JSON Schema pattern:
 * a whole number from 1 up to 366 days in its unit (leading zeros allowed).
 */
export const WINDOW_PATTERN = `^0*(?:${Object.entries(UNIT_MS)
  .map(([unit, ms]) => `(?:${positiveIntegerUpTo(MAX_WINDOW_MS / ms)})${unit}`)
  .join('|')})$`;

/**
 * Parses a window such as `500ms`, `10s`, `1m` or `1h` into milliseconds.
 * Returns `undefined` for anything else (including zero and absurd lengths).
 */
export function parseWindow(text: string): number | undefined {
  const match = /^([0-9]+)(ms|s|m|h)$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms > 0 && ms <= MAX_WINDOW_MS ? ms : undefined;
}
