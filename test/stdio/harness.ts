import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { MCPGW, ROOT, tempDir } from '../daemon/harness.js';

export { MCPGW, ROOT, tempDir };

/** The official MCP "everything" server, in stdio mode: `node …/dist/index.js stdio`. */
export const EVERYTHING = [process.execPath, createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'] as const;

/** A small stdio server that does what a test tells it (test/stdio/fake-server.mjs). */
export const FAKE_SERVER = [process.execPath, join(ROOT, 'test/stdio/fake-server.mjs')] as const;

/** Writes `mcpgw.yaml` in a fresh directory, with the audit log beside it; returns both paths. */
export function stdioConfig(rules: string, options: { dir?: string; extra?: string } = {}): { dir: string; path: string; audit: string } {
  const dir = options.dir ?? tempDir('mcpgw-stdio-');
  const path = join(dir, 'mcpgw.yaml');
  writeFileSync(path, `policy:\n  rules:\n${rules}\naudit:\n  path: audit.jsonl\n${options.extra ?? ''}`);
  return { dir, path, audit: join(dir, 'audit.jsonl') };
}

/** The audit log's events. */
export function auditEvents(path: string): Array<Record<string, unknown>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Polls `test` every 20 ms until it holds; throws after `ms`. */
export async function waitUntil(test: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether a process with this pid exists (and is not a zombie we could still signal). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie (exited, not reaped yet) still takes signal 0: its state says it is gone.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** What mcpgw logged on stderr (JSON lines; other lines, such as the server's own stderr, as `{ raw }`). */
export class StderrLines {
  readonly lines: Array<Record<string, unknown>> = [];

  constructor(stream: NodeJS.ReadableStream) {
    createInterface({ input: stream }).on('line', (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { raw: text };
      }
      this.lines.push(line);
    });
  }

  async waitFor(test: (line: Record<string, unknown>) => boolean, ms = 10_000): Promise<Record<string, unknown>> {
    let found: Record<string, unknown> | undefined;
    await waitUntil(() => (found = this.lines.find(test)) !== undefined, ms, `a stderr line; got:\n${this.lines.map((line) => JSON.stringify(line)).join('\n')}`);
    return found as Record<string, unknown>;
  }

  /** The pid of the wrapped server, from mcpgw's `serving` line. */
  async serverPid(): Promise<number> {
    const line = await this.waitFor((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('mcpgw stdio: serving '));
    return Number(line['server_pid']);
  }
}

export interface Connected {
  readonly client: Client;
  readonly transport: StdioClientTransport;
  readonly stderr: StderrLines;
  /** The pid of mcpgw itself. */
  readonly pid: number;
}

/**
 * The MCP SDK's stdio client with mcpgw as its server command —
 * `mcpgw stdio --config PATH [ARGS] -- SERVER…` — as an MCP client's config
 * entry would run it; connected (initialize done).
 */
export async function connect(options: {
  config: string;
  server?: readonly string[];
  args?: readonly string[];
  env?: Record<string, string>;
  capabilities?: ClientCapabilities;
  setup?: (client: Client) => void;
}): Promise<Connected> {
  const transport = new StdioClientTransport({
    command: MCPGW,
    args: ['stdio', '--config', options.config, ...(options.args ?? []), '--', ...(options.server ?? EVERYTHING)],
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
    stderr: 'pipe',
  });
  // With stderr: 'pipe' the transport makes the stream at once, before start().
  if (!(transport.stderr instanceof Readable)) throw new Error('StdioClientTransport has no stderr stream to read');
  const stderr = new StderrLines(transport.stderr);
  const client = new Client({ name: 'stdio-test', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  options.setup?.(client);
  await client.connect(transport);
  return { client, transport, stderr, pid: transport.pid as number };
}

/** mcpgw stdio run as a plain child process, for tests that write raw bytes to it. */
export function spawnWrapper(
  config: string,
  server: readonly string[] = EVERYTHING,
  args: readonly string[] = [],
): { child: ChildProcessWithoutNullStreams; lines: Array<Record<string, unknown>>; texts: string[]; stderr: StderrLines; exited: Promise<number | null> } {
  const child = spawn(MCPGW, ['stdio', '--config', config, ...args, '--', ...server], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  /** The same lines as written, for tests that search the bytes (a secret must not be in them). */
  const texts: string[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    texts.push(text);
    // Every line mcpgw writes to stdout must be JSON: a test reading `raw` has found a leak.
    try {
      lines.push(JSON.parse(text) as Record<string, unknown>);
    } catch {
      lines.push({ raw: text });
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, texts, stderr: new StderrLines(child.stderr), exited };
}

/** JSON-RPC initialize, as a client sends it, for raw tests. */
export const INITIALIZE = `${JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`;
