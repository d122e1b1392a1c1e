import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Request, Response } from 'express';
import {
  mirroredHeaderValues,
  protocolEra,
  type Decision,
  type EvaluationContext,
  type JsonRpcId,
  type PolicyLease,
  type ResponseScope,
} from '@mcpgw/core';
import type { DecisionAuditEvent } from './audit-event.js';
import { GatewayError } from './gateway-error.js';
import { deliverResponse } from './deliver-response.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import type { GatewayUpstream } from './routing.js';
import { readMessages } from './read-messages.js';
import { refusalResponse } from './refusal-response.js';
import { sendJson, sendRpcError } from './send.js';
import type { UpstreamProxy } from './upstream-proxy.js';

/** A client request forwarded upstream, waiting for its response. */
export interface TrackedRequest {
  readonly decision: Decision;
  /** Whether it went to the upstream (an allowed request in a refused batch did not). */
  readonly forwarded: boolean;
  responseRedactions: number;
  errorCode: number | null;
  isError: boolean;
  answered: boolean;
}

const idKey = (id: JsonRpcId | undefined): string => `${typeof id}:${String(id)}`;

/** Methods forwarded without a body: MCP's GET stream and DELETE, and CORS preflights. */
const BODYLESS_METHODS: ReadonlySet<string | undefined> = new Set(['GET', 'DELETE', 'HEAD', 'OPTIONS']);

/** Whether a request announces a body (any Transfer-Encoding, or a non-zero Content-Length). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * One HTTP request through the gateway, from admission to the end of its
 * response: the lease it is pinned to, the JSON-RPC requests it carries, and
 * their audit events. Every decision for it uses `lease.policy`.
 */
export class Exchange {
  readonly lease: PolicyLease;
  readonly context: EvaluationContext;
  readonly upstream: GatewayUpstream;
  readonly runtime: GatewayRuntime;
  readonly req: Request;
  readonly res: Response;
  readonly #started = performance.now();
  /** Forwarded requests by id, to match responses to them. */
  readonly #byId = new Map<string, TrackedRequest>();
  /** Every request of this exchange, forwarded or refused: one audit event each. */
  readonly #all: TrackedRequest[] = [];
  #failed = false;
  #session: string | null;
  #upstreamRequest: ClientRequest | null = null;
  #upstreamResponse: IncomingMessage | null = null;

  constructor(runtime: GatewayRuntime, upstream: GatewayUpstream, req: Request, res: Response) {
    this.runtime = runtime;
    this.upstream = upstream;
    this.req = req;
    this.res = res;
    this.lease = runtime.handle.acquire();
    // 2026-07-28 has no sessions: a leftover Mcp-Session-Id is ignored, as the spec says servers do.
    const session = protocolEra(req.headers, undefined) === 'legacy' ? req.headers['mcp-session-id'] : undefined;
    this.#session = typeof session === 'string' ? session : null;
    this.context = {
      upstream: upstream.name,
      headers: req.headers,
      client: runtime.clientAddress(req),
      paramHeaders: (tool) => runtime.paramHeaders.get(upstream.name, tool),
      ...(this.#session === null ? {} : { session: this.#session }),
    };
    // 'close' comes once, after the response finished or the client went away.
    res.once('close', () => this.#closed());
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
        if (method === 'GET') this.#longLived();
        this.#forward(proxy, null, false);
      } else {
        throw new GatewayError('method_not_allowed', `method ${method} is not used by MCP; use POST, GET or DELETE`);
      }
    } catch (error) {
      this.fail(error instanceof GatewayError ? error : new GatewayError('internal', 'internal gateway error', { cause: error }));
    }
  }

  /** The JSON-RPC requests of this exchange still waiting for an answer. */
  tracked(id: JsonRpcId | undefined): TrackedRequest | undefined {
    return this.#byId.get(idKey(id));
  }

  /** The forwarded request, when this exchange carries exactly one. */
  soleTracked(): TrackedRequest | undefined {
    if (this.#byId.size !== 1) return undefined;
    return this.#byId.values().next().value;
  }

  /** Scopes of every tracked request: what a stream message that names no request is redacted with. */
  streamScopes(): ResponseScope[] {
    return [...this.#byId.values()].map((tracked) => tracked.decision.responseScope);
  }

  /** The session id, once the upstream has assigned one (initialize). */
  noteSession(session: string | undefined): void {
    if (this.#session === null && session !== undefined) this.#session = session;
  }

  /** A response for a tracked request has been written: audit it now. */
  answered(tracked: TrackedRequest): void {
    if (tracked.answered) return;
    tracked.answered = true;
    this.#audit(tracked);
  }

  /**
   * Records that this exchange failed (its waiting requests are audited as
   * `upstream_failed`) and reports the error, once; leaves the response as
   * it is, for a caller that ends it its own way.
   */
  noteFailure(error: GatewayError): void {
    if (this.#failed) return;
    this.#failed = true;
    this.runtime.onError?.(error, this.upstream.name);
  }

  /** Answers with an error if nothing was sent yet; otherwise ends the response cleanly. */
  fail(error: GatewayError): void {
    this.noteFailure(error);
    if (this.res.headersSent) {
      if (!this.res.writableEnded) this.res.end();
      return;
    }
    if (this.res.destroyed) return;
    const waiting = [...this.#byId.values()];
    for (const tracked of waiting) tracked.errorCode = error.code;
    sendRpcError(this.res, error, waiting.length === 1 ? (waiting[0]?.decision.id ?? null) : null);
  }

  async #post(proxy: UpstreamProxy): Promise<void> {
    const { messages, batch } = await readMessages(this.req, this.runtime);
    const decisions: Decision[] = [];
    const ids = new Set<string>();
    for (const message of messages) {
      const decision = await this.lease.evaluate(message, this.context);
      if (decision.kind === 'request') {
        const key = idKey(decision.id);
        if (ids.has(key)) throw new GatewayError('invalid_request', `Invalid Request: the id ${JSON.stringify(decision.id)} is used twice in one batch`);
        ids.add(key);
      }
      decisions.push(decision);
    }

    if (decisions.some((decision) => !decision.forward)) {
      const refusal = refusalResponse(decisions, batch, this.lease.generation);
      for (const decision of decisions) {
        const tracked = this.#track(decision, false);
        tracked.errorCode = refusal.codes.get(decision) ?? null;
      }
      return sendJson(this.res, refusal.status, refusal.body, refusal.headers);
    }

    for (const decision of decisions) {
      const tracked = this.#track(decision, true);
      if (decision.kind === 'request') this.#byId.set(idKey(decision.id), tracked);
    }
    // A 2026 subscriptions/listen stream stays open for notifications: long-lived.
    if (decisions.some((decision) => decision.method === 'subscriptions/listen')) this.#longLived();
    const outgoing = batch ? decisions.map((decision) => decision.message) : decisions[0]?.message;
    // Headers mirroring the body follow the forwarded body: a redacted secret must not travel on in them.
    const tool = decisions[0]?.tool ?? null;
    const mirrored = batch ? {} : mirroredHeaderValues(messages[0], outgoing, this.req.headers, tool === null ? undefined : this.runtime.paramHeaders.get(this.upstream.name, tool));
    this.#forward(proxy, Buffer.from(JSON.stringify(outgoing)), true, mirrored);
  }

  #track(decision: Decision, forwarded: boolean): TrackedRequest {
    const tracked: TrackedRequest = { decision, forwarded, responseRedactions: 0, errorCode: null, isError: false, answered: false };
    // Requests are audited; so are invalid messages, which may be attempts to slip past the policy.
    if (decision.kind === 'request' || decision.action === 'invalid') this.#all.push(tracked);
    return tracked;
  }

  #forward(proxy: UpstreamProxy, body: Buffer | null, fromPost: boolean, headers: Readonly<Record<string, string | null>> = {}): void {
    proxy.forward(this.req, this.res, {
      body,
      headers,
      onRequest: (request) => {
        this.#upstreamRequest = request;
      },
      onResponse: (response) => {
        this.#upstreamResponse = response;
        deliverResponse(this, response, fromPost);
      },
      onError: (error) => this.fail(error),
    });
  }

  /**
   * Ends a long-lived notification stream (on reload or shutdown): the client
   * reconnects, and its new stream is pinned to the current policy.
   */
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

  #longLived(): void {
    this.runtime.streams.add(this);
  }

  #closed(): void {
    this.runtime.streams.delete(this);
    const finished = this.res.writableFinished;
    if (!finished) {
      // The client went away: cancel the upstream request (SPEC §7).
      this.#upstreamRequest?.destroy();
      this.#upstreamResponse?.destroy();
    }
    for (const tracked of this.#all) {
      if (tracked.answered) continue;
      tracked.answered = true;
      const waiting = tracked.decision.forward;
      this.#audit(tracked, !finished ? 'client_closed' : waiting && this.#failed ? 'upstream_failed' : waiting ? 'no_response' : undefined);
    }
    this.lease.release();
  }

  #audit(tracked: TrackedRequest, outcome?: DecisionAuditEvent['outcome']): void {
    const { decision } = tracked;
    if (this.runtime.onAudit === undefined) return;
    const policy = this.lease.policy;
    const text = (value: string | null) => (value === null ? null : policy.redactText(value));
    const id = decision.id === undefined ? null : typeof decision.id === 'string' ? policy.redactText(decision.id) : decision.id;
    const redacted = decision.redactions + tracked.responseRedactions > 0;
    const event: DecisionAuditEvent = {
      time: new Date().toISOString(),
      event: 'decision',
      generation: this.lease.generation,
      upstream: this.upstream.name,
      session: text(this.#session),
      client: this.context.client ?? null,
      method: text(decision.method),
      tool: text(decision.tool),
      id,
      action: auditAction(tracked, redacted),
      rules: decision.rules,
      redactions: { request: decision.redactions, response: tracked.responseRedactions },
      status: this.res.statusCode,
      error_code: tracked.errorCode,
      is_error: tracked.isError,
      duration_ms: Math.round((performance.now() - this.#started) * 1000) / 1000,
      ...(outcome === undefined ? {} : { outcome }),
    };
    try {
      this.runtime.onAudit(event);
    } catch {
      // An audit sink must not break the request path.
    }
  }
}

function auditAction({ decision, forwarded }: TrackedRequest, redacted: boolean): DecisionAuditEvent['action'] {
  if (decision.action === 'deny' || decision.action === 'rate_limit') return decision.action;
  // Invalid messages, and allowed requests of a refused batch, never reached the upstream.
  if (!forwarded) return 'deny';
  return redacted ? 'redact' : 'allow';
}
