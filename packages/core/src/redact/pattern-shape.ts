import RE2 from 're2';

/** Context assertions whose truth at a position depends on the characters next to it. */
export const ContextAssertion = Object.freeze({
  /** `\b` */
  WORD_BOUNDARY: 1,
  /** `\B` */
  NOT_WORD_BOUNDARY: 2,
  /** `^` / `$` under `(?m)`: they look at a neighbouring `\n`. */
  LINE_ANCHOR: 4,
} as const);

/**
 * What a pattern's matches can be made of, read from its source: its atoms
 * (literal characters, escapes, classes, `.`) and the context assertions it
 * uses. Conservative: anything not understood here gives `atoms: null` and
 * every assertion, which the {@link Redactor} treats as "could match anything".
 */
export interface PatternShape {
  /** Each atom as a standalone RE2 source, or null when the pattern was not fully understood. */
  readonly atoms: readonly string[] | null;
  /** Inline flags switched on anywhere in the pattern (`i`, `s`), applied to every atom. */
  readonly flags: string;
  /** {@link ContextAssertion} bits. */
  readonly assertions: number;
  /** Whether it uses `^`, `$`, `\A` or `\z`, which can tell where a text starts or ends. */
  readonly textAnchors: boolean;
}

const UNKNOWN: PatternShape = Object.freeze({
  atoms: null,
  flags: '',
  assertions: ContextAssertion.WORD_BOUNDARY | ContextAssertion.NOT_WORD_BOUNDARY | ContextAssertion.LINE_ANCHOR,
  textAnchors: true,
});

/** Escapes that stand for one character of a class (`\d`, `\s`, `\n`, …). */
export const CLASS_ESCAPES = 'dDsSwWntrfv';
/** A counted repetition, `{n}`, `{n,}` or `{n,m}`; any other `{` is a literal. */
export const QUANTIFIER = /^\{[0-9]+(?:,[0-9]*)?\}/;
const GROUP_FLAGS = /^([imsU]*)(?:-[imsU]*)?[:)]/;
const GROUP_NAME = /^P?<[A-Za-z0-9_]+>/;

/**
 * Reads an RE2 pattern that RE2 has already accepted. Groups, alternation and
 * quantifiers are skipped; escapes this reader does not know make it give up.
 */
export function readPatternShape(source: string): PatternShape {
  const atoms: string[] = [];
  let flags = '';
  let assertions = 0;
  let anchors = false;
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === '\\') {
      const e = source[i + 1];
      if (e === undefined) return UNKNOWN;
      if (e === 'Q') {
        const end = source.indexOf('\\E', i + 2);
        for (const ch of source.slice(i + 2, end === -1 ? undefined : end)) atoms.push(literal(ch));
        i = end === -1 ? source.length : end + 2;
      } else if (e === 'b') {
        assertions |= ContextAssertion.WORD_BOUNDARY;
        i += 2;
      } else if (e === 'B') {
        assertions |= ContextAssertion.NOT_WORD_BOUNDARY;
        i += 2;
      } else if (e === 'A' || e === 'z') {
        anchors = true;
        i += 2;
      } else if (CLASS_ESCAPES.includes(e)) {
        atoms.push(source.slice(i, i + 2));
        i += 2;
      } else if (e === 'p' || e === 'P' || e === 'x') {
        const end = source[i + 2] === '{' ? source.indexOf('}', i + 3) + 1 : i + (e === 'x' ? 4 : 3);
        if (end <= i + 2 || end > source.length) return UNKNOWN;
        atoms.push(source.slice(i, end));
        i = end;
      } else if (/[A-Za-z0-9]/.test(e)) {
        return UNKNOWN; // \C, octal, backreference-like and other escapes: not read here
      } else {
        const ch = String.fromCodePoint(source.codePointAt(i + 1) as number);
        atoms.push(literal(ch));
        i += 1 + ch.length;
      }
    } else if (c === '[') {
      const end = classEnd(source, i);
      if (end === -1) return UNKNOWN;
      atoms.push(source.slice(i, end));
      i = end;
    } else if (c === '(') {
      if (source[i + 1] !== '?') {
        i++;
        continue;
      }
      const rest = source.slice(i + 2);
      const flagGroup = GROUP_FLAGS.exec(rest);
      const group = flagGroup ?? GROUP_NAME.exec(rest);
      if (group === null) return UNKNOWN;
      if (flagGroup !== null) flags += flagGroup[1] ?? '';
      i += 2 + group[0].length;
    } else if (c === ')' || c === '|' || c === '*' || c === '+' || c === '?') {
      i++;
    } else if (c === '{' && QUANTIFIER.test(source.slice(i))) {
      i += (QUANTIFIER.exec(source.slice(i)) as RegExpExecArray)[0].length;
    } else if (c === '^' || c === '$') {
      anchors = true;
      i++;
    } else if (c === '.') {
      atoms.push('.');
      i++;
    } else {
      const ch = String.fromCodePoint(source.codePointAt(i) as number);
      atoms.push(literal(ch));
      i += ch.length;
    }
  }
  if (anchors && flags.includes('m')) assertions |= ContextAssertion.LINE_ANCHOR;
  return { atoms, flags: [...new Set(flags.replace(/[mU]/g, ''))].join(''), assertions, textAnchors: anchors };
}

/** Index just past the class starting at `start` (`[`), or -1. */
export function classEnd(source: string, start: number): number {
  let j = start + 1;
  if (source[j] === '^') j++;
  if (source[j] === ']') j++; // a leading ] is a literal
  while (j < source.length && source[j] !== ']') {
    if (source[j] === '\\') {
      const e = source[j + 1];
      if (e === undefined || e === 'Q') return -1;
      if ((e === 'p' || e === 'P' || e === 'x') && source[j + 2] === '{') {
        const close = source.indexOf('}', j + 3);
        if (close === -1) return -1;
        j = close + 1;
      } else {
        j += 1 + String.fromCodePoint(source.codePointAt(j + 1) as number).length;
      }
    } else if (source[j] === '[' && source[j + 1] === ':') {
      // RE2 accepts "[:" in a class only as a valid POSIX class ending at the first ":]".
      const close = source.indexOf(':]', j + 2);
      j = close === -1 ? j + 1 : close + 2;
    } else {
      j++;
    }
  }
  return j < source.length ? j + 1 : -1;
}

function literal(ch: string): string {
  return `\\x{${(ch.codePointAt(0) as number).toString(16)}}`;
}

/** "Can some atom of this pattern match character `ch`?" (`true` for a pattern not understood). */
export type AcceptCache = (shape: PatternShape, ch: string) => boolean;

/**
 * An {@link AcceptCache} that asks RE2 itself, compiling each distinct atom
 * once and remembering the answer for each pattern and character.
 */
export function createAcceptCache(): AcceptCache {
  const atoms = new Map<string, RE2 | null>();
  const answers = new WeakMap<PatternShape, Map<string, boolean>>();
  const atomAccepts = (atom: string, flags: string, ch: string): boolean => {
    const key = `${flags}/${atom}`;
    let re = atoms.get(key);
    if (re === undefined) {
      try {
        re = new RE2(`^(?:${atom})$`, flags);
      } catch {
        re = null;
      }
      atoms.set(key, re);
    }
    return re === null || re.test(ch);
  };
  return (shape, ch) => {
    if (shape.atoms === null) return true;
    let known = answers.get(shape);
    if (known === undefined) answers.set(shape, (known = new Map()));
    let answer = known.get(ch);
    if (answer === undefined) {
      answer = shape.atoms.some((atom) => atomAccepts(atom, shape.flags, ch));
      known.set(ch, answer);
    }
    return answer;
  };
}

