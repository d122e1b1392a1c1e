import { CLASS_ESCAPES, QUANTIFIER, classEnd } from './pattern-shape.js';

/**
 * A lower bound on the length, in characters, of any match of an RE2
 * pattern RE2 has accepted: alternatives count their shortest branch,
 * quantified items their lower bound, assertions nothing. 0 for anything
 * not understood here. A text with fewer UTF-16 units than this has fewer
 * characters too, so it cannot hold a match.
 */
export function minMatchLength(source: string): number {
  let i = 0;
  let failed = false;
  const alternation = (): number => {
    let best = sequence();
    while (!failed && source[i] === '|') {
      i++;
      best = Math.min(best, sequence());
    }
    return best;
  };
  const sequence = (): number => {
    let total = 0;
    while (!failed && i < source.length && source[i] !== '|' && source[i] !== ')') {
      if (source.startsWith('\\Q', i)) {
        // Quoted characters; a quantifier after \E repeats only the last one.
        const end = source.indexOf('\\E', i + 2);
        const quoted = [...source.slice(i + 2, end === -1 ? undefined : end)].length;
        i = end === -1 ? source.length : end + 2;
        total += Math.max(0, quoted - 1) + (quoted > 0 ? quantifierMinimum() : 0);
        continue;
      }
      const item = atom();
      total += item * quantifierMinimum();
    }
    return total;
  };
  const atom = (): number => {
    const c = source[i] as string;
    if (c === '(') {
      const rest = source.slice(i + 1);
      const open = /^(?:\?(?:[imsU]*(?:-[imsU]*)?:|P?<[A-Za-z0-9_]+>))?/.exec(rest) as RegExpExecArray;
      if (/^\?[imsU]*(?:-[imsU]*)?\)/.test(rest)) {
        i += 1 + rest.indexOf(')') + 1; // a flag group like (?i): matches nothing
        return 0;
      }
      i += 1 + open[0].length;
      const inner = alternation();
      if (source[i] !== ')') failed = true;
      i++;
      return inner;
    }
    if (c === '[') {
      const end = classEnd(source, i);
      if (end === -1) failed = true;
      i = end;
      return 1;
    }
    if (c === '\\') {
      const e = source[i + 1];
      if (e === undefined) failed = true;
      else if (e === 'b' || e === 'B' || e === 'A' || e === 'z') {
        i += 2;
        return 0;
      } else if (e === 'p' || e === 'P' || e === 'x') {
        const end = source[i + 2] === '{' ? source.indexOf('}', i + 3) + 1 : i + (e === 'x' ? 4 : 3);
        if (end <= i + 2) failed = true;
        i = end;
        return 1;
      } else if (CLASS_ESCAPES.includes(e) || !/[A-Za-z0-9]/.test(e)) {
        i += 1 + String.fromCodePoint(source.codePointAt(i + 1) as number).length;
        return 1;
      } else failed = true;
      return 0;
    }
    if (c === '^' || c === '$') {
      i++;
      return 0;
    }
    if (c === '*' || c === '+' || c === '?' || (c === '{' && QUANTIFIER.test(source.slice(i)))) {
      failed = true; // a quantifier with nothing before it: not expected here
      return 0;
    }
    i += String.fromCodePoint(source.codePointAt(i) as number).length;
    return 1;
  };
  const quantifierMinimum = (): number => {
    let minimum = 1;
    const c = source[i];
    if (c === '*' || c === '?') {
      minimum = 0;
      i++;
    } else if (c === '+') {
      i++;
    } else if (c === '{') {
      const repeat = QUANTIFIER.exec(source.slice(i));
      if (repeat === null) return 1; // a literal "{", read as an atom next
      minimum = Number(/[0-9]+/.exec(repeat[0])?.[0] ?? 0);
      i += repeat[0].length;
    } else {
      return 1;
    }
    if (source[i] === '?') i++; // lazy
    return minimum;
  };
  const length = alternation();
  return failed || i < source.length ? 0 : length;
}
