import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { GatewayError, JsonRpcErrorCodes, parseJsonBody, readBody } from '@mcpgw/core';
import { MAX_REDACTION_DEPTH, protocolEra } from '@mcpgw/core/internal';
import { DEFAULT_BRIDGE_LIMITS, type BridgeLimits, type BridgeLogger } from './bridge-options.js';
import { BridgeSession } from './bridge-session.js';
import { createDuplexPair } from './duplex-pair.js';

/** Options of {@link HttpBridge.create}. */
export interface HttpBridgeOptions {
  /** The upstream's name, in refusals and logs. */
  readonly name: string;
  /** The stdio MCP server: run without a shell, `env` its whole environment (default: this process's). */
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Sessions (server processes) at once; one more `initialize` is refused with 503. */
  readonly maxSessions: number;
  /** A session with no request and no POST stream open for this long is ended. */
  readonly idleTimeoutMs: number;
  /** The supervisor's wait after closing a server's stdin before SIGTERM, and after SIGTERM before SIGKILL (default 1000 ms). */
  readonly graceMs?: number;
  readonly logger?: BridgeLogger;
  /**
   * Applied to what the server chose that the bridge logs (its stderr
   * lines, the ids of messages it drops) before the log gets it: the
   * gateway's every redact pattern (`policy.redactText`), read per line so
   * that a reload applies. Default: none.
   */
  readonly redactText?: (text: string) => string;
  readonly limits?: Partial<BridgeLimits>;
}

const SILENT: BridgeLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * A stdio MCP server served over Streamable HTTP (SPEC §10): the daemon puts
 * one in front of each stdio upstream and forwards to it like to any HTTP
 * upstream, so every policy rule applies as it does there. It listens on no
 * address: {@link connect} opens an in-memory connection, which the
 * gateway's proxy uses (`connect` of an upstream), so nothing can reach it
 * around the gateway.
 *
 * - 2025 era (`MCP-Protocol-Version` before 2026-07-28, what today's SDK
 *   clients speak): a POST `initialize` without `Mcp-Session-Id` starts a
 *   server process and a session (id from `crypto.randomUUID()`); later
 *   POSTs, the GET stream and DELETE name it. At most `maxSessions` at once:
 *   one more `initialize` gets 503 with JSON-RPC error `-32012`. A session
 *   ends on DELETE, after `idleTimeoutMs` idle, or when its process exits;
 *   its id then gets 404 (`-32001`, "Session not found", as MCP says).
 * - 2026-07-28: no sessions; every request is relayed to one process shared
 *   by all such requests, started on first use and ended when idle, and its
 *   answer comes back on the POST's own SSE stream. GET and DELETE get 405.
 */
export class HttpBridge {
  readonly #options: HttpBridgeOptions;
  readonly #limits: BridgeLimits;
  readonly #logger: BridgeLogger;
  readonly #server: Server;
  readonly #sessions = new Map<string, BridgeSession>();
  /** The process serving 2026-07-28 requests, once one came. */
  #shared: BridgeSession | null = null;
  /** Every session not yet exited, ended or not: what {@link close} waits for. */
  readonly #live = new Set<BridgeSession>();
  #closed = false;

  private constructor(options: HttpBridgeOptions) {
    this.#options = options;
    this.#limits = { ...DEFAULT_BRIDGE_LIMITS, ...options.limits };
    this.#logger = options.logger ?? SILENT;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        this.#logger.error({ upstream: options.name, err: error }, `stdio upstream "${options.name}": internal bridge error`);
        if (!res.headersSent) sendError(res, 500, null, JsonRpcErrorCodes.INTERNAL_ERROR, 'internal gateway error');
        else res.destroy();
      });
    });
  }

  static create(options: HttpBridgeOptions): HttpBridge {
    return new HttpBridge(options);
  }

  /** A new connection to the bridge, for an HTTP client (the gateway's proxy agent). */
  connect(): Duplex {
    const [client, server] = createDuplexPair();
    if (this.#closed) server.destroy();
    else this.#server.emit('connection', server);
    return client;
  }

  /** Sessions open now (the 2026-07-28 shared process is not one). */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** The PIDs of the server processes running now, the shared one included. */
  get pids(): number[] {
    return [...this.#live].map((session) => session.pid).filter((pid): pid is number => pid !== undefined);
  }

  /**
   * Ends every session and its process (the drain is over): requests still
   * waiting get an error answer, processes are ended by their supervisor.
   * Resolves when all have exited.
   */
  async close(): Promise<void> {
    this.#closed = true;
    const exits = [...this.#live].map((session) => session.end('shutdown'));
    await Promise.all(exits);
    this.#server.closeAllConnections();
  }

  /** SIGKILLs every server process now (a forced exit). */
  kill(): void {
    this.#closed = true;
    for (const session of this.#live) session.kill();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#closed) return sendError(res, 503, null, JsonRpcErrorCodes.UPSTREAM_UNREACHABLE, `upstream "${this.#options.name}" is shutting down`);
    const sessionId = header(req, 'mcp-session-id');
    const modern = protocolEra(req.headers, undefined) === 'modern';
    switch (req.method) {
      case 'POST':
        return this.#post(req, res, sessionId);
      case 'GET':
      case 'DELETE': {
        if (modern) return sendError(res, 405, null, JsonRpcErrorCodes.INVALID_REQUEST, `Method not allowed: ${req.method} is not used in protocol version 2026-07-28`, { allow: 'POST' });
        const session = this.#session(res, sessionId);
        if (session === undefined) return;
        if (req.method === 'DELETE') {
          void session.end('deleted');
          res.writeHead(200).end();
          return;
        }
        if (!session.openGetStream(res)) sendError(res, 409, null, JsonRpcErrorCodes.INVALID_REQUEST, 'Conflict: this session has a GET stream open already');
        return;
      }
      default:
        return sendError(res, 405, null, JsonRpcErrorCodes.INVALID_REQUEST, 'Method not allowed', { allow: 'GET, POST, DELETE' });
    }
  }

  async #post(req: IncomingMessage, res: ServerResponse, sessionId: string | undefined): Promise<void> {
    // The gateway in front has read and checked this body already; the bridge reads it with the same reader.
    let parsed: unknown;
    try {
      parsed = parseJsonBody(await readBody(req, this.#limits.bodyBytes), MAX_REDACTION_DEPTH);
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      return sendError(res, error.httpStatus, null, error.rpcCode, error.message);
    }
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    if (protocolEra(req.headers, messages[0]) === 'modern') {
      const shared = this.#sharedSession(res, messages);
      if (shared !== undefined) await shared.post(messages, res);
      return;
    }
    if (sessionId !== undefined) {
      const session = this.#session(res, sessionId);
      if (session !== undefined) await session.post(messages, res);
      return;
    }
    const initialize = messages.length === 1 && isInitialize(messages[0]);
    if (!initialize) return sendError(res, 400, idOf(messages[0]), JsonRpcErrorCodes.INVALID_REQUEST, 'Bad Request: no Mcp-Session-Id header; a session starts with initialize');
    const { maxSessions, name } = this.#options;
    if (this.#sessions.size >= maxSessions) {
      this.#logger.warn({ upstream: name, max_sessions: maxSessions }, `stdio upstream "${name}": initialize refused: ${maxSessions} sessions open (max_sessions)`);
      return sendError(res, 503, idOf(messages[0]), JsonRpcErrorCodes.UPSTREAM_AT_CAPACITY, `upstream "${name}" is at its limit of ${maxSessions} sessions (max_sessions); try again when one ends`, {}, { upstream: name, max_sessions: maxSessions });
    }
    const session = this.#start(randomUUID(), res, messages);
    if (session === undefined) return;
    const id = session.id as string;
    this.#sessions.set(id, session);
    this.#logger.info({ upstream: name, session: id, server_pid: session.pid, sessions: this.#sessions.size }, `stdio upstream "${name}": session started (pid ${session.pid})`);
    await session.post(messages, res, { 'mcp-session-id': id });
  }

  /** The session `id` names, or undefined once `res` has been answered: 400 without an id, 404 for an unknown one. */
  #session(res: ServerResponse, id: string | undefined): BridgeSession | undefined {
    if (id === undefined) {
      sendError(res, 400, null, JsonRpcErrorCodes.INVALID_REQUEST, 'Bad Request: no Mcp-Session-Id header');
      return undefined;
    }
    const session = this.#sessions.get(id);
    if (session === undefined) sendError(res, 404, null, SESSION_NOT_FOUND, 'Session not found');
    return session;
  }

  /** The process that serves 2026-07-28 requests, started on first use (or again after it ended). */
  #sharedSession(res: ServerResponse, messages: readonly unknown[]): BridgeSession | undefined {
    if (this.#shared !== null && !this.#shared.ended) return this.#shared;
    const session = this.#start(null, res, messages);
    if (session === undefined) return undefined;
    this.#shared = session;
    this.#logger.info({ upstream: this.#options.name, server_pid: session.pid }, `stdio upstream "${this.#options.name}": started the process for 2026-07-28 requests (pid ${session.pid})`);
    return session;
  }

  /** Spawns a server for a session; when it cannot be run, answers `res` with 502 and logs why (503 once the bridge is closed). */
  #start(id: string | null, res: ServerResponse, messages: readonly unknown[]): BridgeSession | undefined {
    const { name, command, args, env, cwd, graceMs, idleTimeoutMs } = this.#options;
    // Closed while the body was read: a process started now would outlive close(), which ended the rest.
    if (this.#closed) {
      sendError(res, 503, idOf(messages[0]), JsonRpcErrorCodes.UPSTREAM_UNREACHABLE, `upstream "${name}" is shutting down`);
      return undefined;
    }
    const session = BridgeSession.start({
      upstream: name,
      id,
      process: { command, ...(args === undefined ? {} : { args }), ...(env === undefined ? {} : { env }), ...(cwd === undefined ? {} : { cwd }), ...(graceMs === undefined ? {} : { graceMs }) },
      idleTimeoutMs,
      limits: this.#limits,
      logger: this.#logger,
      redactText: this.#options.redactText ?? ((text) => text),
      onEnd: (ended) => this.#ended(ended),
    });
    if (!session.started) {
      void session.exited.then((exit) => {
        const error = exit.error;
        this.#logger.error({ upstream: name, command, code: error?.code, cwd }, `stdio upstream "${name}": cannot run ${JSON.stringify(command)}: ${error?.code === 'ENOENT' ? 'command not found (or no such cwd)' : (error?.message ?? 'unknown error')}`);
      });
      sendError(res, 502, idOf(messages[0]), JsonRpcErrorCodes.UPSTREAM_UNREACHABLE, `upstream "${name}" could not be started`, {}, { upstream: name });
      return undefined;
    }
    this.#live.add(session);
    void session.exited.then(() => this.#live.delete(session));
    return session;
  }

  #ended(session: BridgeSession): void {
    if (session.id !== null && this.#sessions.get(session.id) === session) this.#sessions.delete(session.id);
    if (this.#shared === session) this.#shared = null;
  }
}

/** MCP's "Session not found" (the Streamable HTTP transport's 404), the code its SDKs send. */
const SESSION_NOT_FOUND = -32001;

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isInitialize(message: unknown): boolean {
  return message !== null && typeof message === 'object' && (message as Record<string, unknown>)['method'] === 'initialize';
}

function idOf(message: unknown): string | number | null {
  const id = message !== null && typeof message === 'object' ? (message as Record<string, unknown>)['id'] : undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

function sendError(
  res: ServerResponse,
  status: number,
  id: string | number | null,
  code: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
  data?: Record<string, unknown>,
): void {
  const body = JSON.stringify({ jsonrpc: '2.0', id, error: { code, message, ...(data === undefined ? {} : { data }) } });
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}
