import { classifyMessage, type JsonRpcId } from '../jsonrpc/message.js';
import { mirroredHeaderValues } from '../jsonrpc/mirrored-headers.js';
import type { Decision, EvaluationContext } from '../policy/decision.js';
import type { CompiledPolicy } from '../policy/compiled-policy.js';
import type { ResponseScope } from '../policy/response-scope.js';
import type { PolicyLease } from '../handle/policy-handle.js';
import { messagesOf } from './admission.js';
import type { Admission, ExchangeContext, ExchangeEnd, ExchangeRuntime } from './exchange-context.js';
import type { DecisionAuditEvent } from './audit-event.js';
import type { RefusalOrigin } from './audit-trail.js';
import type { GatewayError } from './exchange-error.js';
import type { ParamHeaderCache } from './param-header-cache.js';
import { refusalAnswer, type ExchangeAnswer } from './refusal-answer.js';
import { rewriteServerBody, type ServerStream, type StreamKind } from './server-message.js';
import { beginTrace, traceStart, withTraceContext } from './trace-context.js';
import { idKey, type RequestOrigin, type TrackedRequest } from './tracked-request.js';
import { unparsedVerdict, type UnparsedVerdict } from './unparsed-message.js';

/** The ids of the requests among client messages (a request with no usable id is invalid, and answered by the policy). */
function requestIds(messages: readonly unknown[]): JsonRpcId[] {
  const ids: JsonRpcId[] = [];
  for (const message of messages) {
    const classified = classifyMessage(message);
    if (classified.kind === 'request' && classified.id !== undefined) ids.push(classified.id);
  }
  return ids;
}

/** The JSON-RPC error response to `id` for a failure, in `message` (the error's, redacted for the client). */
export function errorReply(id: JsonRpcId | null, error: GatewayError, message: string): unknown {
  return { jsonrpc: '2.0', id, error: { code: error.rpcCode, message, ...(error.data === undefined ? {} : { data: error.data }) } };
}

/** HTTP headers an error status needs: a 413's connection closes (the rest of the body is not read); a 405 says what is allowed. */
const STATUS_HEADERS: Readonly<Record<number, Readonly<Record<string, string>>>> = {
  413: { connection: 'close' },
  405: { allow: 'POST, GET, DELETE, OPTIONS, HEAD' },
};

/**
 * One client message or batch through the gateway, from admission to the
 * end of its answers, whatever the transport: the lease it is pinned to,
 * the JSON-RPC requests it carries, how each server message that comes
 * back for it is placed and redacted, and their audit events (SPEC §3, §5,
 * §10). An adapter maps it to its wire: it reads the body, forwards what
 * {@link admit} says, passes server messages through {@link rewrite}, and
 * says when the exchange {@link close}s.
 *
 * Every decision uses `lease.policy`; a long-lived notification stream
 * moves to the newest generation with {@link repin}.
 */
export class Exchange implements ServerStream {
  readonly runtime: ExchangeRuntime;
  readonly context: EvaluationContext;
  readonly upstream: string;
  /** Where its server messages arrive: a POST's response, a resumed stream, or the standalone stream. */
  readonly stream: StreamKind;
  #lease: PolicyLease;
  readonly #origin: RequestOrigin;
  readonly #httpMethod: string | null;
  readonly #connection: string | null;
  /** The ids of the requests of the body, once read: who a failure before any decision answers. */
  #bodyIds: JsonRpcId[] = [];
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
  /** The client went away before its answer was complete: what fails after that is the gateway's own cancellation. */
  #clientGone = false;
  /** The gateway gave up on this exchange at shutdown: what fails after that is its own doing. */
  #abandoned = false;
  #closed = false;

  constructor(runtime: ExchangeRuntime, context: ExchangeContext, stream: StreamKind = 'post') {
    this.runtime = runtime;
    this.upstream = context.upstream;
    this.stream = stream;
    this.#lease = runtime.handle.acquire();
    this.#httpMethod = context.httpMethod ?? null;
    this.#connection = context.connection ?? null;
    const { upstream, client, session, identity } = context;
    this.context = {
      upstream,
      ...(context.headers === undefined ? {} : { headers: context.headers }),
      ...(client === undefined ? {} : { client }),
      ...(identity === undefined ? {} : { identity }),
      paramHeaders: (tool) => runtime.paramHeaders.get(upstream, tool),
      ...(session === undefined ? {} : { session }),
    };
    this.#origin = {
      generation: this.#lease.generation,
      policy: this.#lease.policy,
      upstream,
      // Not the headers: a remembered request must stay small. (Filtering a tools list ignores header conditions.)
      context: { upstream, ...(client === undefined ? {} : { client }), ...(session === undefined ? {} : { session }), ...(identity === undefined ? {} : { identity }) },
      client: client ?? null,
      session: session ?? null,
      started: performance.now(),
      status: null,
    };
  }

  /** The lease server messages are redacted under: the admission's, or for a notification stream the newest generation's. */
  get lease(): PolicyLease {
    return this.#lease;
  }

  get paramHeaders(): ParamHeaderCache {
    return this.runtime.paramHeaders;
  }

  /** What this exchange's requests carry of it (the same object for each): how an adapter finds a request's exchange. */
  get origin(): RequestOrigin {
    return this.#origin;
  }

  /** Whether the body was a batch. */
  get batch(): boolean {
    return this.#batch;
  }

  /** The session, once known (the upstream assigns it in its answer to `initialize`). */
  get session(): string | null {
    return this.#origin.session;
  }

  /**
   * Decides on a client's body (parsed JSON: one message or a batch) under
   * this exchange's lease. A batch is decided whole (see
   * `lease.evaluateBatch`): forwarded whole, or refused whole with one error
   * per request. Every request is tracked for its audit event; forwarded
   * ones for their answers. Throws a {@link GatewayError} for a body to
   * refuse whole (an empty or oversized batch, a 2026-era batch) and when
   * the policy cannot decide (a failing rate-limit store).
   */
  async admit(parsed: unknown): Promise<Admission> {
    const headers = this.context.headers as Readonly<Record<string, string | readonly string[] | undefined>> | undefined;
    const { messages, batch } = messagesOf(parsed, headers ?? {}, this.runtime.batchMessages);
    this.#batch = batch;
    let decisions: Decision[];
    try {
      decisions = await this.#lease.evaluateBatch(messages, this.context);
    } catch (error) {
      // Not decided (a rate-limit store that cannot answer): the failure answers the body's requests by id.
      this.#bodyIds = requestIds(messages);
      throw error;
    }

    if (decisions.some((decision) => !decision.forward)) {
      const answer = refusalAnswer(decisions, batch);
      for (const [index, decision] of decisions.entries()) {
        const tracked = this.#track(decision, false, messages[index]);
        // A refused notification gets no JSON-RPC answer, but its audit says why it was refused.
        tracked.errorCode = answer.codes.get(decision) ?? decision.error?.code ?? null;
      }
      return { forward: false, answer, decisions };
    }

    const remembered = this.#remembered;
    const forwarded: unknown[] = [];
    let traceHeaders: Record<string, string | null> = {};
    for (const [index, decision] of decisions.entries()) {
      const tracked = this.#track(decision, true, messages[index]);
      const context = tracked.trace?.upstreamContext ?? null;
      // The upstream call continues the gateway's trace: its context replaces the client's.
      forwarded.push(context === null ? decision.message : withTraceContext(decision.message, context));
      if (context !== null && index === 0) traceHeaders = { tracestate: null, ...context };
      if (decision.kind !== 'request') continue;
      this.#byId.set(idKey(decision.id), tracked);
      this.#forwarded.set(tracked, decision.message);
      // Its answer may come on another stream of the session (a resumed GET stream), or of the connection.
      if (remembered !== null) this.runtime.outstanding.add(this.upstream, remembered, tracked);
    }
    const body = batch ? forwarded : forwarded[0];
    // Headers mirroring the body follow the forwarded body: a redacted secret must not travel on in them.
    const tool = decisions[0]?.tool ?? null;
    const mirrored =
      batch || headers === undefined
        ? {}
        : mirroredHeaderValues(messages[0], body, headers, tool === null ? undefined : this.runtime.paramHeaders.get(this.upstream, tool));
    return { forward: true, body, decisions, headers: { ...mirrored, ...traceHeaders } };
  }

  /** Tracks a decided message for its audit event (and trace); `message` is the client's, as it came. */
  #track(decision: Decision, forwarded: boolean, message: unknown): TrackedRequest {
    const audited = decision.kind === 'request' || !decision.forward;
    const tracer = this.runtime.tracer;
    const trace = tracer === null || !audited ? null : beginTrace(tracer, traceStart(message, this.context.headers, this.#lease.policy, { started: this.#origin.started, forwarded }));
    // Without the message: a tracked request may be remembered after its exchange, and must not keep a whole body alive.
    const tracked: TrackedRequest = { decision: { ...decision, message: null }, origin: this.#origin, forwarded, responseRedactions: 0, errorCode: null, isError: false, answered: false, ambiguous: false, trace };
    // Requests are audited; so are refused notifications and invalid messages, which may be attempts to slip past the policy.
    if (audited) this.#all.push(tracked);
    return tracked;
  }

  /**
   * Refuses the exchange whole, before any JSON-RPC request in it was
   * decided (a bad body, a failing store): audited as `request_refused`
   * (SPEC §5) if nothing of it was tracked. Returns the answer to send.
   * `body`, the parsed body when the adapter refuses it before `admit`,
   * gives the ids to answer; `bytes`, the length of a line too long to read.
   */
  refuse(error: GatewayError, options: { readonly body?: unknown; readonly bytes?: number } = {}): ExchangeAnswer {
    if (this.#all.length === 0) {
      // Refused before admit read it (a bound of the adapter's): its requests are still answered by id.
      if (options.body !== undefined) {
        this.#batch = Array.isArray(options.body);
        this.#bodyIds = requestIds(this.#batch ? (options.body as unknown[]) : [options.body]);
      }
      this.runtime.audit.refusal(this.#refusalOrigin(), error, this.#httpMethod === null ? null : error.httpStatus, options.bytes);
    }
    return this.errorAnswer(error);
  }

  /** The key its requests are remembered under until answered: the session, else the connection; null when neither. */
  get #remembered(): string | null {
    return this.#origin.session ?? this.#connection;
  }

  /** What a `request_refused` event says of this exchange. */
  #refusalOrigin(): RefusalOrigin {
    const { upstream, session, client, policy } = this.#origin;
    return { upstream, session, client, httpMethod: this.#httpMethod, policy };
  }

  /**
   * Passes a server message (or a batch of them) through the policy: see
   * {@link rewriteServerBody}. Returns the text to send on and the requests
   * it answered (call {@link answered} once it was sent). The text is `raw`
   * itself (the same string) when it passes on as it came; `bytes`, the raw
   * text in UTF-8 when the caller has it, saves converting it.
   */
  rewrite(parsed: unknown, raw?: string, bytes?: Buffer): { text: string; answered: TrackedRequest[] } {
    return rewriteServerBody(this, parsed, raw, bytes);
  }

  /**
   * Whether a server message, as its raw UTF-8 text, may be passed on as it
   * came without being parsed (`pass`; then {@link rewrite} need not be
   * called), or must be parsed (`changes`: its text will not pass as it
   * came, so {@link rewrite} need not be given it): see
   * {@link unparsedVerdict}. `maxDepth`: the nesting a parsed message may have.
   */
  unparsedVerdict(raw: Buffer, maxDepth: number): UnparsedVerdict {
    return unparsedVerdict(this, raw, maxDepth);
  }

  /**
   * The request a server message answers, if it is a response: this
   * exchange's own, or one its session sent on another stream (then
   * forgotten there: it is being answered). `undefined` when it answers no
   * request the gateway knows — the caller must then assume the worst.
   */
  answering(id: JsonRpcId | undefined): TrackedRequest | undefined {
    const tracked = this.#answering(id);
    try {
      tracked?.trace?.upstreamAnswered();
    } catch {
      // A tracer must not break the request path.
    }
    return tracked;
  }

  #answering(id: JsonRpcId | undefined): TrackedRequest | undefined {
    const own = this.#byId.get(idKey(id));
    const remembered = this.#remembered;
    if (remembered === null) return own;
    if (own !== undefined) {
      this.runtime.outstanding.remove(own);
      return own;
    }
    return this.runtime.outstanding.take(this.upstream, remembered, id);
  }

  /** The forwarded request, when this exchange carries exactly one. */
  soleTracked(): TrackedRequest | undefined {
    if (this.#byId.size !== 1) return undefined;
    return this.#byId.values().next().value;
  }

  /** Whether any request of this exchange is still waiting for its answer. */
  get waiting(): boolean {
    for (const tracked of this.#byId.values()) if (!tracked.answered) return true;
    return false;
  }

  /**
   * Scopes of every request on this stream, under the current lease: what a
   * stream message that answers no request is redacted with. A notification
   * stream moved to a newer generation gets its request's scope anew.
   */
  streamScopes(): ResponseScope[] {
    return this.scopesUnder(this.#lease.policy);
  }

  /** The response scopes of this exchange's forwarded requests, under `policy` (computed anew for a request admitted under another). */
  scopesUnder(policy: CompiledPolicy): ResponseScope[] {
    return [...this.#byId.values()].map((tracked) =>
      tracked.origin.policy === policy ? tracked.decision.responseScope : policy.responseScope(this.#forwarded.get(tracked), this.context),
    );
  }

  /** The session id, once the upstream has assigned one (initialize). */
  noteSession(session: string | undefined): void {
    if (this.#origin.session === null && session !== undefined) this.#origin.session = session;
  }

  /** An answer for a tracked request has been sent on to the client (`status`: HTTP's, or null): audit it now. */
  answered(tracked: TrackedRequest, status: number | null): void {
    if (tracked.answered) return;
    tracked.answered = true;
    this.runtime.audit.decision(tracked, status, { resumed: tracked.origin !== this.#origin });
  }

  /** One request failed on its own (the upstream's answer to it was unusable): audited now as `upstream_failed`. */
  failed(tracked: TrackedRequest, error: GatewayError): void {
    if (tracked.answered) return;
    tracked.answered = true;
    this.runtime.outstanding.remove(tracked);
    this.runtime.audit.decision(tracked, null, { outcome: 'upstream_failed', upstreamError: error.operatorMessage });
  }

  /**
   * Records that this exchange failed (its waiting requests are audited as
   * `upstream_failed` when it closes). Returns whether the failure is news
   * to report: the first, and not one that follows the client's leaving or
   * the gateway's giving up (its own cancellation).
   */
  noteFailure(error: GatewayError): boolean {
    if (this.#failure !== null || this.#clientGone || this.#abandoned) return false;
    this.#failure = error;
    return true;
  }

  /**
   * The error answer for a failure, when nothing was sent yet: one error per
   * request still waiting, with its id (an array for a batch), its message
   * redacted with every pattern of the policy — an upstream's failure can
   * quote what the upstream sent. Marks those requests with the error's code.
   */
  errorAnswer(error: GatewayError): ExchangeAnswer {
    const waiting = [...this.#byId.values()].filter((tracked) => !tracked.answered);
    for (const tracked of waiting) tracked.errorCode = error.rpcCode;
    // Failed before any decision (a rate-limit store that cannot answer): the body's requests, by id.
    const ids = this.#all.length === 0 ? this.#bodyIds : waiting.map((tracked) => tracked.decision.id ?? null);
    const message = this.clientMessage(error);
    const reply = (id: JsonRpcId | null) => errorReply(id, error, message);
    const body = this.#batch && ids.length > 0 ? ids.map(reply) : reply(ids.length === 1 ? (ids[0] as JsonRpcId) : null);
    return { status: error.httpStatus, body, headers: STATUS_HEADERS[error.httpStatus] ?? {}, codes: new Map() };
  }

  /** The error's message as clients may see it: redacted with every pattern of the policy. */
  clientMessage(error: GatewayError): string {
    return this.#lease.policy.redactText(error.message);
  }

  /**
   * Moves a long-lived notification stream to the handle's current
   * generation (on a reload): what comes on it from now on is redacted with
   * the new policy.
   */
  repin(): void {
    if (this.#lease.generation === this.runtime.handle.generation) return;
    const previous = this.#lease;
    this.#lease = this.runtime.handle.acquire();
    previous.release();
  }

  /**
   * Gives up on this exchange at shutdown (SPEC §5: every request is
   * accounted for): each request not answered yet is audited now with
   * outcome `abandoned` and `status` (null when the answer had not begun).
   * Returns how many were audited; the adapter drops its connections.
   */
  abandon(status: number | null): number {
    if (this.#abandoned) return 0;
    this.#abandoned = true;
    let audited = 0;
    for (const tracked of this.#all) {
      if (tracked.answered) continue;
      this.runtime.outstanding.remove(tracked);
      tracked.answered = true;
      this.runtime.audit.decision(tracked, status, { outcome: 'abandoned' });
      audited++;
    }
    return audited;
  }

  /**
   * Ends the exchange, once: each request not answered yet is audited with
   * why (the client went away, the upstream failed, no answer came) — unless
   * the client can resume the stream and its answer may come on another, —
   * and the lease is released.
   */
  close(end: ExchangeEnd): void {
    if (this.#closed) return;
    this.#closed = true;
    const { finished, status } = end;
    if (status !== null) this.#origin.status = status;
    if (!finished) this.#clientGone = true;
    const failure = this.#failure;
    for (const tracked of this.#all) {
      if (tracked.answered) continue;
      const waiting = tracked.decision.forward;
      const outcome: DecisionAuditEvent['outcome'] = !finished ? 'client_closed' : waiting && failure !== null ? 'upstream_failed' : waiting ? 'no_response' : undefined;
      // The upstream ended a stream the client can resume without the answer (2025-11-25
      // polling): the answer comes on the resumed stream, and is audited then (or when forgotten).
      if (outcome === 'no_response' && end.resumable === true && this.runtime.outstanding.await(tracked)) continue;
      // Otherwise no answer is owed any more: an answer arriving later is one the gateway cannot place.
      this.runtime.outstanding.remove(tracked);
      tracked.answered = true;
      this.runtime.audit.decision(
        tracked,
        status,
        outcome === undefined ? {} : outcome === 'upstream_failed' ? { outcome, upstreamError: failure?.operatorMessage } : { outcome },
      );
    }
    this.#lease.release();
  }
}
