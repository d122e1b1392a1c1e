import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/**
 * Soak tests run a short variant in `npm test` and the full one when
 * `MCPGW_SOAK=1` (the `npm run soak` script). `MCPGW_SOAK_SECONDS` overrides
 * the storm length of either.
 */
export const SOAK = process.env['MCPGW_SOAK'] === '1';

/** The storm length in ms: `short` s normally, `full` s under MCPGW_SOAK=1, or MCPGW_SOAK_SECONDS. */
export function stormMs(shortSeconds: number, fullSeconds: number): number {
  const override = Number(process.env['MCPGW_SOAK_SECONDS']);
  if (Number.isFinite(override) && override > 0) return override * 1000;
  return (SOAK ? fullSeconds : shortSeconds) * 1000;
}

const execFileP = promisify(execFile);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resident set size of a process in KiB, from /proc/<pid>/status (VmRSS). */
export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

/** Writes a file the way an operator's tooling should: a temp file next to it, renamed over it. */
export function writeAtomic(path: string, text: string): void {
  const tmp = join(path, '..', `.${path.split('/').pop() ?? 'config'}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export interface AuditFiles {
  /** Every line: rotated .gz files gunzipped in name (= rotation) order, then the live file. */
  readonly lines: Array<Record<string, unknown>>;
  readonly gz: string[];
  /** Rotated files left uncompressed. */
  readonly plain: string[];
  /** Half-written gzip files. */
  readonly tmp: string[];
}

/** Reads the whole audit log of `dir` (live `audit.jsonl` plus every rotated, gzipped file). */
export function readAuditFiles(dir: string): AuditFiles {
  const files = readdirSync(dir).filter((name) => name.startsWith('audit.jsonl.')).sort();
  const gz = files.filter((name) => name.endsWith('.gz'));
  const tmp = files.filter((name) => name.endsWith('.gz.tmp'));
  const plain = files.filter((name) => !name.endsWith('.gz') && !name.endsWith('.gz.tmp'));
  const text = [...gz.map((name) => gunzipSync(readFileSync(join(dir, name))).toString('utf8')), readFileSync(join(dir, 'audit.jsonl'), 'utf8')].join('');
  const lines = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, gz, plain, tmp };
}

export interface Health {
  status: string;
  generation: number;
  in_flight?: number;
  generations?: Array<{ generation: number; in_flight: number }>;
}

export async function health(port: number): Promise<Health> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
  return (await response.json()) as Health;
}

/** An SDK client connected through the gateway; errors the SDK reports on `onerror` are collected. */
export async function connect(url: string, name: string, errors: string[]): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name, version: '1.0.0' });
  client.onerror = (error: Error) => errors.push(`${name}: ${error.message}`);
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return { client, transport };
}

/** Rejects after `ms` with `what` in the message: keeps every wait of a soak test bounded. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Counts values: { value: count }. */
export function tally(values: readonly unknown[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}

const HEAP_PROBE = fileURLToPath(new URL('./heap-probe.mjs', import.meta.url));

/** Env for a daemon whose V8 heap {@link heapUsedKb} can read (inspector on an OS-picked localhost port). */
export const INSPECT_ENV = { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --inspect=127.0.0.1:0`.trim() };

/**
 * The V8 heap in use (KiB) of a process started with {@link INSPECT_ENV}, after
 * two full garbage collections: what is still referenced, unlike RSS.
 */
export async function heapUsedKb(stderr: readonly string[]): Promise<number> {
  const url = stderr.map((line) => /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1]).find((found) => found !== undefined);
  if (url === undefined) throw new Error(`no inspector URL on the daemon's stderr:\n${stderr.join('\n')}`);
  const { stdout } = await execFileP(process.execPath, ['--no-warnings', '--experimental-websocket', HEAP_PROBE, url], { timeout: 30_000 });
  return Math.round((JSON.parse(stdout) as { usedSize: number }).usedSize / 1024);
}

/** Runs `start` (which must spawn synchronously, like the harness's `startDaemon`) with `env` added to process.env. */
export function spawnWithEnv<T>(env: Record<string, string>, start: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return start();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
