// A seeded fuzzer against the gateway (mcpGateway in this process) in front of
// the real SDK upstream (examples/demo-upstream/server.mjs, a child process).
// It sends MCPGW_FUZZ_COUNT (default 10,000) random or malformed HTTP
// requests, 16 at a time, and checks that the gateway answers or closes every
// one, keeps serving, releases every lease, throws nothing, never lets `exec`
// run, never audits a secret, and does not grow its heap.
//
//   MCPGW_FUZZ_COUNT=50000 MCPGW_FUZZ_SEED=7 npx vitest run test/faults/fuzz.test.ts

import { Agent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { GatewayAuditEvent } from '@mcpgw/express';
import { startGateway, type TestGateway } from '../../packages/express-adapter/test/fixtures/gateway.js';
import { startDemoUpstream, type Proc } from '../daemon/harness.js';
import { openSession } from '../attacks/wire.js';
import { Random } from './random.js';

const COUNT = Number(process.env['MCPGW_FUZZ_COUNT'] ?? 10_000);
const SEED = Number(process.env['MCPGW_FUZZ_SEED'] ?? 0x5eed);
const CONCURRENCY = 16;
const REQUEST_TIMEOUT_MS = 10_000;
const SECRET_PATTERN = /AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}/;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;


const METHODS = ['tools/call', 'tools/call', 'tools/call', 'tools/list', 'initialize', 'ping', 'resources/read', 'resources/list', 'prompts/get', 'prompts/list', 'notifications/initialized', 'notifications/cancelled', 'notifications/progress', 'logging/setLevel', 'completion/complete', 'subscriptions/listen', 'server/discover', 'sampling/createMessage', 'Tools/Call', 'tools/call ', ''];
const TOOLS = ['echo', 'search', 'get_config', 'exec', 'exec', 'slow', 'nope', 'EXEC', 'exec ', '__proto__', 'constructor'];
const HTTP_METHODS = ['POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'GET', 'DELETE', 'PUT', 'OPTIONS', 'HEAD', 'PATCH'];
const VERSIONS = ['2025-06-18', '2025-03-26', '2025-11-25', '2026-07-28', '1999-01-01', '9999-99-99', 'x', ''];

function secret(g: Random): string {
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return g.chance(0.5)
    ? `AKIA${Array.from({ length: 16 }, () => g.pick([...alnum])).join('')}`
    : `ghp_${Array.from({ length: 36 }, () => g.pick([...`${alnum}abcdefghijklmnopqrstuvwxyz`])).join('')}`;
}

function randomString(g: Random, max = 40): string {
  const length = g.int(max);
  let out = '';
  for (let i = 0; i < length; i++) {
    const kind = g.int(10);
    if (kind < 5) out += String.fromCharCode(0x20 + g.int(95));
    else if (kind === 5) out += String.fromCharCode(g.int(0x20));
    else if (kind === 6) out += String.fromCharCode(0xa0 + g.int(0xd700 - 0xa0));
    else if (kind === 7) out += String.fromCodePoint(0x10000 + g.int(0x10000));
    else if (kind === 8) out += g.pick(['"', '\\', '\u2028', '\ufeff', '\u200b', '\ud800', '\udfff', '\u0000']);
    else out += g.chance(0.3) ? secret(g) : 'x';
  }
  return out;
}

function randomNumber(g: Random): number {
  return g.pick([0, -0, 1, -1, g.int(1e6), -g.int(1e6), g.next(), 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, 2 ** 53, 1e21, 0.1 + 0.2]);
}

function randomJson(g: Random, depth: number): unknown {
  const kind = g.int(depth > 0 ? 8 : 5);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return g.chance(0.5);
    case 2:
      return randomNumber(g);
    case 3:
    case 4:
      return randomString(g);
    case 5:
    case 6: {
      const object: Record<string, unknown> = {};
      const keys = g.int(6);
      for (let i = 0; i < keys; i++) {
        const key = g.chance(0.1) ? g.pick(['__proto__', 'constructor', 'prototype', 'name', 'method', 'id', 'jsonrpc']) : randomString(g, 12);
        Object.defineProperty(object, key, { value: randomJson(g, depth - 1), enumerable: true, writable: true, configurable: true });
      }
      return object;
    }
    default:
      return Array.from({ length: g.int(5) }, () => randomJson(g, depth - 1));
  }
}

function nested(g: Random, depth: number): unknown {
  let value: unknown = g.chance(0.5) ? secret(g) : randomString(g, 8);
  for (let i = 0; i < depth; i++) value = g.chance(0.5) ? [value] : { [g.chance(0.5) ? 'a' : randomString(g, 4)]: value };
  return value;
}

function randomId(g: Random): unknown {
  return g.pick<() => unknown>([
    () => g.int(1e9),
    () => randomString(g, 20),
    () => secret(g),
    () => null,
    () => randomNumber(g),
    () => g.chance(0.5),
    () => ({ a: 1 }),
    () => [1],
    () => -g.int(100),
  ])();
}

function toolArguments(g: Random, tool: string): unknown {
  if (g.chance(0.3)) return randomJson(g, 3);
  switch (tool) {
    case 'echo':
      return { text: g.chance(0.3) ? secret(g) : randomString(g) };
    case 'search':
      return { query: randomString(g) };
    case 'exec':
      return { command: 'rm -rf /' };
    case 'slow':
      return { steps: 1 + g.int(3) };
    default:
      return {};
  }
}

function randomMessage(g: Random): Record<string, unknown> {
  const message: Record<string, unknown> = {};
  if (g.chance(0.97)) message['jsonrpc'] = g.chance(0.97) ? '2.0' : g.pick(['1.0', 2, null, '2.0 ']);
  if (g.chance(0.85)) message['id'] = randomId(g);
  const method = g.chance(0.9) ? g.pick(METHODS) : randomString(g, 30);
  if (g.chance(0.97)) message['method'] = method;
  if (g.chance(0.9)) {
    if (method === 'tools/call' || g.chance(0.1)) {
      const tool = g.chance(0.9) ? g.pick(TOOLS) : randomString(g, 20);
      const params: Record<string, unknown> = { name: g.chance(0.97) ? tool : randomJson(g, 1), arguments: toolArguments(g, tool) };
      if (g.chance(0.2)) params['_meta'] = { progressToken: randomId(g) };
      message['params'] = params;
    } else if (method === 'initialize') {
      message['params'] = { protocolVersion: g.pick(VERSIONS), capabilities: g.chance(0.8) ? {} : randomJson(g, 2), clientInfo: { name: randomString(g, 10), version: '1' } };
    } else {
      message['params'] = g.chance(0.8) ? randomJson(g, 3) : g.pick([null, 1, 'x', []]);
    }
  }
  if (g.chance(0.03)) message['result'] = randomJson(g, 2);
  if (g.chance(0.03)) message['error'] = g.chance(0.5) ? { code: -1, message: randomString(g) } : randomJson(g, 1);
  return message;
}

interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer | null;
  readonly kind: string;
}

function randomRequest(g: Random, session: string): FuzzRequest {
  const method = g.pick(HTTP_METHODS);
  const kind = g.pick(['bytes', 'truncated', 'rpc', 'rpc', 'rpc', 'rpc', 'batch', 'deep', 'json', 'long', 'mutated', 'empty']);
  let first: Record<string, unknown> | undefined;
  let text: Buffer;
  switch (kind) {
    case 'bytes':
      text = g.bytes(g.int(2048));
      break;
    case 'truncated': {
      const full = JSON.stringify(randomMessage(g));
      text = Buffer.from(full.slice(0, g.int(full.length)));
      break;
    }
    case 'batch': {
      const messages: unknown[] = Array.from({ length: g.int(20) }, () => (g.chance(0.95) ? randomMessage(g) : randomJson(g, 1)));
      first = messages[0] as Record<string, unknown> | undefined;
      text = Buffer.from(g.chance(0.05) ? JSON.stringify([messages]) : JSON.stringify(messages));
      break;
    }
    case 'deep': {
      first = randomMessage(g);
      first['params'] = { name: g.pick(TOOLS), arguments: { value: nested(g, g.chance(0.03) ? 995 + g.int(10) : 1 + g.int(100)) } };
      text = Buffer.from(JSON.stringify(first));
      break;
    }
    case 'json':
      text = Buffer.from(JSON.stringify(randomJson(g, 4)) ?? 'null');
      break;
    case 'long': {
      first = randomMessage(g);
      const size = g.chance(0.05) ? 300_000 : 1000 + g.int(40_000);
      first['params'] = { name: 'echo', arguments: { text: `${secret(g)}${'é'.repeat(size / 2)}${secret(g)}` } };
      text = Buffer.from(JSON.stringify(first));
      break;
    }
    case 'mutated': {
      first = randomMessage(g);
      const bytes = [...Buffer.from(JSON.stringify(first))];
      for (let i = 0, n = 1 + g.int(5); i < n && bytes.length > 0; i++) {
        const at = g.int(bytes.length);
        const op = g.int(3);
        if (op === 0) bytes[at] = g.int(256);
        else if (op === 1) bytes.splice(at, 1);
        else bytes.splice(at, 0, g.int(256));
      }
      text = Buffer.from(bytes);
      break;
    }
    case 'empty':
      text = Buffer.alloc(0);
      break;
    default:
      first = randomMessage(g);
      text = Buffer.from(JSON.stringify(first));
  }

  const headers: OutgoingHttpHeaders = {};
  if (g.chance(0.8)) headers['content-type'] = g.chance(0.85) ? 'application/json' : g.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', randomToken(g)]);
  if (g.chance(0.85)) headers['accept'] = g.chance(0.9) ? 'application/json, text/event-stream' : g.pick(['application/json', 'text/event-stream', '*/*', randomToken(g)]);
  const sessionRoll = g.next();
  // Never DELETE the worker's session: that would end it for the rest of the run.
  if (sessionRoll < 0.5 && method !== 'DELETE') headers['mcp-session-id'] = session;
  else if (sessionRoll < 0.7) headers['mcp-session-id'] = g.chance(0.5) ? secret(g) : randomHeaderValue(g);
  if (g.chance(0.25)) headers['mcp-protocol-version'] = g.pick(VERSIONS);
  if (g.chance(0.15)) headers['mcp-method'] = g.chance(0.6) && typeof first?.['method'] === 'string' ? asHeader(first['method']) : randomHeaderValue(g);
  if (g.chance(0.1)) {
    const name = (first?.['params'] as Record<string, unknown> | undefined)?.['name'];
    headers['mcp-name'] = g.chance(0.5) && typeof name === 'string' ? asHeader(name) : g.chance(0.5) ? `=?base64?${Buffer.from(randomString(g, 10)).toString('base64')}?=` : randomHeaderValue(g);
  }
  if (g.chance(0.05)) headers[`mcp-param-${randomToken(g)}`] = randomHeaderValue(g);
  if (g.chance(0.04)) headers['origin'] = g.pick(['http://localhost:3000', 'https://evil.example', 'null', randomHeaderValue(g)]);
  if (g.chance(0.03)) headers['last-event-id'] = randomHeaderValue(g);
  if (g.chance(0.1)) headers[`x-fuzz-${randomToken(g)}`] = randomHeaderValue(g);
  if (g.chance(0.1)) {
    const encoding = g.pick(['gzip', 'deflate', 'br', 'gzip-lie', 'zstd', 'identity', 'GZIP', randomToken(g)]);
    if (encoding === 'gzip' || encoding === 'GZIP') text = gzipSync(text);
    else if (encoding === 'deflate') text = deflateSync(text);
    else if (encoding === 'br') text = brotliCompressSync(text);
    headers['content-encoding'] = encoding === 'gzip-lie' ? 'gzip' : encoding;
  }

  const path = g.chance(0.95) ? '/mcp' : g.pick(['/mcp?x=1', `/mcp?q=${[...Buffer.from(randomString(g, 10))].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')}`, '/other', '/mcp/', '//mcp']);
  // Non-POST requests carry a body only sometimes, always framed with Content-Length.
  const body = method === 'POST' ? text : g.chance(0.1) ? text : null;
  if (body !== null) headers['content-length'] = body.length;
  return { method, path, headers, body, kind };
}

function randomToken(g: Random): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789-';
  return Array.from({ length: 1 + g.int(12) }, () => g.pick([...chars])).join('');
}

/** A header value node:http accepts: tab, visible ASCII, space, latin1 high bytes. */
function randomHeaderValue(g: Random): string {
  return Array.from({ length: g.int(40) }, () => (g.chance(0.9) ? String.fromCharCode(0x21 + g.int(94)) : String.fromCharCode(0xa0 + g.int(0x60)))).join('');
}

function asHeader(value: string): string {
  return /^[\t\x20-\x7e]*$/.test(value) ? value : `=?base64?${Buffer.from(value).toString('base64')}?=`;
}

type Outcome = 'answered' | 'closed' | 'hung';

describe(`fuzz: ${COUNT} random requests (seed ${SEED})`, () => {
  let upstream: { proc: Proc; url: string };
  let gateway: TestGateway;
  /** One session per worker: a worker's requests never overlap, so no two in-flight requests of a session share an id. */
  let sessions: string[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const processErrors: unknown[] = [];
  const onProcessError = (error: unknown) => void processErrors.push(error);
  const gatewayErrors = new Map<string, number>();
  const auditLeaks: GatewayAuditEvent[] = [];
  let audited = 0;

  beforeAll(async () => {
    process.on('unhandledRejection', onProcessError);
    process.on('uncaughtException', onProcessError);
    upstream = await startDemoUpstream();
    gateway = await startGateway(upstream.url, {
      extra: {
        limits: { bodyBytes: 256 * 1024 },
        // Count, do not keep: the test must not hold 10,000 events in memory itself.
        onAudit: (event) => {
          audited++;
          if (SECRET_PATTERN.test(JSON.stringify(event))) auditLeaks.push(event);
        },
        onError: (error) => void gatewayErrors.set(error.kind, (gatewayErrors.get(error.kind) ?? 0) + 1),
      },
    });
    sessions = await Promise.all(Array.from({ length: CONCURRENCY }, () => openSession(gateway.url)));
  });
  afterAll(async () => {
    process.off('unhandledRejection', onProcessError);
    process.off('uncaughtException', onProcessError);
    agent.destroy();
    await gateway?.close();
    await upstream?.proc.stop();
  });

  function fire(request: FuzzRequest): Promise<{ outcome: Outcome; status: number | string }> {
    const target = new URL(gateway.url);
    return new Promise((resolve) => {
      let settled = false;
      const settle = (outcome: Outcome, status: number | string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ outcome, status });
      };
      const req = httpRequest({ host: target.hostname, port: target.port, method: request.method, path: request.path, headers: request.headers, agent }, (res) => {
        const status = res.statusCode ?? 0;
        if ((res.headers['content-type'] ?? '').startsWith('text/event-stream') && request.method === 'GET') {
          // A notification stream stays open by design: headers are the answer; hang up.
          res.destroy();
          return settle('answered', status);
        }
        res.on('data', () => undefined);
        res.once('end', () => settle('answered', status));
        res.once('error', () => settle('closed', status));
        res.once('close', () => settle(res.complete ? 'answered' : 'closed', status));
      });
      const timer = setTimeout(() => {
        req.destroy();
        settle('hung', 'timeout');
      }, REQUEST_TIMEOUT_MS);
      req.once('error', (error: NodeJS.ErrnoException) => settle('closed', error.code ?? 'error'));
      req.end(request.body ?? undefined);
    });
  }

  async function run(count: number, g: Random): Promise<{ outcomes: Map<Outcome, number>; statuses: Map<string, number>; hungKinds: string[] }> {
    const outcomes = new Map<Outcome, number>();
    const statuses = new Map<string, number>();
    const hungKinds: string[] = [];
    let next = 0;
    const worker = async (session: string) => {
      while (next < count) {
        next++;
        const request = randomRequest(g, session);
        const { outcome, status } = await fire(request);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
        if (outcome === 'hung') hungKinds.push(`${request.method} ${request.path} ${request.kind} ${JSON.stringify(request.headers)} ${request.body?.toString('utf8').slice(0, 300) ?? ''}`);
      }
    };
    await Promise.all(sessions.map(worker));
    return { outcomes, statuses, hungKinds };
  }

  it('every request is answered or closed, the gateway keeps serving, leases go back to 0, nothing leaks', async () => {
    const started = performance.now();
    const g = new Random(SEED);
    // Warm up (JIT, agent sockets, caches) before the memory baseline.
    await run(Math.min(500, COUNT), g);
    await expect.poll(() => gateway.handle.inFlight(), { timeout: 10_000 }).toBe(0);
    gc();
    const baseline = process.memoryUsage();

    const { outcomes, statuses, hungKinds } = await run(COUNT, g);
    const elapsed = performance.now() - started;

    // No hang: every request got an HTTP answer or a clean close.
    expect(hungKinds).toEqual([]);
    expect((outcomes.get('answered') ?? 0) + (outcomes.get('closed') ?? 0)).toBe(COUNT);
    // Leases back to 0 once the last response ended.
    await expect.poll(() => gateway.handle.inFlight(), { timeout: 10_000 }).toBe(0);
    expect(gateway.handle.generations()).toEqual([{ generation: 1, inFlight: 0, current: true }]);

    // Still serving: a normal MCP session works, and the policy still holds.
    const client = new Client({ name: 'after-fuzz', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
    expect(await client.callTool({ name: 'echo', arguments: { text: 'still here' } })).toMatchObject({ content: [{ type: 'text', text: 'still here' }] });
    await expect(client.callTool({ name: 'exec', arguments: { command: 'id' } })).rejects.toThrow(/denied by policy/);
    await client.close();
    await expect.poll(() => gateway.handle.inFlight(), { timeout: 10_000 }).toBe(0);

    // Nothing thrown anywhere in this process, no internal error answered.
    expect(processErrors).toEqual([]);
    expect(gatewayErrors.get('internal') ?? 0).toBe(0);
    // Upstream never ran exec; the audit never carried a secret.
    expect(upstream.proc.lines.filter((line) => line['event'] === 'tool_call' && line['tool'] === 'exec')).toEqual([]);
    expect(auditLeaks).toEqual([]);
    expect(audited).toBeGreaterThan(COUNT / 4);

    // Memory: heap after a full GC stays near the baseline.
    gc();
    const after = process.memoryUsage();
    const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
    const report = {
      count: COUNT,
      seed: SEED,
      seconds: Math.round(elapsed / 100) / 10,
      outcomes: Object.fromEntries(outcomes),
      statuses: Object.fromEntries([...statuses].sort()),
      gatewayErrors: Object.fromEntries(gatewayErrors),
      audited,
      heapMiB: { before: mib(baseline.heapUsed), after: mib(after.heapUsed) },
      rssMiB: { before: mib(baseline.rss), after: mib(after.rss) },
      externalMiB: { before: mib(baseline.external), after: mib(after.external) },
    };
    console.log(`fuzz report ${JSON.stringify(report)}`);
    expect(after.heapUsed - baseline.heapUsed).toBeLessThan(32 * 1024 * 1024);
  }, 120_000);
});
