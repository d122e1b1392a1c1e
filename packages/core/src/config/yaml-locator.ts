import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { ConfigPath } from './issue.js';

/** Finds the 1-based line of a config path (or of one key inside it) in a parsed YAML document. */
export type LineLocator = (at: ConfigPath, key?: string) => number | undefined;

export function createLineLocator(doc: Document, lineCounter: LineCounter): LineLocator {
  const lineOf = (offset: number | undefined): number | undefined =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;

  return (at, key) => {
    let node: unknown = doc.contents;
    let line = lineOf((node as Node | null)?.range?.[0]);
    for (const segment of [...at, ...(key === undefined ? [] : [key])]) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) return line;
        // Report the key's line: that is where a reader looks for the field.
        line = lineOf((pair.key as Node).range?.[0]) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (!item) return line;
        line = lineOf(item.range?.[0]) ?? line;
        node = item;
      } else {
        return line;
      }
    }
    return line;
  };
}
