import { describe, expect, it } from 'vitest';
import { nestingDepth } from '../../src/internal.js';
import { BASE_SEED, caseSeed, createRandom } from '../redact/redaction-fuzz.js';

/** The definition: one character at a time, a backslash in a string skipping the next one. */
function byCharacter(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return deepest;
}

describe('nestingDepth', () => {
  it('counts brackets outside strings, as reading one character at a time does, on any text (JSON or not)', () => {
    const pieces = ['{', '}', '[', ']', '"', '\\', '\\\\', '\\"', 'a', ' ', ':', ',', '"x"', '"[{"', 'é'];
    for (let n = 0; n < 3000; n++) {
      const r = createRandom(caseSeed(BASE_SEED, 'nesting-depth', n));
      const text = Array.from({ length: r.int(0, 40) }, () => r.pick(pieces)).join('');
      expect(nestingDepth(text), text).toBe(byCharacter(text));
    }
    expect(nestingDepth('{"a":[{"b":"]]}}\\"[[["}]}')).toBe(3);
  });
});
