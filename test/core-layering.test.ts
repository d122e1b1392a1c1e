/**
 * The folders of packages/core/src are layers (docs/library.md, "How
 * @mcpgw/core is organised"): a file imports its own folder, other folders
 * of its layer, or lower layers, never a higher one; no two folders reach
 * each other through their imports; every folder is placed in a layer on
 * purpose; and src/ itself holds the two entries only, index.ts (the public
 * API) and internal.ts (@mcpgw/core/internal), which sit above every layer.
 *
 * Imports are read by TypeScript's own scanner (`ts.preProcessFile`):
 * `import`, `import type`, `export … from`, `import('…')` and
 * `typeof import('…')` alike, comments and strings left out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../packages/core/src/', import.meta.url));

/** The layers of @mcpgw/core, lowest first. A folder may import folders of its own layer and of lower ones. */
const LAYERS: readonly { readonly name: string; readonly folders: readonly string[] }[] = [
  // Helpers that know nothing of MCP or policies: deepFreeze, isRecord, steps, the words of a message, McpgwError and its codes.
  { name: 'util', folders: ['util'] },
  // The wire: JSON-RPC messages and error codes, MCP's mirrored headers, reading a request's headers.
  { name: 'jsonrpc', folders: ['jsonrpc'] },
  // What a rule is and what it runs on: RE2 patterns, the redaction engine, rate-limit stores, the rule schema, compiled rules.
  { name: 'rules', folders: ['regex', 'redact', 'rate-limit', 'rules'] },
  // mcpgw.yaml: its schema, parseConfig, validation messages, ConfigError.
  { name: 'config', folders: ['config'] },
  // A compiled policy and its decisions: matching, batches, counting rate-limit hits, response scopes, PolicyError.
  { name: 'policy', folders: ['policy'] },
  // Generations: PolicyHandle, leases, swaps and drains.
  { name: 'handle', folders: ['handle'] },
  // One exchange as every adapter runs it (SPEC §10): admitting, refusing, scoping responses, auditing.
  { name: 'exchange', folders: ['exchange'] },
];

/** One relative import of a file under src/. */
interface Import {
  /** The importing file, relative to src/ (`config/parse-config.ts`). */
  readonly file: string;
  readonly line: number;
  /** As written (`../policy/compile-rules.js`). */
  readonly specifier: string;
  /** The imported file, relative to src/ (`policy/compile-rules.ts`). */
  readonly target: string;
}

/** The package's entries: the files directly in src/, above every layer. */
const ENTRIES: readonly string[] = ['index.ts', 'internal.ts'];

/** The folder a file belongs to: the first segment of its path under src/ ('' for a file directly in src/). */
const folderOf = (file: string): string => (file.includes('/') ? (file.split('/')[0] as string) : '');

/** A folder's place in {@link LAYERS}, or -1 when it is in none. */
const layerOf = (folder: string): number => LAYERS.findIndex((layer) => layer.folders.includes(folder));

const describeFolder = (folder: string): string => {
  const layer = LAYERS[layerOf(folder)];
  return layer === undefined ? `${folder}/` : `${folder}/ (layer ${layerOf(folder) + 1}, ${layer.name})`;
};

/** Every relative import of every file, `.js` specifiers read as the `.ts` files they compile from. */
function importsOf(files: ReadonlyMap<string, string>): Import[] {
  const imports: Import[] = [];
  for (const [file, text] of files) {
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      const specifier = imported.fileName;
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
      if (target.startsWith('../')) continue; // outside src/: tsc's rootDir refuses it already
      const line = text.slice(0, imported.pos).split('\n').length;
      imports.push({ file, line, specifier, target });
    }
  }
  return imports;
}

/** Files directly in src/ other than the entries. */
function rootFileProblems(files: ReadonlyMap<string, string>): string[] {
  return [...files.keys()]
    .filter((file) => folderOf(file) === '' && !ENTRIES.includes(file))
    .map((file) => `${file} is directly in src/: only index.ts and internal.ts belong there; move it to the folder of its layer`);
}

/** Folders that no layer lists. */
function unknownFolderProblems(files: ReadonlyMap<string, string>): string[] {
  const folders = new Set([...files.keys()].map(folderOf).filter((folder) => folder !== ''));
  return [...folders]
    .filter((folder) => layerOf(folder) === -1)
    .map((folder) => `${folder}/ is in no layer: add it to LAYERS in test/core-layering.test.ts (and to docs/library.md) where it belongs`);
}

/** Imports of a folder in a higher layer. The entries are above every layer. */
function upwardImportProblems(imports: readonly Import[]): string[] {
  const problems: string[] = [];
  for (const { file, line, specifier, target } of imports) {
    const from = folderOf(file);
    const to = folderOf(target);
    if (from === '' || to === from || layerOf(from) === -1) continue;
    if (to === '' ? ENTRIES.includes(target) : layerOf(to) > layerOf(from)) {
      const above = to === '' ? `${target}, an entry above every layer` : describeFolder(to);
      problems.push(`${file}:${line} imports '${specifier}': ${describeFolder(from)} imports ${above}`);
    }
  }
  return problems;
}

/** The node of a file in the graph of folders: its folder, or the file itself when it is directly in src/. */
const nodeOf = (file: string): string => folderOf(file) || file;

/** A cycle through each folder (or file directly in src/) that reaches itself through imports and is in no cycle reported yet. */
function cycleProblems(imports: readonly Import[]): string[] {
  const edges = new Map<string, Map<string, Import>>();
  for (const imported of imports) {
    const from = nodeOf(imported.file);
    const to = nodeOf(imported.target);
    // The entries import from everywhere; an import of one from a folder is an upward import.
    if (from === to || ENTRIES.includes(from)) continue;
    const out = edges.get(from) ?? new Map<string, Import>();
    if (!out.has(to)) out.set(to, imported);
    edges.set(from, out);
  }
  const problems: string[] = [];
  const reported = new Set<string>();
  for (const start of [...edges.keys()].sort()) {
    if (reported.has(start)) continue;
    const cycle = shortestWalkBack(start, edges);
    if (cycle === undefined) continue;
    for (const imported of cycle) reported.add(nodeOf(imported.file));
    const ring = [start, ...cycle.map((imported) => nodeOf(imported.target))].join(' → ');
    const steps = cycle.map(({ file, line, specifier }) => `${file}:${line} imports '${specifier}'`);
    problems.push(`cycle ${ring}: ${steps.join('; ')}`);
  }
  return problems;
}

/** The imports of a shortest walk from `start` back to itself (breadth first), or undefined when there is none. */
function shortestWalkBack(start: string, edges: ReadonlyMap<string, ReadonlyMap<string, Import>>): Import[] | undefined {
  /** The import by which the search first reached each node. */
  const reachedBy = new Map<string, Import>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const from = queue[i] as string;
    for (const [to, imported] of edges.get(from) ?? []) {
      if (to === start) {
        const walk = [imported];
        for (let at = from; at !== start; ) {
          const step = reachedBy.get(at) as Import;
          walk.unshift(step);
          at = nodeOf(step.file);
        }
        return walk;
      }
      if (reachedBy.has(to)) continue;
      reachedBy.set(to, imported);
      queue.push(to);
    }
  }
  return undefined;
}

/** Every .ts file under `dir`, by its path relative to it. */
function readSources(dir: string, under = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(join(dir, under), { withFileTypes: true })) {
    const path = under === '' ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) for (const [file, text] of readSources(dir, path)) files.set(file, text);
    else if (entry.name.endsWith('.ts')) files.set(path, readFileSync(join(dir, path), 'utf8'));
  }
  return files;
}

describe('@mcpgw/core layering', () => {
  const files = readSources(SRC);
  const imports = importsOf(files);

  it('reads the sources it checks', () => {
    for (const entry of ENTRIES) expect(files.has(entry)).toBe(true);
    expect(imports.filter((imported) => !ENTRIES.includes(imported.file)).length).toBeGreaterThan(0);
  });

  it('has no file directly in src/ but its entries, index.ts and internal.ts', () => {
    expect(rootFileProblems(files)).toEqual([]);
  });

  it('places every folder of src/ in a layer', () => {
    expect(unknownFolderProblems(files)).toEqual([]);
  });

  it('has no folder importing a folder of a higher layer', () => {
    expect(upwardImportProblems(imports)).toEqual([]);
  });

  it('has no folders that import each other, directly or through others', () => {
    expect(cycleProblems(imports)).toEqual([]);
  });
});

describe('the layering check', () => {
  const check = (sources: Record<string, string>): string[] => {
    const files = new Map(Object.entries(sources));
    const imports = importsOf(files);
    return [...rootFileProblems(files), ...unknownFolderProblems(files), ...upwardImportProblems(imports), ...cycleProblems(imports)];
  };

  it('names the file, the import and both layers of an upward import, type-only and re-exports included', () => {
    expect(
      check({
        'index.ts': "export { a } from './config/a.js';",
        'config/a.ts': "import type { B } from '../policy/b.js';\nexport const a = 1;",
        'jsonrpc/c.ts': "export {\n  d,\n} from '../handle/d.js';",
        'policy/b.ts': 'export type B = 1;',
        'handle/d.ts': 'export const d = 1;',
      }),
    ).toEqual([
      "config/a.ts:1 imports '../policy/b.js': config/ (layer 4, config) imports policy/ (layer 5, policy)",
      "jsonrpc/c.ts:3 imports '../handle/d.js': jsonrpc/ (layer 2, jsonrpc) imports handle/ (layer 6, handle)",
    ]);
  });

  it('finds a cycle between folders of one layer, through a third', () => {
    expect(
      check({
        'regex/a.ts': "import { b } from '../redact/b.js';",
        'redact/b.ts': "import { c } from '../rules/c.js';",
        'rules/c.ts': "import { a } from '../regex/a.js';\n// import { x } from '../policy/x.js';",
      }),
    ).toEqual([
      "cycle redact → rules → regex → redact: redact/b.ts:1 imports '../rules/c.js'; rules/c.ts:1 imports '../regex/a.js'; regex/a.ts:1 imports '../redact/b.js'",
    ]);
  });

  it('refuses a file directly in src/, a folder in no layer, and importing an entry', () => {
    expect(
      check({
        'errors.ts': 'export class E {}',
        'audit/a.ts': "import { E } from '../errors.js';",
        'util/u.ts': "export { x } from '../index.js';",
        'exchange/x.ts': "import { y } from '../internal.js';",
        'internal.ts': "export { u } from './util/u.js';",
      }),
    ).toEqual([
      'errors.ts is directly in src/: only index.ts and internal.ts belong there; move it to the folder of its layer',
      'audit/ is in no layer: add it to LAYERS in test/core-layering.test.ts (and to docs/library.md) where it belongs',
      "util/u.ts:1 imports '../index.js': util/ (layer 1, util) imports index.ts, an entry above every layer",
      "exchange/x.ts:1 imports '../internal.js': exchange/ (layer 7, exchange) imports internal.ts, an entry above every layer",
    ]);
  });

  it('lets a folder import its own layer and lower ones, and a layer be absent', () => {
    expect(
      check({
        'index.ts': "export { e } from './exchange/e.js';",
        'exchange/e.ts': "import { u } from '../util/u.js';\nimport { f } from './f.js';\nexport const e = u + f;",
        'exchange/f.ts': 'export const f = 1;',
        'redact/r.ts': "import { p } from '../regex/p.js';",
        'regex/p.ts': "import { u } from '../util/u.js';",
        'util/u.ts': 'export const u = 1;',
      }),
    ).toEqual([]);
  });
});
