import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../daemon/harness.js';

/** What a finished command left: its exit code and everything it printed. */
export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (never throws on a non-zero exit). */
export function sh(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a shell script with bash, stopping at the first failing command. */
export function bash(script: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  return sh('bash', ['-euo', 'pipefail', '-c', script], options);
}

/**
 * The fenced code blocks (```lang) under a heading of a markdown file in the
 * repository, up to the next heading of the same or a higher level.
 */
export function codeBlocks(file: string, heading: string, lang = 'sh'): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line === heading);
  if (start === -1) throw new Error(`${file} has no heading "${heading}"`);
  const level = /^#+/.exec(heading)?.[0].length ?? 0;
  // A `# comment` line inside a fenced block is not a heading.
  let fenced = false;
  const end = lines.findIndex((line, index) => {
    if (index <= start) return false;
    if (line.startsWith('```')) fenced = !fenced;
    return !fenced && /^#+ /.test(line) && (/^#+/.exec(line)?.[0].length ?? 0) <= level;
  });
  const section = lines.slice(start + 1, end === -1 ? undefined : end).join('\n');
  return [...section.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map((match) => match[1] ?? '');
}

/** npm's complaints about install scripts it was not told it may run. */
export function installScriptWarnings(output: string): string[] {
  return output.split('\n').filter((line) => /install-scripts|allowScripts|allow-scripts/i.test(line));
}
