import { describe, expect, it } from 'vitest';
import { positiveIntegerUpTo } from '../../src/util/number-pattern.js';

describe('positiveIntegerUpTo', () => {
  it.each([1, 9, 10, 11, 19, 20, 99, 100, 101, 909, 1000, 8784, 65_535])('matches exactly 1 to %i, written without leading zeros', (max) => {
    const pattern = new RegExp(`^(?:${positiveIntegerUpTo(max)})$`, 'u');
    for (let n = 0; n <= max * 2 + 20; n++) expect(pattern.test(String(n)), String(n)).toBe(n >= 1 && n <= max);
    expect(pattern.test(`0${max}`)).toBe(false);
    expect(pattern.test('')).toBe(false);
  });

  it('bounds the longest window in milliseconds (366 days) at its edges', () => {
    const max = 31_622_400_000;
    const pattern = new RegExp(`^(?:${positiveIntegerUpTo(max)})$`, 'u');
    for (const n of [1, 9_999_999_999, 30_000_000_000, 31_622_399_999, max]) expect(pattern.test(String(n)), String(n)).toBe(true);
    for (const n of [max + 1, 31_622_500_000, 40_000_000_000, 100_000_000_000]) expect(pattern.test(String(n)), String(n)).toBe(false);
  });

  it('refuses a bound below 1', () => {
    expect(() => positiveIntegerUpTo(0)).toThrow(RangeError);
  });
});
