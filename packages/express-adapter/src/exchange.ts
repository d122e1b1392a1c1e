import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Request, Response } from 'express';
import { mirroredHeaderValues, protocolEra, type Decision, type EvaluationContext, type JsonRpcId, type PolicyLease, type ResponseScope } from '@mcpgw/core';
import type { DecisionAuditEvent } from './audit-event.js';
import type { RefusalOrigin } from './audit-trail.js';
import { GatewayError } from './gateway-error.js';
import { failureKind, type UpstreamOutcome } from './upstream-health.js';
import { deliverResponse } from './deliver-response.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import type { GatewayUpstream } from './routing.js';
import { readMessages } from './read-messages.js';
import { refusalResponse } from './refusal-response.js';
import { sendJson, sendRpcError } from './send.js';
import { idKey, type RequestOrigin, type TrackedRequest } from './tracked-request.js';
import type { UpstreamProxy } from './upstream-proxy.js';

/** Methods forwarded without a body: MCP's GET stream and DELETE, and CORS preflights. */
const BODYLESS_METHODS: ReadonlySet<string | undefined> = new Set(['GET', 'DELETE', 'HEAD', 'OPTIONS']);

/** Whether a request announces a body (any Transfer-Encoding, or a non-zero Content-Length). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Where a server message came: on the response stream of a POST, a resumed GET stream, or the standalone GET stream. */
export type StreamKind = 'post' | 'resumed' | 'standalone';

/**
 * One HTTP request through the gateway, from admission to the end of its
 * response: the lease it is pinned to, the JSON-RPC requests it carries, and
 * their audit events. Every decision for it uses `lease.policy`; a
 * long-lived notification stream moves to the new generation on a reload.
 */
export class Exchange {
  readonly context: EvaluationContext;
  readonly upstream: GatewayUpstream;
  readonly runtime: GatewayRuntime;
  readonly req: Request;
  readonly res: Response;
  /** What the stream of this request's response is, for placing the server messages on it. */
  readonly stream: StreamKind;
  #lease: PolicyLease;
  readonly #origin: RequestOrigin;
  /** Forwarded requests by id, to match responses to them. */
  readonly #byId = new Map<string, TrackedRequest>();
  /** What was forwarded for each, while this exchange lives (a notification stream's scope is computed from it anew after a reload). */
  readonly #forwarded = new Map<TrackedRequest, unknown>();
  /** Every request of this exchange, forwarded or refused: one audit event each. */
  readonly #all: TrackedRequest[] = [];
  /** The body was a JSON-RPC batch: an error answers each of its requests, in an array. */
  #batch = false;
  /** Why the exchange failed, once it did (the first failure). */
  #failure: GatewayError | null = null;
  /** The client went away before its response was complete: what fails after that is the gateway's own cancellation. */
  #clientGone = false;
  /** The gateway gave up on this exchange at shutdown: what fails after that is its own doing. */
  #abandoned = false;
  /** The response stream carried an event id: a client can resume it with Last-Event-ID. */
  #resumable = false;
  #upstreamRequest: ClientRequest | null = null;
  #upstreamResponse: IncomingMessage | null = null;

  constructor(runtime: GatewayRuntime, upstream: GatewayUpstream, req: Request, res: Response) {
    this.runtime = runtime;
    this.upstream = upstream;
    this.req = req;
    this.res = res;
    this.#lease = runtime.handle.acquire();
    // 2026-07-28 has no sessions: a leftover Mcp-Session-Id is ignored, as the spec says servers do.
    const header = protocolEra(req.headers, undefined) === 'legacy' ? req.headers['mcp-session-id'] : undefined;
    const session = typeof header === 'string' ? header : null;
    const client = runtime.clientAddress(req);
    this.context = {
      upstream: upstream.name,
      headers: req.headers,
      client,
      paramHeaders: (tool) => runtime.paramHeaders.get(upstream.name, tool),
      ...(session === null ? {} : { session }),
    };
    this.#origin = {
      generation: this.#lease.generation,
      policy: this.#lease.policy,
      upstream: upstream.name,
      // Not the headers: a remembered request must stay small. (Filtering a tools list ignores header conditions.)
      context: { upstream: upstream.name, ...(client === undefined ? {} : { client }), ...(session === null ? {} : { session }) },
      client: client ?? null,
      session,
      started: performance.now(),
      status: 0,
    };
    this.stream = req.method !== 'GET' ? 'post' : req.headers['last-event-id'] === undefined ? 'standalone' : 'resumed';
    runtime.open.add(this);
    // 'close' comes once, after the response finished or the client went away.
    res.once('close', () => this.#closed());
  }

  /** The lease server messages are redacted under: the admission's, or for a notification stream the newest generation's. */
  get lease(): PolicyLease {
    return this.#lease;
  }

  /** Handles the request; never rejects. */
  async run(proxy: UpstreamProxy): Promise<void> {
    try {
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
      if (this.#all.length === 0) this.runtime.audit.refusal(this.#refusalOrigin(), failure);
      this.fail(failure);
    }
  }

  /** What a `request_refused` event says of this request. */
  #refusalOrigin(): RefusalOrigin {
    const { upstream, session, client, policy } = this.#origin;
    return { upstream, session, client, httpMethod: this.req.method ?? null, policy };
  }

  /**
   * The request a server message answers, if it is a response: this
   * exchange's own, or one its session sent on another stream (then
   * forgotten there: it is being answered). `undefined` when it answers no
   * request the gateway knows — the caller must then assume the worst.
   */
  answering(id: JsonRpcId | undefined): TrackedRequest | undefined {
    const own = this.#byId.get(idKey(id));
    const session = this.#origin.session;
    if (session === null) return own;
    if (own !== undefined) {
      this.runtime.outstanding.remove(own);
      return own;
    }
    return this.runtime.outstanding.take(this.upstream.name, session, id);
  }

  /** The forwarded request, when this exchange carries exactly one. */
  soleTracked(): TrackedRequest | undefined {
    if (this.#byId.size !== 1) return undefined;
    return this.#byId.values().next().value;
  }

  /**
   * Scopes of every request on this stream, under the current lease: what a
   * stream message that answers no request is redacted with. A notification
   * stream moved to a newer generation gets its request's scope anew.
   */
  streamScopes(): ResponseScope[] {
    const policy = this.#lease.policy;
    return [...this.#byId.values()].map((tracked) =>
      tracked.origin.policy === policy ? tracked.decision.responseScope : policy.responseScope(this.#forwarded.get(tracked), this.context),
    );
  }

  /** An SSE event on this response carried an `id`: the stream can be resumed after it ends. */
  noteEventId(): void {
    this.#resumable = true;
  }

  /** The session id, once the upstream has assigned one (initialize). */
  noteSession(session: string | undefined): void {
    if (this.#origin.session === null && session !== undefined) this.#origin.session = session;
  }

  /** A response for a tracked request has been written: audit it now. */
  answered(tracked: TrackedRequest): void {
    if (tracked.answered) return;
    tracked.answered = true;
    this.runtime.audit.decision(tracked, this.res.statusCode, { resumed: tracked.origin !== this.#origin });
  }

  /**
   * Records that this exchange failed (its waiting requests are audited as
   * `upstream_failed`) and reports the error, once; leaves the response as
   * it is, for a caller that ends it its own way. A failure that follows the
   * client's leaving is the gateway cancelling the upstream request: not
   * reported, and not the upstream's failure.
   */
  noteFailure(error: GatewayError): void {
    if (this.#failure !== null || this.#clientGone || this.#abandoned) return;
    this.#failure = error;
    this.runtime.onError?.(error, this.upstream.name);
    const kind = failureKind(error);
    if (kind !== undefined) this.#reportOutcome({ upstream: this.upstream.name, time: Date.now(), ok: false, kind, message: this.#clientMessage(error), error });
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
    const waiting = [...this.#byId.values()];
    for (const tracked of waiting) tracked.errorCode = error.code;
    const ids = waiting.map((tracked) => tracked.decision.id ?? null);
    sendRpcError(this.res, error, { id: this.#batch && ids.length > 0 ? ids : ids.length === 1 ? (ids[0] as JsonRpcId) : null, message: this.#clientMessage(error) });
  }

  /**
   * The error's message as clients may see it: redacted with every pattern
   * of the policy, since an upstream's failure can quote what the upstream
   * sent (a charset, a coding), and the message also reaches health reports.
   */
  #clientMessage(error: GatewayError): string {
    return this.#lease.policy.redactText(error.message);
  }

  #reportOutcome(outcome: UpstreamOutcome): void {
    try {
      this.runtime.onUpstreamOutcome?.(outcome);
    } catch {
      // A listener must not break the request path.
    }
  }

  /**
   * Moves a long-lived notification stream to the handle's current
   * generation (on a reload): it stays open, and what comes on it from now
   * on is redacted with the new policy.
   */
  repin(): void {
    if (this.#lease.generation === this.runtime.handle.generation) return;
    const previous = this.#lease;
    this.#lease = this.runtime.handle.acquire();
    previous.release();
  }

  async #post(proxy: UpstreamProxy): Promise<void> {
    const { messages, batch } = await readMessages(this.req, this.runtime);
    this.#batch = batch;
    // The batch is decided whole, in core: forwarded whole or not at all, quota used only when forwarded.
    const decisions = await this.#lease.evaluateBatch(messages, this.context);

    if (decisions.some((decision) => !decision.forward)) {
      const refusal = refusalResponse(decisions, batch);
      for (const decision of decisions) {
        const tracked = this.#track(decision, false);
        // A refused notification gets no JSON-RPC answer, but its audit says why it was refused.
        tracked.errorCode = refusal.codes.get(decision) ?? decision.error?.code ?? null;
      }
      return sendJson(this.res, refusal.status, refusal.body, refusal.headers);
    }

    const session = this.#origin.session;
    for (const decision of decisions) {
      const tracked = this.#track(decision, true);
      if (decision.kind !== 'request') continue;
      this.#byId.set(idKey(decision.id), tracked);
      this.#forwarded.set(tracked, decision.message);
      // Its answer may come on another stream of the session (a resumed GET stream).
      if (session !== null) this.runtime.outstanding.add(this.upstream.name, session, tracked);
    }
    // A 2026 subscriptions/listen stream stays open for notifications: long-lived.
    if (decisions.some((decision) => decision.method === 'subscriptions/listen') && !this.#longLived()) return;
    const outgoing = batch ? decisions.map((decision) => decision.message) : decisions[0]?.message;
    // Headers mirroring the body follow the forwarded body: a redacted secret must not travel on in them.
    const tool = decisions[0]?.tool ?? null;
    const mirrored = batch ? {} : mirroredHeaderValues(messages[0], outgoing, this.req.headers, tool === null ? undefined : this.runtime.paramHeaders.get(this.upstream.name, tool));
    this.#forward(proxy, Buffer.from(JSON.stringify(outgoing)), mirrored);
  }

  #track(decision: Decision, forwarded: boolean): TrackedRequest {
    // Without the message: a tracked request may be remembered after its exchange, and must not keep a whole body alive.
    const tracked: TrackedRequest = { decision: { ...decision, message: null }, origin: this.#origin, forwarded, responseRedactions: 0, errorCode: null, isError: false, answered: false, ambiguous: false };
    // Requests are audited; so are refused notifications and invalid messages, which may be attempts to slip past the policy.
    if (decision.kind === 'request' || !decision.forward) this.#all.push(tracked);
    return tracked;
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
   * cut short (SPEC §5: every request is accounted for): each of its
   * requests not answered yet is audited now with outcome `abandoned` and
   * the status sent (null when the response had not begun), then the
   * connection and the upstream request are dropped. Returns how many
   * requests were audited.
   */
  abandon(): number {
    if (this.#abandoned) return 0;
    this.#abandoned = true;
    const status = this.res.headersSent ? this.res.statusCode : null;
    let audited = 0;
    for (const tracked of this.#all) {
      if (tracked.answered) continue;
      this.runtime.outstanding.remove(tracked);
      tracked.answered = true;
      this.runtime.audit.decision(tracked, status, { outcome: 'abandoned' });
      audited++;
    }
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
    this.#origin.status = this.res.statusCode;
    if (!finished) {
      // The client went away: cancel the upstream request (SPEC §7).
      this.#clientGone = true;
      this.#upstreamRequest?.destroy();
      this.#upstreamResponse?.destroy();
    }
    const failure = this.#failure;
    for (const tracked of this.#all) {
      if (tracked.answered) continue;
      const waiting = tracked.decision.forward;
      const outcome: DecisionAuditEvent['outcome'] = !finished ? 'client_closed' : waiting && failure !== null ? 'upstream_failed' : waiting ? 'no_response' : undefined;
      // The upstream ended a stream the client can resume without the answer (2025-11-25
      // polling): the answer comes on the resumed stream, and is audited then (or when forgotten).
      if (outcome === 'no_response' && this.#resumable && this.runtime.outstanding.await(tracked)) continue;
      // Otherwise no answer is owed any more: an answer arriving later is one the gateway cannot place.
      this.runtime.outstanding.remove(tracked);
      tracked.answered = true;
      this.runtime.audit.decision(
        tracked,
        this.res.statusCode,
        outcome === undefined ? {} : outcome === 'upstream_failed' ? { outcome, upstreamError: failure?.operatorMessage } : { outcome },
      );
    }
    this.#lease.release();
  }
}
