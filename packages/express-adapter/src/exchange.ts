import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { Exchange, GatewayError, parseJsonBody, readBody, sessionIdOf, type ExchangeAnswer, type PolicyLease, type StreamKind, type TrackedRequest } from '@mcpgw/core';
import { failureKind, type UpstreamOutcome } from './upstream-health.js';
import { deliverResponse } from './deliver-response.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import type { GatewayUpstream } from './routing.js';
import { sendJson, sendAnswer } from './send.js';
import type { UpstreamProxy } from './upstream-proxy.js';

/** Methods forwarded without a body: MCP's GET stream and DELETE, and CORS preflights. */
const BODYLESS_METHODS: ReadonlySet<string | undefined> = new Set(['GET', 'DELETE', 'HEAD', 'OPTIONS']);

/** Whether a request announces a body (any Transfer-Encoding, or a non-zero Content-Length). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * One HTTP request through the gateway, from admission to the end of its
 * response: the wire around a core {@link Exchange}, which decides, places
 * and audits. This reads the body, forwards what the exchange admits,
 * answers what it refuses, and passes the upstream's answer back through it.
 */
export class HttpExchange {
  readonly core: Exchange;
  readonly upstream: GatewayUpstream;
  readonly runtime: GatewayRuntime;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The response stream carried an event id: a client can resume it with Last-Event-ID. */
  #resumable = false;
  #upstreamRequest: ClientRequest | null = null;
  #upstreamResponse: IncomingMessage | null = null;

  constructor(runtime: GatewayRuntime, upstream: GatewayUpstream, req: IncomingMessage, res: ServerResponse) {
    this.runtime = runtime;
    this.upstream = upstream;
    this.req = req;
    this.res = res;
    const session = sessionIdOf(req.headers);
    const client = runtime.clientAddress(req);
    const stream: StreamKind = req.method !== 'GET' ? 'post' : req.headers['last-event-id'] === undefined ? 'standalone' : 'resumed';
    this.core = new Exchange(
      runtime,
      {
        upstream: upstream.name,
        headers: req.headers,
        ...(client === undefined ? {} : { client }),
        ...(session === undefined ? {} : { session }),
        httpMethod: req.method ?? null,
      },
      stream,
    );
    runtime.open.add(this);
    // 'close' comes once, after the response finished or the client went away.
    res.once('close', () => this.#closed());
  }

  /** The lease server messages are redacted under. */
  get lease(): PolicyLease {
    return this.core.lease;
  }

  /** Handles the request; never rejects. */
  async run(proxy: UpstreamProxy): Promise<void> {
    try {
      const origin = this.req.headers.origin;
      if (!this.runtime.originAllowed(origin)) throw new GatewayError('origin_forbidden', `Origin "${origin}" is not allowed`);
      const method = this.req.method;
      if (method === 'POST') await this.#post(proxy);
      else if (BODYLESS_METHODS.has(method)) {
        // These carry no JSON-RPC message, so nothing in a body would be checked:
        // a body is refused, never passed on (nor smuggled as a second request).
        if (hasBody(this.req)) {
          this.res.setHeader('connection', 'close');
          throw new GatewayError('invalid_request', `Invalid Request: a ${method} request must not have a body`);
        }
        // A GET opens the server's notification stream (2025 era): long-lived.
        if (method === 'GET' && !this.#longLived()) return;
        this.#forward(proxy, null);
      } else {
        throw new GatewayError('method_not_allowed', `method ${method} is not used by MCP; use POST, GET or DELETE`);
      }
    } catch (error) {
      const failure = error instanceof GatewayError ? error : new GatewayError('internal', 'internal gateway error', { cause: error });
      // Refused before any JSON-RPC request in it was decided on (a bad body, or a failure while
      // deciding, such as a rate-limit store that cannot answer): audited on its own (SPEC §5).
      if (this.core.noteFailure(failure)) this.#report(failure);
      if (!this.res.headersSent && !this.res.destroyed) this.#send(this.core.refuse(failure));
      else if (!this.res.writableEnded) this.res.end();
    }
  }

  async #post(proxy: UpstreamProxy): Promise<void> {
    const req = this.req as IncomingMessage & { body?: unknown };
    const parsed = req.readableEnded && req.body !== undefined
      ? req.body // an earlier body parser consumed the stream
      : parseJsonBody(await readBody(req, this.runtime.limits.bodyBytes), this.runtime.limits.depth);
    const admission = await this.core.admit(parsed);
    if (!admission.forward) return this.#send(admission.answer);
    // A 2026 subscriptions/listen stream stays open for notifications: long-lived.
    if (admission.decisions.some((decision) => decision.method === 'subscriptions/listen') && !this.#longLived()) return;
    this.#forward(proxy, Buffer.from(JSON.stringify(admission.body)), admission.headers);
  }

  #send(answer: ExchangeAnswer): void {
    sendAnswer(this.res, answer);
  }

  /** A server message on this response has been written for a tracked request: audit it now. */
  answered(tracked: TrackedRequest): void {
    this.core.answered(tracked, this.res.statusCode);
  }

  /** An SSE event on this response carried an `id`: the stream can be resumed after it ends. */
  noteEventId(): void {
    this.#resumable = true;
  }

  /**
   * Records that this exchange failed (its waiting requests are audited as
   * `upstream_failed`) and reports the error, once; leaves the response as
   * it is, for a caller that ends it its own way.
   */
  noteFailure(error: GatewayError): void {
    if (this.core.noteFailure(error)) this.#report(error);
  }

  /** Tells the gateway's listeners of a failure: the error, and for an upstream's failure its health. */
  #report(error: GatewayError): void {
    this.runtime.onError?.(error, this.upstream.name);
    const kind = failureKind(error);
    if (kind === undefined) return;
    this.#reportOutcome({ upstream: this.upstream.name, time: Date.now(), ok: false, kind, message: this.core.clientMessage(error), error });
  }

  /**
   * Answers with an error if nothing was sent yet — for a batch, one error
   * per request, with its id — otherwise ends the response cleanly.
   */
  fail(error: GatewayError): void {
    this.noteFailure(error);
    if (this.res.headersSent) {
      if (!this.res.writableEnded) this.res.end();
      return;
    }
    if (this.res.destroyed) return;
    this.#send(this.core.errorAnswer(error));
  }

  #reportOutcome(outcome: UpstreamOutcome): void {
    try {
      this.runtime.onUpstreamOutcome?.(outcome);
    } catch {
      // A listener must not break the request path.
    }
  }

  /** Moves a long-lived notification stream to the newest generation (on a reload). */
  repin(): void {
    this.core.repin();
  }

  #forward(proxy: UpstreamProxy, body: Buffer | null, headers: Readonly<Record<string, string | null>> = {}): void {
    proxy.forward(this.req, this.res, {
      body,
      headers,
      onRequest: (request) => {
        this.#upstreamRequest = request;
      },
      onResponse: (response) => {
        this.#upstreamResponse = response;
        // The upstream answered: whatever its answer holds, it was reached in time.
        this.#reportOutcome({ upstream: this.upstream.name, time: Date.now(), ok: true });
        deliverResponse(this, response);
      },
      onError: (error) => this.fail(error),
    });
  }

  /** Ends a long-lived notification stream (at shutdown): the client reconnects, to another replica. */
  endStream(reason: string): void {
    this.#upstreamRequest?.destroy();
    this.#upstreamResponse?.destroy();
    if (!this.res.headersSent && !this.res.destroyed) {
      // Not started yet: answer with an event stream that ends at once, which
      // clients treat as a closed stream and reopen (an error status would count
      // as a failed reconnect and may stop them for good).
      this.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      this.res.end(`: ${reason}\n\n`);
      return;
    }
    if (!this.res.writableEnded) this.res.end();
  }

  /**
   * Gives up on this exchange at shutdown, once the drain timed out or was
   * cut short: its requests not answered yet are audited as `abandoned`
   * (with the status sent, or null when the response had not begun), then
   * the connection and the upstream request are dropped. Returns how many
   * requests were audited.
   */
  abandon(): number {
    const audited = this.core.abandon(this.res.headersSent ? this.res.statusCode : null);
    this.res.destroy();
    this.#upstreamRequest?.destroy();
    this.#upstreamResponse?.destroy();
    return audited;
  }

  /**
   * Joins the notification streams (moved on each reload, ended at
   * shutdown). A POST's stream is known to be one only once its body was
   * read and decided: a reload meanwhile moves it now; if the streams were
   * ended meanwhile (shutdown), it is ended at once and false returned.
   */
  #longLived(): boolean {
    const ended = this.runtime.streamsEnded;
    if (ended !== null) {
      this.endStream(ended);
      return false;
    }
    this.runtime.streams.add(this);
    this.repin();
    return true;
  }

  #closed(): void {
    this.runtime.open.delete(this);
    this.runtime.streams.delete(this);
    const finished = this.res.writableFinished;
    if (!finished) {
      // The client went away: cancel the upstream request (SPEC §7).
      this.#upstreamRequest?.destroy();
      this.#upstreamResponse?.destroy();
    }
    this.core.close({ finished, status: this.res.statusCode, resumable: this.#resumable });
  }
}
