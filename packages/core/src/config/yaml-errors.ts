import { isScalar, visit, type Document, type LineCounter, type YAMLError } from 'yaml';
import type { ConfigIssue } from './config-error.js';
import { quote } from '../util/issue.js';

/**
 * The YAML syntax errors of a file, as issues with line and column.
 *
 * After a syntax error the `yaml` parser goes on under a guess at what was
 * meant, and what it reads after that guess is mostly its consequence: one
 * mis-indented key in the middle of the rules yields an error for each line
 * below it ("All mapping items must start at the same column", ...). Only the
 * first error in file order is certain, so only it is reported; the next one,
 * if real, shows when the file is checked again. Duplicate keys are the
 * exception: they are found after parsing, never cascade, and are all listed
 * when they are the only errors.
 */
export function yamlIssues(doc: Document, lineCounter: LineCounter, text: string): ConfigIssue[] {
  const errors = [...doc.errors].sort((a, b) => a.pos[0] - b.pos[0]);
  const reported = errors.every((error) => error.code === 'DUPLICATE_KEY') ? errors : errors.slice(0, 1);
  return reported.map((error) => {
    const place = placeOf(error.pos[0], lineCounter, text);
    return { path: '', ...place, message: `YAML syntax: ${describe(error, errors, doc, lineCounter)}` };
  });
}

/** Line and column of an offset, moved past the spaces it may point at (yaml reports a bad indent at the line's start). */
function placeOf(offset: number, lineCounter: LineCounter, text: string): { line: number; column: number } {
  let at = offset;
  while (text.charCodeAt(at) === 32) at++;
  if (text.charCodeAt(at) === 10 || at >= text.length) at = offset;
  const { line, col } = lineCounter.linePos(at);
  return { line, column: col };
}

/** yaml's message in plain words, where it speaks of its own grammar or hides which key. */
function describe(error: YAMLError, all: readonly YAMLError[], doc: Document, lineCounter: LineCounter): string {
  switch (error.code) {
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one YAML document (a second "---"); a config is one document';
    case 'DUPLICATE_KEY': {
      const key = keyAt(doc, error.pos[0]);
      return key === undefined ? 'a key appears twice in one mapping' : `duplicate key ${quote(key)}`;
    }
    case 'BAD_INDENT':
      if (error.message.startsWith('All mapping items must start at the same column')) {
        return 'bad indentation: this key does not line up with the keys above it (the keys of one mapping start at the same column)';
      }
      break;
    case 'MISSING_CHAR':
      if (error.message.startsWith('Sequence item without - indicator')) {
        return 'bad indentation: this line lines up neither with the keys above it nor as a list item (with "-")';
      }
      break;
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY': {
      // A line indented deeper than the key before it continues that key's value;
      // a `key:` in it then makes the value a key spread over two lines.
      const spread = all.find((other) => other.code === 'MULTILINE_IMPLICIT_KEY' && other.pos[0] === error.pos[0]);
      const from = lineCounter.linePos(error.pos[0]).line;
      const to = spread === undefined ? from : lineCounter.linePos(spread.pos[1]).line;
      if (to > from) {
        return `bad indentation: line ${to} is indented deeper than the key before it, so YAML reads it as part of the value on line ${from}`;
      }
      break;
    }
  }
  return error.message.split('\n')[0] ?? error.message;
}

function keyAt(doc: Document, offset: number): string | undefined {
  let key: string | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        key = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return key;
}
