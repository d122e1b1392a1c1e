import { docBlocks, type FencedBlock } from './markdown.js';

/** The fence languages whose lines are shell commands. */
export const SHELL_LANGS = new Set(['sh', 'bash', 'console', 'shell']);

/** One command line of a shell block in the docs. */
export interface DocCommand {
  /** `docs/hot-reload.md:22` */
  readonly at: string;
  /** The command as printed, a continued line joined with `\` + newline kept. */
  readonly printed: string;
  /** The command as a table key: continuations joined into one line, the trailing comment dropped. */
  readonly text: string;
  /** The comment after the command, if any (the docs put expected output there). */
  readonly comment: string;
}

/**
 * The commands of one shell block. In ```console blocks, commands are the
 * lines after a `$ ` prompt (the other lines are output); in the others,
 * every line that is not blank or a comment. A line ending in `\` goes on.
 */
export function blockCommands(block: FencedBlock): DocCommand[] {
  const lines = block.text.split('\n');
  const commands: DocCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    const first = i;
    if (block.lang === 'console') {
      if (!line.startsWith('$ ')) continue;
      line = line.slice(2);
    }
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const parts = [line];
    while ((parts.at(-1) as string).endsWith('\\') && i + 1 < lines.length) parts.push(lines[++i] as string);
    const printed = parts.join('\n');
    const { code, comment } = splitComment(printed);
    commands.push({ at: `${block.file}:${block.line + first}`, printed, text: code.replace(/\s*\\\n\s*/g, ' ').trim(), comment });
  }
  return commands;
}

/** Every command of every shell block in README.md, docs/ and packages/*\/README.md. */
export function docCommands(): DocCommand[] {
  return docBlocks()
    .filter((block) => SHELL_LANGS.has(block.lang))
    .flatMap(blockCommands);
}

/** Splits `cmd   # comment` where `#` starts a word outside quotes (as the shell reads it). */
function splitComment(line: string): { code: string; comment: string } {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quote !== null) {
      if (char === quote) quote = null;
      else if (char === '\\' && quote === '"') i++;
    } else if (char === '\\') i++;
    else if (char === "'" || char === '"') quote = char;
    else if (char === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) {
      return { code: line.slice(0, i).trimEnd(), comment: line.slice(i + 1).trim() };
    }
  }
  return { code: line.trimEnd(), comment: '' };
}
