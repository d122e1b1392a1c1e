import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MCPGW = join(ROOT, 'packages/cli/bin/mcpgw.js');
export const DEMO_UPSTREAM = join(ROOT, 'examples/demo-upstream/server.mjs');

/** A fresh temporary directory for one test's files. */
export function tempDir(prefix = 'mcpgw-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A child process whose stdout JSON lines are collected and can be waited for. */
export class Proc {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, unknown>> = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: Array<{ test: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }> = [];

  constructor(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { raw: text };
      }
      this.lines.push(line);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.test(line)) return true;
        waiter.resolve(line);
        return false;
      });
    });
    createInterface({ input: this.child.stderr as NodeJS.ReadableStream }).on('line', (text) => this.stderr.push(text));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves with the first line (already seen or coming) that passes `test`. */
  waitFor(test: (line: Record<string, unknown>) => boolean, ms = 10_000): Promise<Record<string, unknown>> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching line within ${ms} ms; got:\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}\n${this.stderr.join('\n')}`)), ms);
      this.#waiters.push({ test, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  }

  /** Waits for a log line whose `msg` equals (or matches) the given text, after `from` lines. */
  waitForMsg(msg: string | RegExp, from = 0, ms = 10_000): Promise<Record<string, unknown>> {
    const test = (line: Record<string, unknown>) =>
      this.lines.indexOf(line) >= from && (typeof msg === 'string' ? line['msg'] === msg : msg.test(String(line['msg'] ?? '')));
    return this.waitFor(test, ms);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Starts the demo upstream (the MCP SDK server) on an OS-picked port. */
export async function startDemoUpstream(args: readonly string[] = []): Promise<{ proc: Proc; url: string }> {
  const proc = new Proc(process.execPath, [DEMO_UPSTREAM, '--port', '0', ...args]);
  const line = await proc.waitFor((l) => l['event'] === 'listening');
  return { proc, url: String(line['url']) };
}

/** Starts `mcpgw serve` on a config file (`env` added to the test's environment); resolves once it listens, with its URL. */
export async function startDaemon(configPath: string, args: readonly string[] = [], env?: NodeJS.ProcessEnv): Promise<{ proc: Proc; url: string; port: number }> {
  const proc = new Proc(process.execPath, [MCPGW, 'serve', '--config', configPath, ...args], env === undefined ? {} : { env });
  const line = await Promise.race([
    proc.waitForMsg(/^mcpgw listening on /),
    proc.exited.then((exit) => {
      throw new Error(`mcpgw exited ${JSON.stringify(exit)} before listening:\n${proc.stderr.join('\n')}`);
    }),
  ]);
  const port = Number(String(line['listen']).split(':').pop());
  return { proc, url: `http://127.0.0.1:${port}/mcp`, port };
}

/** Runs `mcpgw ARGS` to completion, as a user types it. */
export function run(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return runToEnd(process.execPath, [MCPGW, ...args], options);
}

export interface RunOptions {
  readonly cwd?: string;
  /** Added to the test's environment. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion (cwd: the repository root); resolves with its exit code and what it wrote. */
export async function runToEnd(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const child = spawn(file, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

/** A daemon config for tests: one upstream, the given rules, an audit log in `dir`. */
export function daemonConfig(options: { upstreamUrl: string; dir: string; rules?: string; maxSizeMb?: number; listen?: string; extra?: string }): string {
  return `listen: "${options.listen ?? '127.0.0.1:0'}"
upstreams:
  - name: demo
    url: ${options.upstreamUrl}
    timeout_ms: 5000
default_upstream: demo
policy:
  rules:
${options.rules ?? RULES}
audit:
  path: ${join(options.dir, 'audit.jsonl')}
  max_size_mb: ${options.maxSizeMb ?? 10}
  compress_rotated: true
${options.extra ?? ''}`;
}

export const RULES = `    - name: deny-shell
      action: deny
      match: { method: tools/call, tool: "^(exec|shell)" }
      message: shell tools are disabled
    - name: redact-secrets
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}", "ghp_[A-Za-z0-9]{36}"]
    - name: limit-search
      action: rate_limit
      match: { method: tools/call, tool: "^search$" }
      limit: 100
      window: 1m
      key: client
    - name: redact-demo-words
      action: redact
      direction: response
      patterns: ["demo-secret-[0-9]+"]`;

/** A port nothing listens on now (the OS picks it), for a server a test starts later. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
