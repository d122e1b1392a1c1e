import { Agent, request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpBridge, type HttpBridgeOptions } from '../src/index.js';

// The HTTP bridge on its own (SPEC §10): where each server message goes, the
// 2026-07-28 shared process, shutdown. Real processes (a scripted stdio
// server), HTTP over the bridge's in-memory connections.

const SERVER = fileURLToPath(new URL('./fixtures/scripted-server.mjs', import.meta.url));
const V2025 = { 'mcp-protocol-version': '2025-06-18' };
const V2026 = { 'mcp-protocol-version': '2026-07-28' };

type Json = Record<string, any>;

const bridges: HttpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
});

function startBridge(options: Partial<HttpBridgeOptions> = {}): HttpBridge {
  const bridge = HttpBridge.create({ name: 'scripted', command: process.execPath, args: [SERVER], maxSessions: 4, idleTimeoutMs: 60_000, graceMs: 200, ...options });
  bridges.push(bridge);
  return bridge;
}

/** An HTTP exchange with the bridge; `events` are the SSE messages as they arrive. */
interface Exchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly response: IncomingMessage;
  /** Resolves with the n-th message (0-based) once it has arrived. */
  event(n: number): Promise<Json>;
  /** Resolves with the whole body's messages (SSE events, or the JSON body) once it ends. */
  done(): Promise<Json[]>;
}

function send(bridge: HttpBridge, method: string, headers: Record<string, string>, body?: unknown): Promise<Exchange> {
  const agent = new Agent();
  agent.createConnection = () => bridge.connect() as ReturnType<Agent['createConnection']>;
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ host: 'bridge.invalid', path: '/mcp', method, agent, headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json', ...headers } }, (response) => {
      const messages: Json[] = [];
      const waiters: Array<() => void> = [];
      let buffer = '';
      const ended = new Promise<void>((done) => response.once('end', done));
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        if (!String(response.headers['content-type']).startsWith('text/event-stream')) return;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const data = buffer.slice(0, end).split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
          buffer = buffer.slice(end + 2);
          if (data !== '') messages.push(JSON.parse(data) as Json);
        }
        for (const wake of waiters.splice(0)) wake();
      });
      const event = async (n: number): Promise<Json> => {
        const deadline = Date.now() + 5_000;
        while (messages[n] === undefined) {
          if (Date.now() > deadline) throw new Error(`no message ${n} within 5 s; got ${JSON.stringify(messages)}`);
          await Promise.race([new Promise<void>((wake) => waiters.push(wake)), ended, new Promise((wake) => setTimeout(wake, 100))]);
        }
        return messages[n] as Json;
      };
      const done = async () => {
        await ended;
        return String(response.headers['content-type']).startsWith('text/event-stream') ? messages : buffer === '' ? [] : [JSON.parse(buffer) as Json];
      };
      resolve({ status: response.statusCode ?? 0, headers: response.headers, response, event, done });
    });
    req.on('error', reject);
    req.end(text);
  });
}

const rpc = (id: number | string, method: string, params: Json = {}) => ({ jsonrpc: '2.0', id, method, params });

async function openSession(bridge: HttpBridge): Promise<string> {
  const answer = await send(bridge, 'POST', V2025, rpc(0, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } }));
  expect(answer.status).toBe(200);
  await answer.done();
  return String(answer.headers['mcp-session-id']);
}

describe('HttpBridge', () => {
  it("logs a server's stderr line redacted, and a line too long to check by its length alone (a secret cut in two would match no pattern)", async () => {
    const logged: string[] = [];
    const keep = (_fields: unknown, message: string) => void logged.push(message);
    const logger = { info: keep, warn: keep, error: keep, debug: keep };
    const bridge = startBridge({ logger, redactText: (text) => text.replace(/AKIA[0-9A-Z]{16}/g, '[REDACTED]') });
    const session = await openSession(bridge);
    const key = 'AKIAABCDEFGHIJKLMNOP';
    const say = async (text: string) => (await send(bridge, 'POST', { ...V2025, 'mcp-session-id': session }, rpc(1, 'stderr', { text }))).done();
    await say(`short ${key} line`);
    // Over 16 KiB, cut: only its first 256 bytes were kept, with the key across that edge.
    await say(`${'x'.repeat(246)}${key}${'y'.repeat(17 * 1024)}`);
    const deadline = Date.now() + 5_000;
    while (logged.filter((line) => line.includes('line') || line.includes('xxx')).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(logged).toContain('short [REDACTED] line');
    expect(logged.join('\n')).not.toContain('AKIA');
    expect(logged.some((line) => /a line of \d+ bytes/.test(line))).toBe(true);
  });

  it("gives each answer the client's id back, while the server sees ids and progress tokens of the bridge's own", async () => {
    const bridge = startBridge();
    const session = await openSession(bridge);
    const answer = await send(bridge, 'POST', { ...V2025, 'mcp-session-id': session }, rpc('a', 'echo', { _meta: { progressToken: 'p' } }));
    expect(answer.headers['content-type']).toBe('text/event-stream');
    const [echoed] = await answer.done();
    expect(echoed).toMatchObject({ id: 'a', result: { params: { _meta: { progressToken: 2 } } } });
    expect(echoed!['result'].id).toBe(2);
  });

  it('holds a server message sent while no stream is open, and gives it to the next GET stream', async () => {
    const bridge = startBridge();
    const session = await openSession(bridge);
    const headers = { ...V2025, 'mcp-session-id': session };
    expect(await (await send(bridge, 'POST', headers, rpc(1, 'notify-later'))).done()).toEqual([{ jsonrpc: '2.0', id: 1, result: {} }]);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const get = await send(bridge, 'GET', headers);
    expect(get.status).toBe(200);
    expect(await get.event(0)).toMatchObject({ method: 'notifications/message', params: { data: 'after' } });
    // One GET stream per session.
    const second = await send(bridge, 'GET', headers);
    expect(second.status).toBe(409);
    get.response.destroy();
  });

  it("sends a server request on the only POST stream open, and relays the client's answer to it (202)", async () => {
    const bridge = startBridge();
    const session = await openSession(bridge);
    const headers = { ...V2025, 'mcp-session-id': session };
    const asking = await send(bridge, 'POST', headers, rpc(5, 'ask'));
    const question = await asking.event(0);
    expect(question).toEqual({ jsonrpc: '2.0', id: 's1', method: 'roots/list' });
    const reply = await send(bridge, 'POST', headers, { jsonrpc: '2.0', id: 's1', result: { roots: [] } });
    expect(reply.status).toBe(202);
    expect(await asking.done()).toEqual([question, { jsonrpc: '2.0', id: 5, result: { reply: { roots: [] } } }]);
  });

  it('sends a log message to the GET stream when two POST streams are open', async () => {
    const bridge = startBridge();
    const session = await openSession(bridge);
    const headers = { ...V2025, 'mcp-session-id': session };
    const get = await send(bridge, 'GET', headers);
    const slow = await send(bridge, 'POST', headers, rpc(1, 'later', { ms: 300 }));
    const logging = await send(bridge, 'POST', headers, rpc(2, 'log'));
    expect(await logging.done()).toEqual([{ jsonrpc: '2.0', id: 2, result: {} }]);
    expect(await get.event(0)).toMatchObject({ method: 'notifications/message', params: { data: 'working' } });
    expect(await slow.done()).toEqual([{ jsonrpc: '2.0', id: 1, result: { waited: 300 } }]);
    get.response.destroy();
  });

  it('serves 2026-07-28 requests from one process without sessions, and cancels a request whose stream the client closed', async () => {
    const bridge = startBridge();
    const [one, two] = await Promise.all([send(bridge, 'POST', V2026, rpc(1, 'echo')), send(bridge, 'POST', V2026, rpc(1, 'echo'))]);
    expect(one.headers['mcp-session-id']).toBeUndefined();
    const ids = [(await one.done())[0]!['result'].id, (await two.done())[0]!['result'].id];
    expect(new Set(ids).size).toBe(2);
    const slow = await send(bridge, 'POST', V2026, rpc(7, 'later', { ms: 2_000 }));
    slow.response.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [seen] = await (await send(bridge, 'POST', V2026, rpc(8, 'seen'))).done();
    const received = seen!['result'].seen as Json[];
    const later = received.find((message) => message['method'] === 'later') as Json;
    expect(received).toContainEqual({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: later['id'], reason: 'the client closed its stream' } });
    expect(bridge.pids).toHaveLength(1);
    expect((await send(bridge, 'GET', V2026)).status).toBe(405);
  });

  it("never relays a client's notifications/cancelled naming a request that is not its own: a number the client picks is never taken for a bridge id", async () => {
    const bridge = startBridge();
    const cancel = (requestId: unknown) => ({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId } });
    const cancels = (seen: Json[]) => seen.filter((message) => message['method'] === 'notifications/cancelled');

    // 2026-07-28: one process for every client; ids are not unique among them, so no cancel of theirs can be mapped.
    const victim = await send(bridge, 'POST', V2026, rpc(1, 'later', { ms: 1_000 }));
    expect((await send(bridge, 'POST', V2026, cancel(1))).status).toBe(202);
    const [shared] = await (await send(bridge, 'POST', V2026, rpc(2, 'seen'))).done();
    expect(cancels(shared!['result'].seen as Json[])).toEqual([]);
    expect(await victim.done()).toEqual([{ jsonrpc: '2.0', id: 1, result: { waited: 1_000 } }]);

    // 2025: the session's own request by its id is cancelled under the bridge's id; any other id is not passed on.
    const session = await openSession(bridge);
    const headers = { ...V2025, 'mcp-session-id': session };
    const slow = await send(bridge, 'POST', headers, rpc('x', 'later', { ms: 1_000 }));
    expect((await send(bridge, 'POST', headers, cancel(2))).status).toBe(202);
    expect((await send(bridge, 'POST', headers, cancel('x'))).status).toBe(202);
    const [own] = await (await send(bridge, 'POST', headers, rpc(3, 'seen'))).done();
    const later = (own!['result'].seen as Json[]).find((message) => message['method'] === 'later') as Json;
    expect(cancels(own!['result'].seen as Json[])).toEqual([cancel(later['id'])]);
    slow.response.destroy();
  });

  it('starts no process for an initialize whose body was still arriving when the bridge closed: it gets 503', async () => {
    const bridge = startBridge();
    const agent = new Agent();
    agent.createConnection = () => bridge.connect() as ReturnType<Agent['createConnection']>;
    const text = JSON.stringify(rpc(0, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } }));
    const answered = new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ host: 'bridge.invalid', path: '/mcp', method: 'POST', agent, headers: { ...V2025, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, resolve);
      req.on('error', reject);
      req.write(text.slice(0, 10));
      setTimeout(() => {
        const closed = bridge.close();
        req.end(text.slice(10));
        void closed;
      }, 50);
    });
    const response = await answered.catch(() => null);
    expect(response?.statusCode ?? 503).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(bridge.pids).toEqual([]);
  });

  it('answers an unknown session 404, a request without one 400, and a command that cannot run 502', async () => {
    const bridge = startBridge();
    expect(await (await send(bridge, 'POST', { ...V2025, 'mcp-session-id': 'nope' }, rpc(1, 'echo'))).done()).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } },
    ]);
    const missing = await send(bridge, 'POST', V2025, rpc(1, 'echo'));
    expect(missing.status).toBe(400);
    const broken = startBridge({ command: '/nonexistent/server' });
    const refused = await send(broken, 'POST', V2025, rpc(3, 'initialize'));
    expect(refused.status).toBe(502);
    expect(await refused.done()).toEqual([{ jsonrpc: '2.0', id: 3, error: { code: -32010, message: 'upstream "scripted" could not be started', data: { upstream: 'scripted' } } }]);
  });

  it('ends an idle session after idleTimeoutMs, and not before, even past the longest delay a timer takes', async () => {
    // Long enough that a loaded machine, which runs this test's code late, still sees the session open first.
    const quick = startBridge({ idleTimeoutMs: 1_000 });
    const session = await openSession(quick);
    const opened = performance.now();
    expect(quick.sessionCount).toBe(1);
    // Reaped once idle for a second: not before, and soon after (a loaded machine runs timers late).
    while (quick.sessionCount > 0 && performance.now() - opened < 10_000) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(quick.sessionCount).toBe(0);
    // Not before: the session's last message came a little before `opened`, less than this margin.
    expect(performance.now() - opened).toBeGreaterThanOrEqual(900);
    expect((await send(quick, 'POST', { ...V2025, 'mcp-session-id': session }, rpc(1, 'echo'))).status).toBe(404);
    // 366 days, the longest idle_timeout: setTimeout alone would fire at once.
    const patient = startBridge({ idleTimeoutMs: 366 * 24 * 3_600_000 });
    await openSession(patient);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(patient.sessionCount).toBe(1);
  });

  it('at close, answers requests still waiting with an error and ends every process', async () => {
    const bridge = startBridge();
    const session = await openSession(bridge);
    const waiting = await send(bridge, 'POST', { ...V2025, 'mcp-session-id': session }, rpc(1, 'later', { ms: 10_000 }));
    const pids = bridge.pids;
    expect(pids).toHaveLength(1);
    await bridge.close();
    expect(await waiting.done()).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32010, message: 'upstream "scripted" ended before answering: the gateway is shutting down', data: { upstream: 'scripted' } } },
    ]);
    expect(() => process.kill(pids[0] as number, 0)).toThrow();
  });
});
