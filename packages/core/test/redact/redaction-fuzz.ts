import RE2 from 're2';
import type { RedactionEntry, RuleMask } from '../../src/internal.js';
import { setOwn } from '../../src/redact/redact-value.js';

// Random redaction cases and the reference semantics they are checked
// against, for the differential tests. Everything is driven by a seeded
// PRNG: a case is reproduced by its seed alone.

/** A seeded pseudo-random source (sfc32). Same seed, same sequence. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function createRandom(seed: number): Random {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const u32 = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 16; i++) u32();
  const next = (): number => u32() / 4294967296;
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    chance: (p) => next() < p,
  };
}

/** Seed of case `index` of a suite: distinct per suite and index, stable across runs. */
export function caseSeed(base: number, suite: string, index: number): number {
  let h = (base ^ 0x811c9dc5) >>> 0;
  for (const ch of `${suite}#${index}`) h = Math.imul(h ^ (ch.codePointAt(0) as number), 0x01000193) >>> 0;
  return h;
}

// ---------------------------------------------------------------- patterns

/** One piece of a generated pattern: its RE2 source and a way to produce text it matches. */
interface Node {
  readonly source: string;
  /** Text this piece matches (assertions are not honoured; a sample may not match in context). */
  sample(r: Random, caseless: boolean): string;
}

const META = new Set('\\^$.|?*+()[]{}'.split(''));

function escapeLiteral(text: string): string {
  return [...text].map((ch) => (META.has(ch) ? `\\${ch}` : ch)).join('');
}

function flipCase(r: Random, text: string): string {
  return [...text].map((ch) => (r.chance(0.5) ? ch.toUpperCase() : ch.toLowerCase())).join('');
}

const literal = (text: string): Node => ({
  source: escapeLiteral(text),
  sample: (r, caseless) => (caseless ? flipCase(r, text) : text),
});

/** Classes and the characters their samples are drawn from. */
const CLASSES: ReadonlyArray<readonly [source: string, chars: string]> = [
  ['[A-Z0-9]', 'AKZ09Q7'],
  ['[a-z]', 'abkxyz'],
  ['\\d', '0123456789'],
  ['\\w', 'aZ_09k'],
  ['\\s', ' \n\t\r'],
  ['.', 'a-é😀 Z'],
  ['\\S', 'a-é中'],
  ['[^a-z]', 'A1 -é\n'],
  ['[é中😀]', 'é中😀'],
  ['[\\-_.=]', '-_.='],
  ['\\pL', 'aé中Z'],
  ['[A-Za-z0-9_]', 'aZ0_'],
];

const classNode = (r: Random): Node => {
  const [source, chars] = r.pick(CLASSES);
  const list = [...chars];
  return { source, sample: (rr) => rr.pick(list) };
};

const ASSERTIONS = ['\\b', '\\B', '^', '$', '\\A', '\\z', '\\b', '\\b'] as const;
const assertion = (source: string): Node => ({ source, sample: () => '' });

function quantified(r: Random, node: Node): Node {
  const kind = r.int(0, 7);
  const lazy = r.chance(0.1) ? '?' : '';
  let lo: number;
  let hi: number;
  let suffix: string;
  switch (kind) {
    case 0: {
      lo = hi = r.int(1, 3);
      suffix = `{${lo}}`;
      break;
    }
    case 1: {
      lo = r.int(0, 2);
      hi = lo + r.int(0, 3);
      suffix = `{${lo},${hi}}`;
      break;
    }
    case 2: {
      lo = r.int(1, 2);
      hi = lo + 2;
      suffix = `{${lo},}`;
      break;
    }
    case 3:
      [lo, hi, suffix] = [1, 3, '+'];
      break;
    case 4:
      [lo, hi, suffix] = [0, 3, '*'];
      break;
    default:
      [lo, hi, suffix] = [0, 1, '?'];
  }
  // A quantifier applies to one atom: wrap anything longer.
  const single = /^(?:\\p.|\\.|\[[^\]]*\]|.)$/su.test(node.source);
  const source = `${single ? node.source : `(?:${node.source})`}${suffix}${lazy}`;
  return {
    source,
    sample: (rr, caseless) => {
      let out = '';
      for (let i = rr.int(lo, hi); i > 0; i--) out += node.sample(rr, caseless);
      return out;
    },
  };
}

function group(r: Random, vocab: readonly string[], depth: number): Node {
  const alternatives = Array.from({ length: r.int(1, 3) }, () => sequence(r, vocab, depth + 1, r.int(1, 2), r.chance(0.5)));
  const kind = r.pick(['(', '(?:', '(?:', '(?i:', '(?s:'] as const);
  return {
    source: `${kind}${alternatives.map((a) => a.source).join('|')})`,
    sample: (rr, caseless) => rr.pick(alternatives).sample(rr, caseless || kind === '(?i:'),
  };
}

function item(r: Random, vocab: readonly string[], depth: number, assertions: boolean): Node {
  const roll = r.next();
  let node: Node;
  if (roll < 0.4) node = literal(r.pick(vocab));
  else if (roll < 0.72) node = classNode(r);
  else if (roll < 0.84 && depth < 2) node = group(r, vocab, depth);
  else if (assertions && roll < 0.94) return assertion(r.pick(ASSERTIONS));
  else node = literal(r.pick(vocab));
  return r.chance(0.35) ? quantified(r, node) : node;
}

function sequence(r: Random, vocab: readonly string[], depth: number, length: number, assertions: boolean): Node {
  const items = Array.from({ length }, () => item(r, vocab, depth, assertions));
  return {
    source: items.map((i) => i.source).join(''),
    sample: (rr, caseless) => items.map((i) => i.sample(rr, caseless)).join(''),
  };
}

/** Patterns shaped like real secret patterns: they exercise the literal locators. */
function realistic(r: Random, vocab: readonly string[]): Node {
  const word = (): string => r.pick(vocab.filter((w) => [...w].length >= 2).concat(['AKIA', 'ghp_', 'TOKEN', 'sk-live', 'xoxb']));
  const lit = word();
  const other = word();
  const n = r.int(2, 8);
  const upperDigits: Node = { source: `[0-9A-Z]{${n}}`, sample: (rr) => Array.from({ length: n }, () => rr.pick([...'AZ09KQ'])).join('') };
  const digits: Node = { source: '[0-9]+', sample: (rr) => String(rr.int(0, 999)) };
  const lower: Node = { source: `[a-z0-9]{1,${n}}`, sample: (rr) => Array.from({ length: rr.int(1, n) }, () => rr.pick([...'ab09z'])).join('') };
  const l = literal(lit);
  const o = literal(other);
  const join = (parts: Array<Node | string>, caseless = false): Node => ({
    source: parts.map((p) => (typeof p === 'string' ? p : p.source)).join(''),
    sample: (rr, ci) => parts.map((p) => (typeof p === 'string' ? '' : p.sample(rr, ci || caseless))).join(''),
  });
  switch (r.int(0, 15)) {
    case 0:
      return join(['\\b', l, upperDigits]);
    case 1:
      return join(['(?i)\\b', l, lower], true);
    case 2:
      return join([l, { source: `[A-Za-z0-9_]{${n}}`, sample: (rr) => Array.from({ length: n }, () => rr.pick([...'aZ0_'])).join('') }, '\\b']);
    case 3:
      return join(['\\b', { source: `(?:${l.source}|${o.source})`, sample: (rr, ci) => (rr.chance(0.5) ? l : o).sample(rr, ci) }, digits]);
    case 4:
      return join(['\\b', { source: `(?i:${l.source})`, sample: (rr) => flipCase(rr, lit) }, digits]);
    case 5:
      return join(['(?m)^', l, { source: '=\\S+', sample: (rr) => `=${rr.pick(['x', 'val', 'é'])}` }]);
    case 6:
      return join([l, { source: '-[0-9]', sample: (rr) => `-${rr.int(0, 9)}` }]);
    case 7:
      return join([{ source: `(?i:${l.source})`, sample: (rr) => flipCase(rr, lit) }, o]);
    case 8:
      return join(['\\b', l, '(?i)', o, lower]);
    case 9:
      return join([l, o, '$']);
    case 10:
      return join(['\\b', { source: `(?:${l.source}(?i:${o.source})|${o.source})`, sample: (rr) => (rr.chance(0.5) ? lit + flipCase(rr, other) : other) }]);
    case 12:
      return join(['(?m)', l, '$']);
    case 13:
      return join(['\\B', l, digits]);
    case 14:
      return join([l, '\\B']);
    case 15:
      return join(['(?m)^', l, { source: '[0-9]*', sample: (rr) => String(rr.int(0, 99)) }]);
    default:
      return join([l, '\\b', o]);
  }
}

/** A generated pattern: RE2 accepts it and it does not match the empty text. */
export interface GeneratedPattern {
  readonly source: string;
  readonly sample: (r: Random) => string;
}

const FLAG_PREFIXES = ['', '', '', '', '', '(?i)', '(?s)', '(?m)', '(?ms)', '(?is)'];

/** A random pattern over `vocab`, retried until RE2 accepts it and it cannot match "". */
export function generatePattern(r: Random, vocab: readonly string[], options: { anchors: boolean; realistic?: number }): GeneratedPattern {
  for (;;) {
    let node: Node;
    if (r.chance(options.realistic ?? 0.3)) {
      node = realistic(r, vocab);
    } else {
      const prefix = r.pick(FLAG_PREFIXES);
      const alternatives = Array.from({ length: r.chance(0.15) ? 2 : 1 }, () => sequence(r, vocab, 0, r.int(1, 4), true));
      const body = alternatives.map((a) => a.source).join('|');
      const caseless = prefix.includes('i');
      node = { source: prefix + body, sample: (rr) => rr.pick(alternatives).sample(rr, caseless) };
    }
    if (!options.anchors && usesTextAnchor(node.source)) continue;
    if (!acceptable(node.source)) continue;
    return { source: node.source, sample: (rr) => node.sample(rr, false) };
  }
}

/** Whether a source uses `^`, `$`, `\A` or `\z` (outside classes; good enough for generated sources). */
export function usesTextAnchor(source: string): boolean {
  return /(^|[^\\])[\^$]|\\A|\\z/.test(source.replace(/\[[^\]]*\]/g, ''));
}

/** What a policy accepts as a redact pattern: RE2 compiles it and it cannot match empty text. */
export function acceptable(source: string): boolean {
  try {
    return !new RE2(source).test('');
  } catch {
    return false;
  }
}

// -------------------------------------------------------------------- text

const WORDS = ['AKIA', 'TOKEN', 'key', 'ab', 'x', 'secret', 'é', '中文', '😀', 'ghp_', 'pass', '-', 'Zq', 'ba', 'aa', 'é中', '𝔘', 'sk-', '=', '.', ' ', 'foo', 'Bar', '_', '0', '12'];

/** 3–7 words the patterns, texts and replacements of one case share, so that they meet often. */
export function generateVocab(r: Random): string[] {
  const vocab = new Set<string>();
  for (let i = r.int(3, 7); i > 0; i--) {
    if (r.chance(0.7)) vocab.add(r.pick(WORDS));
    else vocab.add(Array.from({ length: r.int(1, 5) }, () => r.pick([...'abAB01_-xyZé'])).join(''));
  }
  return [...vocab];
}

const CHARS = [...'abcXYZ019_ -.=:/\n\n\r\té中😀𝔘'];
const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF'];

/** What texts are made of: the case's words and patterns, and pieces that meet a replacement (see {@link generateCase}). */
export interface TextSource {
  readonly vocab: readonly string[];
  readonly patterns: readonly GeneratedPattern[];
  readonly chains?: ReadonlyArray<(r: Random) => string>;
}

/**
 * A text of about `length` UTF-16 units from the case's vocabulary, secrets
 * (samples of its patterns), word characters, spaces, line breaks and
 * unicode (astral included); lone surrogates when `loneSurrogates`.
 */
export function generateText(r: Random, source: TextSource, length: number, loneSurrogates: boolean): string {
  const { vocab, patterns, chains = [] } = source;
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const roll = r.next();
    let piece: string;
    if (roll < 0.08 && chains.length > 0) piece = r.pick(chains)(r);
    else if (roll < 0.28) piece = r.pick(vocab);
    else if (roll < 0.4 && patterns.length > 0) piece = r.pick(patterns).sample(r);
    else if (roll < 0.75) piece = r.pick(CHARS);
    else if (roll < 0.87) piece = Array.from({ length: r.int(1, 8) }, () => r.pick([...'abcdefXYZ0123_'])).join('');
    else if (roll < 0.99 || !loneSurrogates) piece = r.pick([' ', '\n', '\r\n', ' ', '  ']);
    else piece = r.pick(LONE_SURROGATES);
    // Long texts now and then repeat what they have so far (cheap, and repeats meet the same patterns).
    if (length > 4096 && size > 512 && r.chance(0.002)) {
      const sofar = parts.join('');
      parts.length = 0;
      parts.push(sofar, sofar);
      size = sofar.length * 2;
      continue;
    }
    parts.push(piece);
    size += piece.length;
  }
  return parts.join('');
}

const REPLACEMENTS = ['', '*', '[REDACTED]', 'X', 'TOKEN-1', '\n', ' ', '-', 'é', '😀', 'a\nb', 'REDACTED_KEY', '_', '[REDACTED:key]', 'x y'];

/** A replacement: fixed ones, words of the vocabulary, and secrets of the case's patterns (which create matches). */
const EDGES = ['[', ']', '#', '<', '>', '(', ')', '\n', ' ', '-', 'é', '*', ':'];
const CONTEXT_REPLACEMENTS = ['\n', '-', ' ', 'x', '_', '\n#', '#\n', 'é', '', '*', 'Z9', '\r\n'];

/** Splits a sample at a random code point boundary. */
function split(r: Random, text: string): [string, string] {
  const chars = [...text];
  const at = r.int(0, chars.length);
  return [chars.slice(0, at).join(''), chars.slice(at).join('')];
}

/**
 * A replacement for entry `i`: fixed ones, words of the vocabulary, secrets
 * of the case's patterns (which create matches), and replacements aimed at
 * a later pattern `j`: its secret inside characters `j` cannot match
 * (`[…]`), the start or end of its secret with the rest of it next to
 * entry `i`'s secret in the text (a match that overlaps the replacement's
 * first or last character), or punctuation, spaces, newlines and word
 * characters next to `j`'s secret (a `\b`, `\B` or `(?m)^`/`$` that becomes
 * true at the replacement's edge). `chains` receives the text pieces that
 * set those up.
 */
export function generateReplacement(r: Random, c: { vocab: readonly string[]; patterns: readonly GeneratedPattern[] }, i: number, chains: Array<(r: Random) => string>): string {
  const { vocab, patterns } = c;
  const own = patterns[i];
  const later = patterns.slice(i + 1);
  const roll = r.next();
  if (own !== undefined && later.length > 0 && roll < 0.45) {
    const target = r.pick(later);
    const sample = target.sample(r);
    switch (r.int(0, 3)) {
      case 0:
        return r.pick(EDGES) + sample + r.pick(EDGES);
      case 1: {
        // Replacement ends with the start of j's secret; the text goes on with the rest.
        const [head, tail] = split(r, sample);
        chains.push((rr) => own.sample(rr) + tail);
        return r.pick(EDGES) + head;
      }
      case 2: {
        // Replacement starts with the end of j's secret; the text has the start before.
        const [head, tail] = split(r, sample);
        chains.push((rr) => head + own.sample(rr));
        return tail + r.pick(EDGES);
      }
      default: {
        // j's secret right before or after i's: only the context at the edge changes.
        chains.push((rr) => own.sample(rr) + target.sample(rr), (rr) => target.sample(rr) + own.sample(rr), (rr) => own.sample(rr).repeat(2) + target.sample(rr));
        return r.pick(CONTEXT_REPLACEMENTS);
      }
    }
  }
  if (roll < 0.7) return r.pick(REPLACEMENTS);
  if (roll < 0.85) return r.pick(vocab) + (r.chance(0.5) ? String(r.int(0, 9)) : '');
  if (patterns.length > 0) return r.pick(patterns).sample(r);
  return '[REDACTED]';
}

/** A random redaction case: entries over up to 6 rules, the mask, and what its texts are made of. */
export interface RedactionCase extends TextSource {
  readonly entries: RedactionEntry[];
  readonly mask: RuleMask;
  readonly vocab: string[];
  readonly patterns: GeneratedPattern[];
  readonly chains: Array<(r: Random) => string>;
}

export function generateCase(r: Random, options: { patterns: number; anchors: boolean }): RedactionCase {
  const vocab = generateVocab(r);
  // Many free-form patterns with longer replacements grow a text
  // exponentially (each replaces what the one before wrote): lists of many
  // patterns are mostly shaped like real secret patterns.
  const realistic = options.patterns > 16 ? 0.85 : 0.3;
  const patterns = Array.from({ length: options.patterns }, () => generatePattern(r, vocab, { anchors: options.anchors, realistic }));
  const rules = r.int(1, Math.min(6, options.patterns));
  // Entries grouped by rule in order (as a policy builds them) or interleaved.
  const grouped = r.chance(0.5);
  const chains: Array<(r: Random) => string> = [];
  const entries = patterns.map((pattern, i) => ({
    rule: grouped ? Math.floor((i * rules) / patterns.length) : r.int(0, rules - 1),
    source: pattern.source,
    replacement: generateReplacement(r, { vocab, patterns }, i, chains),
  }));
  const mask = new Uint8Array(rules);
  const all = r.chance(0.4);
  for (let i = 0; i < rules; i++) mask[i] = all || r.chance(0.6) ? 1 : 0;
  return { entries, mask, vocab, patterns, chains };
}

// --------------------------------------------------------------- reference

const compiledSources = new Map<string, RE2>();

/** `new RE2(source, 'g')`, compiled once per source (a global replace starts at 0 and leaves lastIndex at 0). */
function compiled(source: string): RE2 {
  let re = compiledSources.get(source);
  if (re === undefined) {
    if (compiledSources.size > 5000) compiledSources.clear();
    re = new RE2(source, 'g');
    compiledSources.set(source, re);
  }
  re.lastIndex = 0;
  return re;
}

/** Texts the reference loop gives up on (see {@link naiveRedact}). */
export const NAIVE_MAX_LENGTH = 400_000;

// node-re2 works out the UTF-16 offset of every match from far back when it
// calls a replacer with strings: quadratic in dense long texts. Above this
// length the reference asks for Buffers instead (`useBuffers`), which only
// changes what the replacer is handed: an empty match is still length 0.
const STRING_REPLACER_MAX_LENGTH = 20_000;

/**
 * The contract: every active entry's global replace, in order, skipping
 * empty matches; `count` is the number of non-empty replacements. Null when
 * the text grows past {@link NAIVE_MAX_LENGTH} (replacements longer than
 * what they replace, many patterns): such a case is skipped, not compared.
 */
export function naiveRedact(entries: readonly RedactionEntry[], mask: RuleMask, text: string): { text: string; count: number } | null {
  let count = 0;
  for (const { rule, source, replacement } of entries) {
    if (mask[rule] !== 1) continue;
    if (text.length > NAIVE_MAX_LENGTH) return null;
    const replacer = (m: string | Buffer): string => {
      if (m.length === 0) return m as string;
      count++;
      return replacement;
    };
    replacer.useBuffers = text.length > STRING_REPLACER_MAX_LENGTH;
    text = compiled(source).replace(text, replacer as (m: string) => string);
  }
  return text.length > NAIVE_MAX_LENGTH ? null : { text, count };
}

/**
 * Whether the Redactor's result for one string agrees with the naive loop's.
 * One tolerated difference, as before the optimization: node-re2 turns lone
 * surrogates into U+FFFD in every string it replaces in, even without a
 * match, so the naive loop always does; the Redactor runs no replace when no
 * active pattern occurs and returns such a string as it was.
 */
export function sameRedaction(actual: string, expected: string): boolean {
  return actual === expected || (!isWellFormed(actual) && toWellFormed(actual) === expected);
}

// ES2024 string methods (Node 20 has them; the TypeScript lib here is ES2023).
export const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();
const toWellFormed = (text: string): string => (text as unknown as { toWellFormed(): string }).toWellFormed();

const ENVELOPE = new Set(['jsonrpc', 'id', 'method']);

/**
 * In an expected value: any one of these. When two keys of an object are
 * rewritten to the same key, which value the object keeps is not part of
 * the contract (each is redacted; JSON would keep the last, the policy may
 * keep another): either is accepted.
 */
export class OneOf {
  constructor(readonly options: readonly unknown[]) {}
}

/**
 * The reference for a message: every string and key but the top-level
 * envelope (`jsonrpc`, `id`, `method`) through `redact`. A value that is not
 * an object (a bare string, a nested array in a batch) has no envelope:
 * every string goes through `redact`.
 */
export function naiveMessage(message: unknown, redact: (text: string) => string): unknown {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return naiveValue(message, redact);
  const out: Record<string, unknown> = {};
  const entries = Object.entries(message);
  // Envelope first, then the rest, as the policy rebuilds a message (a body
  // key rewritten to "id" then replaces the id in both).
  for (const [key, value] of entries) if (ENVELOPE.has(key)) setOwn(out, key, value);
  assignAll(out, entries.filter(([key]) => !ENVELOPE.has(key)), redact);
  return out;
}

export function naiveValue(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => naiveValue(item, redact));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  assignAll(out, Object.entries(value), redact);
  return out;
}

function assignAll(out: Record<string, unknown>, entries: ReadonlyArray<[string, unknown]>, redact: (text: string) => string): void {
  const byKey = new Map<string, unknown[]>();
  for (const [key, value] of entries) {
    const rewritten = redact(key);
    const list = byKey.get(rewritten) ?? [];
    list.push(naiveValue(value, redact));
    byKey.set(rewritten, list);
  }
  for (const [key, values] of byKey) setOwn(out, key, values.length === 1 ? values[0] : new OneOf(values));
}

/** Path and description of the first difference between two JSON values, or null. */
export function firstDifference(actual: unknown, expected: unknown, path = '$'): string | null {
  if (expected instanceof OneOf) {
    const differences = expected.options.map((option) => firstDifference(actual, option, path));
    return differences.includes(null) ? null : `${path}: none of ${expected.options.length} colliding values: ${differences.join('; ')}`;
  }
  if (typeof actual === 'string' && typeof expected === 'string') {
    return sameRedaction(actual, expected) ? null : `${path}: ${describeStringDifference(actual, expected)}`;
  }
  if (Array.isArray(actual) !== Array.isArray(expected)) return `${path}: array vs non-array`;
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) return `${path}: length ${actual.length} vs ${expected.length}`;
    for (let i = 0; i < actual.length; i++) {
      const found = firstDifference(actual[i], expected[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (actual !== null && expected !== null && typeof actual === 'object' && typeof expected === 'object') {
    const a = Object.keys(actual).sort();
    const e = Object.keys(expected).sort();
    if (a.join('\u0000') !== e.join('\u0000')) {
      const missing = e.filter((k) => !a.includes(k)).map((k) => JSON.stringify(k));
      const extra = a.filter((k) => !e.includes(k)).map((k) => JSON.stringify(k));
      return `${path}: keys differ; expected but missing ${clip(missing.join(', '))}; unexpected ${clip(extra.join(', '))}`;
    }
    for (const key of e) {
      const found = firstDifference((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}[${JSON.stringify(clip(key))}]`);
      if (found !== null) return found;
    }
    return null;
  }
  return Object.is(actual, expected) ? null : `${path}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`;
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} chars)` : text;
}

/** Where two strings first differ, with a window of context around it. */
export function describeStringDifference(actual: string, expected: string): string {
  if (actual.length <= 300 && expected.length <= 300) return `got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  const from = Math.max(0, i - 60);
  return `lengths ${actual.length} (got) vs ${expected.length} (expected), first difference at ${i}: got …${JSON.stringify(actual.slice(from, i + 60))}…, expected …${JSON.stringify(expected.slice(from, i + 60))}…`;
}

/** A text for a failure message: whole when short, else its length and a window at `at`. */
export function describeText(text: string, at = 0): string {
  if (text.length <= 300) return JSON.stringify(text);
  const from = Math.max(0, at - 80);
  return `(${text.length} chars) …${JSON.stringify(text.slice(from, at + 80))}… around ${at}`;
}

/** Number of cases: `MCPGW_DIFF_CASES` scales every suite (default 1 = the counts given). */
export function caseCount(base: number): number {
  const wanted = Number(process.env['MCPGW_DIFF_CASES'] ?? '');
  return Number.isFinite(wanted) && wanted > 0 ? Math.max(1, Math.round((base * wanted) / DEFAULT_SHORT_CASES)) : base;
}

/** Short-string cases run by default; `MCPGW_DIFF_CASES` is read relative to it. */
export const DEFAULT_SHORT_CASES = 4000;

/** Base seed (`MCPGW_DIFF_SEED`, default fixed). */
export const BASE_SEED = Number(process.env['MCPGW_DIFF_SEED'] ?? 20_251_126) >>> 0;

/** `MCPGW_DIFF_ONLY=<case seed>` replays one case (seeds are printed on failure). */
export const ONLY_SEED = process.env['MCPGW_DIFF_ONLY'] === undefined ? null : Number(process.env['MCPGW_DIFF_ONLY']) >>> 0;

// ---------------------------------------------------------------- messages

/** How big a generated message body is, in characters of strings (keys included). */
export type SizeClass = 'small' | 'medium' | 'near-16k' | 'large' | 'deep';

/**
 * A random JSON value for a message body: nested objects and arrays, keys
 * that are (or hold) secrets, strings up to `size` (`medium`: one string of
 * 4 096–11 000 chars; `near-16k`: padded to 16 384 ± 3 chars of strings in
 * all; `large`: several long strings, over 16 K in all; `deep`: a chain
 * nested past the prefilter's depth limit).
 */
export function generateBody(r: Random, c: TextSource, size: SizeClass, measure: (value: unknown) => number): Record<string, unknown> {
  const key = (): string => {
    const roll = r.next();
    if (roll < 0.25 && c.patterns.length > 0) return r.pick(c.patterns).sample(r);
    if (roll < 0.3) return r.pick(c.vocab);
    if (roll < 0.31) return '__proto__';
    return generateText(r, c, r.int(0, 16), false);
  };
  const text = (): string => generateText(r, c, r.int(0, 60), r.chance(0.05));
  const value = (depth: number): unknown => {
    const roll = r.next();
    if (depth >= 4 || roll < 0.5) {
      const leaf = r.next();
      if (leaf < 0.75) return text();
      if (leaf < 0.85) return r.int(-5, 1000);
      if (leaf < 0.92) return r.chance(0.5);
      return null;
    }
    if (roll < 0.72) return Array.from({ length: r.int(0, 4) }, () => value(depth + 1));
    const out: Record<string, unknown> = {};
    for (let i = r.int(0, 4); i > 0; i--) setOwn(out, key(), value(depth + 1));
    return out;
  };
  const long = (min: number, max: number): string => generateText(r, c, r.int(min, max), r.chance(0.1));
  const body: Record<string, unknown> = {};
  for (let i = r.int(1, 4); i > 0; i--) setOwn(body, key(), value(1));
  if (size === 'medium') setOwn(body, key(), [text(), long(4096, 11_000), text()]);
  if (size === 'large') {
    for (let i = r.int(1, 3); i > 0; i--) setOwn(body, key(), { [key()]: long(4096, 20_000), [key()]: value(2) });
  }
  if (size === 'deep') {
    let chain: unknown = text();
    for (let i = r.int(64, 80); i > 0; i--) chain = r.chance(0.5) ? [chain] : { [key()]: chain };
    setOwn(body, key(), chain);
  }
  if (size === 'near-16k') {
    const target = 16_384 + r.int(-3, 3);
    const padKey = `pad${r.int(0, 9)}`;
    const have = measure(body);
    if (have + padKey.length < target) {
      const want = target - have - padKey.length;
      // Cut to hit the target exactly, without leaving half a surrogate pair.
      let pad = generateText(r, c, want, false).slice(0, want);
      if (/[\uD800-\uDBFF]$/.test(pad)) pad = `${pad.slice(0, -1)}x`;
      setOwn(body, padKey, pad);
    }
  }
  return body;
}

// ----------------------------------------------------------------- filler

const FILLERS = ['~', '#', ',', 'q', 'ж', '!', '%', '§', '|', '\t', ' ', '^', '@'];

/**
 * A character no pattern of `entries` matches anywhere in a run of it, or
 * null. A long text of it with a short interesting piece inside takes the
 * UTF-8 buffer path while every match (and every pattern that is not a
 * candidate yet) sits in the piece, as in a short text: that is where the
 * rescan-skipping reasoning decides anything.
 */
export function pickFiller(r: Random, entries: readonly RedactionEntry[]): string | null {
  const start = r.int(0, FILLERS.length - 1);
  for (let k = 0; k < FILLERS.length; k++) {
    const filler = FILLERS[(start + k) % FILLERS.length] as string;
    const run = filler.repeat(64);
    if (entries.every(({ source }) => !compiled(source).test(run))) return filler;
  }
  return null;
}

/** `text` padded with `filler` on the left, the right or both sides to 4 096–4 296 characters. */
export function padToBufferPath(r: Random, text: string, filler: string): string {
  const missing = Math.max(0, 4096 + r.int(0, 200) - text.length);
  const left = [0, missing, r.int(0, missing)][r.int(0, 2)] as number;
  return filler.repeat(left) + text + filler.repeat(missing - left);
}

/** A text of about `length` characters of `filler` with 1–5 short pieces from the case's vocabulary and patterns. */
export function sparseText(r: Random, c: TextSource, filler: string, length: number, loneSurrogates: boolean): string {
  const pieces = Array.from({ length: r.int(1, 5) }, () => generateText(r, c, r.int(0, 60), loneSurrogates));
  const room = Math.max(0, length - pieces.reduce((n, piece) => n + piece.length, 0));
  const cuts = Array.from({ length: pieces.length }, () => r.int(0, room)).sort((a, b) => a - b);
  let out = '';
  let at = 0;
  pieces.forEach((piece, i) => {
    out += filler.repeat((cuts[i] as number) - at) + piece;
    at = cuts[i] as number;
  });
  return out + filler.repeat(room - at);
}

// ---------------------------------------------------------- context cases

const CONTEXT_WORDS = ['foo', 'key', 'AKIA', 'ab', 'x', 'é', 'Zq', '_', '9'];
const CONTEXT_FORMS = ['\\b%', '%\\b', '\\B%', '%\\B', '(?m)^%', '(?m)%$', '(?i)\\b%', '\\b%\\b', '(?m)^%$', '\\B%\\b', '(?m)^%\\b'];
const TRIGGERS: ReadonlyArray<readonly [source: string, text: string]> = [
  [';', ';'],
  ['-', '-'],
  ['x', 'x'],
  ['\\.', '.'],
  ['_', '_'],
  ['é', 'é'],
  ['[;,]', ','],
  ['#+', '##'],
  ['\\n', '\n'],
  ['\\s', ' '],
  ['q', 'q'],
  ['9', '9'],
];

/**
 * A case aimed at the rescan-skipping reasoning: patterns whose match
 * depends only on the characters next to it (`\bfoo`, `\Bkey`, `(?m)^AKIA`,
 * `ab$`…) and short "trigger" patterns whose replacements (punctuation,
 * spaces, newlines, word characters, nothing) change those characters, in
 * random order; texts of triggers, words and separators side by side.
 */
export function generateContextCase(r: Random): RedactionCase {
  const count = r.int(2, 5);
  const patterns: GeneratedPattern[] = [];
  const words: string[] = [];
  for (let i = 0; i < count; i++) {
    if (r.chance(0.5)) {
      const word = r.pick(CONTEXT_WORDS);
      words.push(word);
      const source = r.pick(CONTEXT_FORMS).replace('%', escapeLiteral(word));
      if (acceptable(source)) patterns.push({ source, sample: () => word });
    } else {
      const [source, text] = r.pick(TRIGGERS);
      words.push(text);
      patterns.push({ source, sample: () => text });
    }
  }
  if (patterns.length === 0) patterns.push({ source: 'foo', sample: () => 'foo' });
  const replacements = [...CONTEXT_REPLACEMENTS, ...EDGES, 'foo', 'xfoo', 'foo\n', '\nkey', 'AKIA', 'a-b'];
  const entries = patterns.map((pattern, i) => ({ rule: i % 2, source: pattern.source, replacement: r.pick(replacements) }));
  const separators = [' ', '\n', ',', 'a', '-', 'é', ''];
  const chains = [(rr: Random) => Array.from({ length: rr.int(1, 6) }, () => rr.pick(words) + (rr.chance(0.3) ? rr.pick(separators) : '')).join('')];
  return { entries, mask: Uint8Array.of(1, r.chance(0.8) ? 1 : 0), vocab: [...words, ...separators.filter((s) => s !== '')], patterns, chains };
}

/** A text for a context case: its words side by side, with a separator now and then. */
export function contextText(r: Random, c: RedactionCase): string {
  return Array.from({ length: r.int(1, 4) }, () => (c.chains[0] as (r: Random) => string)(r)).join(r.pick(['', '', ' ', '\n']));
}
