import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { JsonRpcErrorCodes, type JsonRpcId } from '@mcpgw/core';
import { isRecord } from '@mcpgw/core/internal';
import type { BridgeLimits, BridgeLogger } from './bridge-options.js';
import type { EventStream } from './event-stream.js';
import { forEachLine } from './for-each-line.js';
import { idOfCutLine } from './id-of-cut-line.js';
import type { FramedItem } from './line-framer.js';
import { isBlank, parseLine } from './parse-line.js';
import { isId, RequestIds } from './request-ids.js';
import { ServerProcess, type ServerExit, type ServerProcessOptions } from './server-process.js';
import { SessionStreams } from './session-streams.js';
import { writeLine } from './write-line.js';

type Json = Record<string, unknown>;


/** The longest delay setTimeout takes (2^31 - 1 ms); idle_timeout goes up to 366 days. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Why a session ended. */
export type SessionEnd = 'deleted' | 'idle' | 'exited' | 'shutdown';

const END_WORDS: Readonly<Record<SessionEnd, string>> = {
  deleted: 'the session was deleted',
  idle: 'the session was idle',
  exited: 'its server process exited',
  shutdown: 'the gateway is shutting down',
};

export interface BridgeSessionOptions {
  /** The upstream's name, in messages and logs. */
  readonly upstream: string;
  /** The `Mcp-Session-Id` (2025 era); null for the one process shared by 2026-07-28 requests, which have no session. */
  readonly id: string | null;
  readonly process: Omit<ServerProcessOptions, 'stderr'>;
  readonly idleTimeoutMs: number;
  readonly limits: BridgeLimits;
  readonly logger: BridgeLogger;
  /** Applied to every text of the server's choosing before it is logged (see `HttpBridgeOptions.redactText`). */
  readonly redactText: (text: string) => string;
  /** Called once, when the session ends (whatever ended it), before its process has exited. */
  readonly onEnd: (session: BridgeSession) => void;
}

/**
 * One stdio server process behind the HTTP bridge, and the routing between
 * its stdin/stdout and HTTP streams (SPEC §10). Each client request is
 * written to the server under an id of the bridge's own (its answer is
 * given back the client's id), so that requests of many clients can share
 * one process (the 2026-07-28 era) without their ids or progress tokens
 * colliding. Server messages go:
 *
 * - a response: to the stream of the POST that carried its request;
 * - `notifications/progress`: to the stream of the request whose
 *   `progressToken` it carries;
 * - anything else (logging, sampling, elicitation, roots…): to the only POST
 *   stream open, if exactly one is; else to the session's GET stream; else
 *   into a small bounded queue that the next GET stream is given first.
 *   Without a session (2026-07-28) there is no GET stream: such a message
 *   goes to the only stream open or is dropped, and a server request is
 *   answered with an error, since no client can be asked.
 *
 * It ends when the client deletes it, after `idleTimeoutMs` without a
 * request and with no POST stream open, when its process exits, or at
 * shutdown: open streams get an error answer for each request still
 * waiting, and the process is ended by its supervisor (stdin closed, then
 * SIGTERM, then SIGKILL).
 */
export class BridgeSession {
  readonly id: string | null;
  readonly #options: BridgeSessionOptions;
  readonly #server: ServerProcess;
  readonly #logger: BridgeLogger;
  readonly #requests = new RequestIds();
  readonly #streams: SessionStreams;
  #idleTimer: NodeJS.Timeout | null = null;
  #ended: SessionEnd | null = null;

  private constructor(options: BridgeSessionOptions) {
    this.id = options.id;
    this.#options = options;
    this.#logger = options.logger;
    this.#streams = new SessionStreams(options.limits);
    this.#server = ServerProcess.spawn({ ...options.process, stderr: 'pipe' });
    if (this.#server.pid === undefined) {
      this.#ended = 'exited';
      return;
    }
    void forEachLine(this.#server.stdout, options.limits.serverLineBytes, (item) => this.#fromStdout(item));
    void forEachLine(this.#server.stderr as Readable, options.limits.stderrLineBytes, (item) => this.#fromStderr(item));
    void this.#server.exited.then((exit) => this.#onExit(exit));
    this.#touch();
  }

  /** Spawns the server. Check {@link started}: a command that cannot be run gives a session that has ended already. */
  static start(options: BridgeSessionOptions): BridgeSession {
    return new BridgeSession(options);
  }

  /** Whether the process was started (see {@link exited} for why not). */
  get started(): boolean {
    return this.#server.pid !== undefined;
  }

  get pid(): number | undefined {
    return this.#server.pid;
  }

  get ended(): boolean {
    return this.#ended !== null;
  }

  /** How the process ended, once it has. */
  get exited(): Promise<ServerExit> {
    return this.#server.exited;
  }

  /**
   * Relays the messages of one POST to the server. Requests among them get
   * their answers on an SSE stream opened on `res` (with `headers`, such as
   * the new session's id), which ends with the last answer; a POST of
   * notifications and responses only is answered 202 once written.
   */
  async post(messages: readonly unknown[], res: ServerResponse, headers: Readonly<Record<string, string>> = {}): Promise<void> {
    this.#touch();
    const requests = messages.filter((message) => isRecord(message) && typeof message['method'] === 'string' && isId(message['id']));
    const stream = requests.length === 0 ? null : this.#streams.openPost(res, requests.length, headers, (closed) => this.#streamClosed(closed));
    for (const message of messages) {
      if (this.#ended !== null) break;
      const line = this.#toServer(message, stream);
      if (line !== null) await writeLine(this.#server.stdin, line);
    }
    if (stream === null) {
      res.writeHead(202, headers).end();
      this.#touch();
    }
  }

  /** Opens the session's GET stream on `res`, and sends it what was held; false when one is open already. */
  openGetStream(res: ServerResponse): boolean {
    this.#touch();
    const opened = this.#streams.openGet(res);
    if (opened === null) return false;
    const { dropped } = opened;
    if (dropped > 0) this.#logger.warn({ upstream: this.#options.upstream, session: this.id, dropped }, `stdio upstream "${this.#options.upstream}": ${dropped} server messages dropped while no stream was open`);
    return true;
  }

  /** Ends the session: answers what waits with an error, ends its streams and its process. Resolves when the process has exited. */
  end(why: SessionEnd): Promise<ServerExit> {
    if (this.#ended === null) {
      this.#ended = why;
      if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
      this.#options.onEnd(this);
      const message = `upstream "${this.#options.upstream}" ended before answering: ${END_WORDS[why]}`;
      for (const pending of this.#requests.takeAll()) pending.stream.send(errorAnswer(pending.clientId, message, this.#options.upstream));
      this.#streams.endAll();
    }
    return this.#server.end();
  }

  /** Kills the process now (a forced exit). */
  kill(): void {
    this.#server.kill();
  }

  /**
   * The line to write for one client message: a request under the bridge's
   * id (and progress token), a cancellation under the bridge's id of the
   * request it names, the rest as it came; null for nothing to write.
   */
  #toServer(message: unknown, stream: EventStream | null): string | null {
    if (!isRecord(message)) return JSON.stringify(message);
    const { method, id } = message;
    if (typeof method === 'string' && isId(id) && stream !== null) return JSON.stringify(this.#requests.send({ ...message, id }, stream));
    if (method === 'notifications/cancelled') {
      // The client names its own id; the server knows requests only by the bridge's. A
      // cancellation naming no request of the client's is dropped, never passed on as it
      // came: its number could be the bridge id of another request — of another client, on
      // the 2026-07-28 process, whose clients' ids are not unique among them (they cancel by
      // closing their stream).
      const params = isRecord(message['params']) ? message['params'] : undefined;
      const bridgeId = this.id === null || params === undefined ? undefined : this.#requests.bridgeIdOf(params['requestId']);
      return bridgeId === undefined ? null : JSON.stringify({ ...message, params: { ...params, requestId: bridgeId } });
    }
    return JSON.stringify(message);
  }

  #fromServer(message: unknown, text: string): void {
    if (!isRecord(message)) return this.#dropped('it is not a JSON-RPC message');
    const { method, id } = message;
    if (typeof method !== 'string') {
      // A response: to the stream of the request it answers, with the client's id back.
      const pending = this.#requests.take(id);
      if (pending === undefined) {
        // An id the bridge gave out: the answer to a request given up on (its stream closed, 2026-07-28). Else a stray.
        if (this.#requests.issued(id)) return;
        return this.#dropped(`it answers no request waiting (id ${JSON.stringify(id)})`);
      }
      const answer = JSON.stringify({ ...message, id: pending.clientId });
      if (pending.stream.open) {
        pending.stream.send(answer);
        this.#answered(pending.stream);
      } else if (this.id !== null) {
        // Its POST went away (in the 2025 era that is no cancellation): the GET stream may still take it.
        this.#streams.deliver(answer, true);
      }
      return;
    }
    if (method === 'notifications/progress' && isRecord(message['params'])) {
      const pending = this.#requests.progressOf(message['params']['progressToken']);
      if (pending?.progressToken !== undefined) {
        pending.stream.send(JSON.stringify({ ...message, params: { ...message['params'], progressToken: pending.progressToken } }));
        return;
      }
    }
    if (this.id === null && isId(id)) {
      // A server request with no session: no client can be asked (2026-07-28 uses input requests in results instead).
      void writeLine(this.#server.stdin, JSON.stringify({ jsonrpc: '2.0', id, error: { code: JsonRpcErrorCodes.METHOD_NOT_FOUND, message: `${method} is not available: a 2026-07-28 request has no session to ask the client on` } }));
      return;
    }
    // Without a session there is no GET stream to hold it for.
    if (this.#streams.deliver(text, this.id !== null) === 'dropped') this.#dropped('no stream to send it on');
  }

  #answered(stream: EventStream): void {
    if (this.#streams.answered(stream)) this.#touch();
  }

  /** A POST stream the client closed before all its answers. */
  #streamClosed(stream: EventStream): void {
    if (this.id === null && this.#ended === null) {
      // 2026-07-28: closing the stream cancels its requests.
      for (const requestId of this.#requests.dropStream(stream)) {
        void writeLine(this.#server.stdin, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason: 'the client closed its stream' } }));
      }
    }
    this.#touch();
  }

  /** A request arrived, or a stream ended: the idle clock starts again, and runs only while no POST stream is open. */
  #touch(): void {
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    if (this.#ended !== null || this.#streams.waiting > 0) return;
    this.#idleUntil(Date.now() + this.#options.idleTimeoutMs);
  }

  /** Ends the session at `deadline`, in steps a timer can take (setTimeout fires at once past about 24.8 days). */
  #idleUntil(deadline: number): void {
    this.#idleTimer = setTimeout(() => {
      if (Date.now() < deadline) return this.#idleUntil(deadline);
      this.#logger.info({ upstream: this.#options.upstream, session: this.id, server_pid: this.pid, idle_ms: this.#options.idleTimeoutMs }, `stdio upstream "${this.#options.upstream}": ending an idle session`);
      void this.end('idle');
    }, Math.min(Math.max(deadline - Date.now(), 0), MAX_TIMER_MS));
    this.#idleTimer.unref();
  }

  #dropped(why: string): void {
    this.#logger.warn({ upstream: this.#options.upstream, session: this.id, server_pid: this.pid }, `stdio upstream "${this.#options.upstream}": server message dropped: ${this.#options.redactText(why)}`);
  }

  #onExit(exit: ServerExit): void {
    const how = exit.signal === null ? `exited with code ${exit.code}` : `was ended by ${exit.signal}`;
    const fields = { upstream: this.#options.upstream, session: this.id, server_pid: this.pid, code: exit.code, signal: exit.signal };
    if (this.#ended === null) {
      this.#logger.warn(fields, `stdio upstream "${this.#options.upstream}": server process ${how}; its session ends`);
      void this.end('exited');
    } else {
      this.#logger.info({ ...fields, reason: this.#ended }, `stdio upstream "${this.#options.upstream}": server process ${how} (${END_WORDS[this.#ended]})`);
    }
  }

  #fromStdout(item: FramedItem): void {
    if (item.kind === 'too_long') return this.#tooLong(item.length, idOfCutLine(item.head, item.tail));
    if (isBlank(item.bytes)) return;
    const parsed = parseLine(item.bytes, this.#options.limits.depth);
    if (!parsed.ok) return this.#dropped(parsed.problem);
    this.#fromServer(parsed.value, parsed.text);
  }

  /** A line too long to take: its request (when its id can be read) is answered with an error. */
  #tooLong(length: number, id: JsonRpcId | undefined): void {
    const why = `a line of ${length} bytes, longer than the ${this.#options.limits.serverLineBytes} bytes the gateway takes`;
    this.#dropped(why);
    const pending = this.#requests.take(id);
    if (pending === undefined) return;
    pending.stream.send(errorAnswer(pending.clientId, `upstream "${this.#options.upstream}" sent ${why}`, this.#options.upstream));
    this.#answered(pending.stream);
  }

  /**
   * A line of the server's stderr, to the log (redacted; never mixed into
   * answers). A line too long to keep is logged by its length alone: the
   * part kept of it may end inside a secret, which no pattern matches cut.
   */
  #fromStderr(item: FramedItem): void {
    const text = item.kind === 'line' ? item.bytes.toString('utf8') : `(a line of ${item.length} bytes, longer than the ${this.#options.limits.stderrLineBytes} bytes logged: not shown)`;
    if (text.trim() !== '') this.#logger.info({ upstream: this.#options.upstream, session: this.id, server_pid: this.pid, stream: 'stderr' }, this.#options.redactText(text));
  }
}

/** A JSON-RPC error answer for a request the server will not answer. */
function errorAnswer(id: JsonRpcId, message: string, upstream: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: { code: JsonRpcErrorCodes.UPSTREAM_UNREACHABLE, message, data: { upstream } } });
}
