import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { ConfigPath } from '../util/issue.js';

/**
 * Finds where a config path (or one key inside it) is written in the YAML
 * source, as a character offset: the deepest part of the path that exists.
 * Offsets order issues as the file reads; a `LineCounter` turns them into lines.
 */
export type SourceLocator = (at: ConfigPath, key?: string) => number | undefined;

export function createSourceLocator(doc: Document): SourceLocator {
  return (at, key) => {
    let node: unknown = doc.contents;
    let offset = (node as Node | null)?.range?.[0];
    for (const segment of [...at, ...(key === undefined ? [] : [key])]) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value ?? '') === String(segment));
        if (!pair) return offset;
        // Report the key's place: that is where a reader looks for the field.
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (!item) return offset;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        return offset;
      }
    }
    return offset;
  };
}
