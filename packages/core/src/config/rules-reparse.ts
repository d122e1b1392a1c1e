import { isSeq, parseDocument, visit, type Document, type Node } from 'yaml';

// A reload usually changes a few of many rules. Parsing 178 KiB of YAML again
// for that costs ~50 ms; this re-parses only the `policy.rules` items the edit
// touched and takes everything else from the previous parse. It declines
// (undefined: parse the whole file) whenever a piecewise parse might not read
// the file exactly as a whole-file parse would.

/** What a parse leaves for the next one. */
export interface ParseMemo {
  readonly text: string;
  /** The file's value as parsed (before defaults). */
  readonly raw: Readonly<Record<string, unknown>>;
  /** The offset of the line of each `policy.rules` item's `-`, then the end of the list (a line start). */
  readonly itemStarts: readonly number[];
  /** The column of the items' `-`. */
  readonly column: number;
}

const MEMOS = new WeakMap<object, ParseMemo>();

/** Remembers what `config` was parsed from. */
export function rememberParse(config: object, memo: ParseMemo | undefined): void {
  if (memo !== undefined) MEMOS.set(config, memo);
}

export function memoOf(config: object): ParseMemo | undefined {
  return MEMOS.get(config);
}

/**
 * The memo of a whole-file parse, or undefined when the file has what a
 * piecewise parse cannot follow: anchors or aliases (an item could refer to
 * another part of the file), directives, CR line ends, a rule list that is
 * not a block sequence of items starting on their `-` line.
 */
export function memoFor(text: string, doc: Document, raw: Readonly<Record<string, unknown>>): ParseMemo | undefined {
  if (text.includes('\r') || text.includes('\t') || /^%/m.test(text) || !piecewiseSafe(doc)) return undefined;
  const rules = doc.getIn(['policy', 'rules'], true);
  if (!isSeq(rules) || rules.flow === true || rules.items.length === 0 || rules.range == null) return undefined;
  const starts = itemLineStarts(text, rules.items as Node[], undefined);
  if (starts === undefined) return undefined;
  const end = lineStartAtOrAfter(text, rules.range[1]);
  return { text, raw, itemStarts: [...starts.starts, end], column: starts.column };
}

/**
 * The file's value when it differs from the memo's only inside
 * `policy.rules` items, with those items parsed again and the rest taken
 * from the memo; and the memo for the next time. Undefined otherwise.
 */
export function reparseChangedRules(memo: ParseMemo, text: string): { raw: Record<string, unknown>; memo: ParseMemo } | undefined {
  if (text.includes('\r') || text.includes('\t')) return undefined;
  const old = memo.text;
  const shorter = Math.min(old.length, text.length);
  let prefix = 0;
  while (prefix < shorter && old.charCodeAt(prefix) === text.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && old.charCodeAt(old.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix)) suffix++;
  const changedEnd = old.length - suffix;
  const starts = memo.itemStarts;
  const count = starts.length - 1;
  const listStart = starts[0] as number;
  const listEnd = starts[count] as number;
  if (prefix < listStart || changedEnd > listEnd) return undefined;

  // The items whose lines hold the change: first..last.
  let first = 0;
  while (first + 1 < count && (starts[first + 1] as number) <= prefix) first++;
  let last = first;
  while (last + 1 < count && (starts[last + 1] as number) < changedEnd) last++;
  const sliceStart = starts[first] as number;
  const delta = text.length - old.length;
  const sliceEnd = (starts[last + 1] as number) + delta;
  if (sliceEnd < sliceStart || (sliceEnd < text.length && text.charCodeAt(sliceEnd - 1) !== 10)) return undefined;
  const slice = text.slice(sliceStart, sliceEnd);
  // A line left of the items' column would end the list in the whole file.
  for (const line of slice.split('\n')) {
    const indent = line.length - line.trimStart().length;
    if (indent < memo.column && line.trim() !== '' && !line.trimStart().startsWith('#')) return undefined;
  }

  const doc = parseDocument(slice, { uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  if (doc.errors.length > 0 || doc.warnings.length > 0 || !piecewiseSafe(doc)) return undefined;
  let items: unknown[] = [];
  let itemStarts: number[] = [];
  if (doc.contents !== null) {
    if (!isSeq(doc.contents) || doc.contents.flow === true) return undefined;
    const found = itemLineStarts(slice, doc.contents.items as Node[], memo.column);
    if (found === undefined) return undefined;
    items = doc.toJS({ maxAliasCount: 100 }) as unknown[];
    itemStarts = found.starts.map((start) => start + sliceStart);
  }

  const policy = memo.raw['policy'] as Readonly<Record<string, unknown>>;
  const oldItems = policy['rules'] as readonly unknown[];
  const raw = { ...memo.raw, policy: { ...policy, rules: [...oldItems.slice(0, first), ...items, ...oldItems.slice(last + 1)] } };
  const nextStarts = [...starts.slice(0, first), ...itemStarts, ...starts.slice(last + 1).map((start) => start + delta)];
  if (nextStarts.length < 2) return undefined;
  return { raw, memo: { text, raw, itemStarts: nextStarts, column: memo.column } };
}

/** No anchors, aliases or explicit tags anywhere. */
function piecewiseSafe(doc: Document): boolean {
  let safe = true;
  visit(doc, {
    Alias() {
      safe = false;
      return visit.BREAK;
    },
    Node(_, node) {
      if (node.anchor !== undefined || node.tag !== undefined) {
        safe = false;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return safe;
}

/**
 * The offset of the line of each item's `-`, when every item starts on its
 * `-` line, all at one column: `column`, or the first item's when undefined.
 */
function itemLineStarts(text: string, items: readonly Node[], column: number | undefined): { starts: number[]; column: number } | undefined {
  const starts: number[] = [];
  let at = column;
  for (const item of items) {
    if (item?.range == null) return undefined;
    const lineStart = text.lastIndexOf('\n', item.range[0] - 1) + 1;
    const lead = /^( *)- /.exec(text.slice(lineStart, item.range[0]));
    if (lead === null) return undefined;
    const itemColumn = (lead[1] as string).length;
    at ??= itemColumn;
    if (itemColumn !== at) return undefined;
    starts.push(lineStart);
  }
  return at === undefined ? undefined : { starts, column: at };
}

function lineStartAtOrAfter(text: string, offset: number): number {
  if (offset === 0 || text.charCodeAt(offset - 1) === 10) return offset;
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline + 1;
}
