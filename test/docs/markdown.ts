import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A fenced code block of a Markdown file. */
export interface FencedBlock {
  /** The file, relative to the repository root (`docs/express.md`). */
  readonly file: string;
  /** 1-based line of the block's first content line. */
  readonly line: number;
  /** The fence's language (`ts`, `sh`, …), lower case; '' when none. */
  readonly lang: string;
  /** The content, with the fence's indentation removed. */
  readonly text: string;
  /** The HTML comment on the nearest non-blank line before the fence (`<!-- … -->`), without its markers; null when none. */
  readonly note: string | null;
}

/** The user-facing Markdown files: README.md, docs/*.md and packages/*\/README.md. */
export function docFiles(root = ROOT): string[] {
  const docs = readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`);
  const packages = readdirSync(join(root, 'packages'))
    .map((name) => `packages/${name}/README.md`)
    .filter((file) => existsSync(join(root, file)));
  return ['README.md', ...docs.sort(), ...packages.sort()];
}

/** Every fenced block (``` or ~~~, indented or not) of a Markdown text. */
export function fencedBlocks(file: string, markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i] as string);
    if (open === null) continue;
    const [, indent = '', fence = '', lang = ''] = open;
    const content: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] as string;
      if (new RegExp(`^ *${fence[0]}{${fence.length},}\\s*$`).test(line)) break;
      content.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    blocks.push({ file, line: i + 2, lang: lang.toLowerCase(), text: content.join('\n'), note: noteBefore(lines, i) });
    i = j;
  }
  return blocks;
}

/** Every fenced block of every user-facing Markdown file. */
export function docBlocks(root = ROOT): FencedBlock[] {
  return docFiles(root).flatMap((file) => fencedBlocks(file, readFileSync(join(root, file), 'utf8')));
}

function noteBefore(lines: readonly string[], fenceIndex: number): string | null {
  let end = fenceIndex - 1;
  while (end >= 0 && (lines[end] as string).trim() === '') end--;
  if (end < 0 || !(lines[end] as string).trim().endsWith('-->')) return null;
  let start = end;
  while (start >= 0 && !(lines[start] as string).includes('<!--')) start--;
  if (start < 0) return null;
  const comment = lines.slice(start, end + 1).join('\n').trim();
  return comment.slice(comment.indexOf('<!--') + 4, comment.lastIndexOf('-->')).trim();
}
