/**
 * Every TypeScript snippet of the docs compiles against the built packages.
 *
 * Each ```ts / ```typescript block of README.md, docs/*.md and
 * packages/*\/README.md becomes its own ES module in a temporary directory
 * (whose node_modules is the repository's, so `@mcpgw/core` is
 * packages/core/dist), and one `tsc --noEmit` checks them all with the
 * repository's compiler options (strict, noUncheckedIndexedAccess,
 * verbatimModuleSyntax, NodeNext).
 *
 * A snippet should compile as it stands, imports included. What a fragment
 * takes from its surroundings it declares in an HTML comment on the line
 * before the block, which is compiled in front of it:
 *
 *     <!-- ts-check: declare const nextYamlText: string; -->
 *
 * A block that is deliberately not a whole module says so, with the reason:
 *
 *     <!-- ts-check skip: the shape of an interface, not code to compile -->
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { docBlocks, fencedBlocks, ROOT, type FencedBlock } from './markdown.js';

const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const TS_LANGS = new Set(['ts', 'typescript']);

/** What the note before a block asks for: declarations to compile in front of it, or no check. */
function readNote(note: string | null): { declarations: string } | { skip: string } {
  if (note === null) return { declarations: '' };
  const skip = /^ts-check skip:(.*)$/s.exec(note);
  if (skip) {
    const reason = (skip[1] as string).trim();
    if (reason === '') throw new Error('a "ts-check skip:" note must give its reason');
    return { skip: reason };
  }
  const check = /^ts-check:(.*)$/s.exec(note);
  return { declarations: check ? (check[1] as string).trim() : '' };
}

interface Diagnostic {
  /** `docs/express.md:27:5` */
  readonly at: string;
  readonly message: string;
}

/** Type-checks the blocks as separate modules with one tsc run; the diagnostics, each placed in its Markdown file. */
function typeCheck(blocks: readonly FencedBlock[]): Diagnostic[] {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-ts-snippets-'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noUncheckedIndexedAccess: true,
          isolatedModules: true,
          verbatimModuleSyntax: true,
          skipLibCheck: true,
          types: ['node'],
          noEmit: true,
        },
        include: ['snippets/*.ts'],
      }),
    );
    mkdirSync(join(dir, 'snippets'));
    const sources = new Map<string, { block: FencedBlock; offset: number }>();
    for (const block of blocks) {
      const note = readNote(block.note);
      if ('skip' in note) continue;
      const name = `${block.file.replace(/[^A-Za-z0-9]+/g, '_')}_L${block.line}.ts`;
      const preamble = note.declarations === '' ? [] : note.declarations.split('\n');
      // `export {}` makes a snippet without imports a module too: each has its own scope.
      writeFileSync(join(dir, 'snippets', name), [...preamble, block.text, 'export {};', ''].join('\n'));
      sources.set(`snippets/${name}`, { block, offset: preamble.length });
    }
    const result = spawnSync(process.execPath, [TSC, '-p', dir, '--pretty', 'false'], { cwd: dir, encoding: 'utf8' });
    if (result.status === 0) return [];
    const diagnostics: Diagnostic[] = [];
    for (const line of result.stdout.split('\n')) {
      const match = /^(snippets\/[^(]+)\((\d+),(\d+)\): (.*)$/.exec(line);
      if (match === null) {
        // A continuation of the previous message (tsc indents them), or an error about no snippet.
        if (line.trim() !== '') {
          const last = diagnostics.pop();
          diagnostics.push(last ? { ...last, message: `${last.message}\n${line}` } : { at: 'tsc', message: line });
        }
        continue;
      }
      const [, file = '', row = '', column = '', message = ''] = match;
      const source = sources.get(file);
      const docLine = source === undefined ? -1 : source.block.line + Number(row) - 1 - source.offset;
      const at = source === undefined ? file : Number(row) <= source.offset ? `${source.block.file}:${source.block.line - 1} (its ts-check note)` : `${source.block.file}:${docLine}:${column}`;
      diagnostics.push({ at, message });
    }
    if (diagnostics.length === 0) diagnostics.push({ at: 'tsc', message: `exit ${result.status}: ${result.stdout}${result.stderr}` });
    return diagnostics;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Two made-up snippets checked in the same run as the docs': one that compiles
// only with its declaration, one with a type error on its third line. They show
// that a broken snippet is caught and reported at its line in the Markdown file.
const PROBE = `# probe

<!-- ts-check: declare const yamlText: string; -->
\`\`\`ts
import { parseConfig } from '@mcpgw/core';
const config = parseConfig(yamlText);
config.upstreams.map((upstream) => upstream.name.toUpperCase());
\`\`\`

\`\`\`ts
import { PolicyHandle } from '@mcpgw/core';
declare const handle: PolicyHandle;
const generation: string = handle.generation;
\`\`\`
`;

describe('TypeScript snippets in the docs', () => {
  const blocks = docBlocks().filter((block) => TS_LANGS.has(block.lang));
  const probes = fencedBlocks('probe.md', PROBE);
  let diagnostics: Diagnostic[];
  beforeAll(() => {
    diagnostics = typeCheck([...blocks, ...probes]);
  }, 60_000);

  it('finds the snippets of README.md and docs/', () => {
    const files = new Set(blocks.map((block) => block.file));
    expect(files).toContain('README.md');
    expect(files).toContain('docs/express.md');
  });

  it('every snippet compiles against the built packages, or says why it is not checked', () => {
    const found = diagnostics.filter((diagnostic) => !diagnostic.at.startsWith('probe.md'));
    expect(found.map((diagnostic) => `${diagnostic.at}: ${diagnostic.message}`)).toEqual([]);
    for (const block of blocks) expect(() => readNote(block.note), `${block.file}:${block.line}`).not.toThrow();
  });

  it('a snippet with a type error fails, reported at its line in the Markdown file', () => {
    const found = diagnostics.filter((diagnostic) => diagnostic.at.startsWith('probe.md'));
    expect(found).toEqual([{ at: 'probe.md:13:7', message: "error TS2322: Type 'number' is not assignable to type 'string'." }]);
  });

  it('a skipped snippet must give its reason', () => {
    expect(readNote('ts-check skip: the shape of an interface')).toEqual({ skip: 'the shape of an interface' });
    expect(() => readNote('ts-check skip:  ')).toThrow('must give its reason');
  });
});
