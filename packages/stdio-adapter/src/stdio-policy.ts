import {
  classifyMessage,
  JsonRpcErrorCodes,
  type CompiledPolicy,
  type Decision,
  type EvaluationContext,
  type JsonRpcId,
  type PolicyHandle,
  type PolicyLease,
  type ResponseScope,
} from '@mcpgw/core';
import type { ClientLineProblem, ServerDropEvent, ServerLineProblem, StdioAuditListener, StdioAuditEvent, StdioDecisionEvent, StdioRefusalEvent } from './audit-event.js';
import { EventThinning } from './refusal-thinning.js';

// The policy seam of the stdio gateway: what one exchange over
// newline-delimited JSON-RPC does with each parsed line, both ways (SPEC §10).
// Everything else in this package moves bytes and processes. When the
// transport-agnostic exchange lands in @mcpgw/core, this file is the one to
// reimplement on it, behind the same interface.

/** Bounds of a {@link StdioPolicy}. */
export interface StdioPolicyLimits {
  /** Messages in one JSON-RPC batch (refused whole past it). */
  readonly batchMessages: number;
  /** Requests awaiting the server's answer; a request past it is refused (`-32603`). */
  readonly pendingRequests: number;
}

export const DEFAULT_POLICY_LIMITS: StdioPolicyLimits = Object.freeze({ batchMessages: 100, pendingRequests: 10_000 });

export interface StdioPolicyOptions {
  readonly handle: PolicyHandle;
  /** The wrapped server's name: `match.upstream` and `key` context, and `upstream` in audit events. */
  readonly server: string;
  readonly onAudit?: StdioAuditListener;
  readonly limits?: Partial<StdioPolicyLimits>;
}

/** What to do with one line of the client: the text to send the server, and the text to answer the client with. */
export interface ClientVerdict {
  readonly toServer: string | null;
  readonly toClient: string | null;
}

/** How a request ended without an answer (see {@link StdioDecisionEvent.outcome}). */
export type UnansweredOutcome = NonNullable<StdioDecisionEvent['outcome']>;

/** The lease a line of the client was admitted under, held until the last of its requests is answered. */
interface Admission {
  readonly lease: PolicyLease;
  readonly started: number;
  open: number;
}

/** A request of the client sent to the server, until its answer (or the end). */
interface Pending {
  readonly decision: Decision;
  readonly admission: Admission;
  /** Another pending request has the same id: its answer cannot be told apart. */
  ambiguous: boolean;
  responseRedactions: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
/** Map key of a JSON-RPC id: `1` and `"1"` are different ids. */
const idKey = (id: JsonRpcId | undefined): string => `${typeof id}:${String(id)}`;
const errorText = (id: JsonRpcId, code: number, message: string, data?: unknown): string =>
  JSON.stringify({ jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } });

/**
 * Applies a policy to one stdio exchange — one client, one server, one
 * pipe each way:
 *
 * - **client lines** are admitted under a lease and decided by the core as a
 *   whole ({@link PolicyLease.evaluateBatch}: a batch is refused whole when
 *   any element is); refusals are answered with the decision's reply; what
 *   is allowed goes on, redacted. A forwarded request keeps its lease — its
 *   generation — until its answer: a reload mid-call does not change the
 *   rules for that call, either way.
 * - **server lines**: the answer to a pending request is redacted with that
 *   request's scope under its generation (a `tools/list` answer filtered);
 *   an answer to no pending request, or to an id two pending requests share,
 *   fails closed with every response rule; a notification or server request
 *   gets the rules that match it joined with the scopes of the requests in
 *   flight — under each generation that has a request in flight, and the
 *   current one.
 * - **audit**: one `decision` event per request when its answer is sent,
 *   refused notifications and invalid messages when refused, and thinned
 *   events for lines that are not messages.
 *
 * Every method is safe on any input: nothing here throws on what a client
 * or a server sends.
 */
export class StdioPolicy {
  readonly #handle: PolicyHandle;
  readonly #server: string;
  readonly #context: EvaluationContext;
  readonly #limits: StdioPolicyLimits;
  readonly #onAudit: StdioAuditListener | undefined;
  readonly #pending = new Map<string, Pending[]>();
  #pendingCount = 0;
  /** The scopes of the pending requests, by the policy (generation) they were admitted under, each with its count. */
  readonly #inFlight = new Map<CompiledPolicy, Map<ResponseScope, number>>();
  readonly #refusals: EventThinning<StdioRefusalEvent>;
  readonly #drops: EventThinning<ServerDropEvent>;

  constructor(options: StdioPolicyOptions) {
    this.#handle = options.handle;
    this.#server = options.server;
    this.#context = { upstream: options.server };
    this.#limits = { ...DEFAULT_POLICY_LIMITS, ...options.limits };
    this.#onAudit = options.onAudit;
    this.#refusals = new EventThinning((event) => this.#emit(event));
    this.#drops = new EventThinning((event) => this.#emit(event));
  }

  /** Requests sent to the server and not answered yet. */
  get pending(): number {
    return this.#pendingCount;
  }

  /** Decides one parsed line of the client: a message or a batch. Never rejects. */
  async fromClient(parsed: unknown): Promise<ClientVerdict> {
    const batch = Array.isArray(parsed);
    const messages: readonly unknown[] = batch ? parsed : [parsed];
    if (messages.length === 0) return { toServer: null, toClient: this.refuseClientLine('invalid_request', { message: 'Invalid Request: empty batch' }) };
    if (messages.length > this.#limits.batchMessages) {
      return { toServer: null, toClient: this.refuseClientLine('invalid_request', { message: `Invalid Request: a batch of ${messages.length} messages is more than the gateway takes (${this.#limits.batchMessages})` }) };
    }
    // Before deciding: a line refused for this uses no rate-limit quota.
    const requests = messages.filter((message) => classifyMessage(message).kind === 'request').length;
    if (requests > 0 && this.#pendingCount + requests > this.#limits.pendingRequests) {
      return { toServer: null, toClient: this.#internalError(messages, batch, `${this.#pendingCount} requests are waiting for the server's answer; the gateway holds at most ${this.#limits.pendingRequests}`) };
    }
    const lease = this.#handle.acquire();
    const started = performance.now();
    let decisions: Decision[];
    try {
      decisions = await lease.evaluateBatch(messages, this.#context);
    } catch {
      // The core could not decide (a rate-limit store failed, a message too deep to redact): never forward unchecked.
      lease.release();
      return { toServer: null, toClient: this.#internalError(messages, batch) };
    }

    if (decisions.some((decision) => !decision.forward)) {
      const admission: Admission = { lease, started, open: 0 };
      for (const decision of decisions) {
        // A refused notification gets no answer, but its audit says why it was refused.
        if (decision.kind === 'request' || !decision.forward) this.#audit(this.#track(decision, admission), { forwarded: false, errorCode: decision.reply?.error.code ?? decision.error?.code ?? null });
      }
      lease.release();
      const replies = decisions.flatMap((decision) => (decision.reply === null ? [] : [decision.reply]));
      return { toServer: null, toClient: replies.length === 0 ? null : JSON.stringify(batch ? replies : replies[0]) };
    }

    const admission: Admission = { lease, started, open: 0 };
    for (const decision of decisions) {
      if (decision.kind !== 'request') continue;
      const pending = this.#track(decision, admission);
      const key = idKey(decision.id);
      const same = this.#pending.get(key);
      if (same === undefined) this.#pending.set(key, [pending]);
      else {
        for (const other of same) other.ambiguous = true;
        pending.ambiguous = true;
        same.push(pending);
      }
      this.#pendingCount++;
      this.#count(pending, 1);
      admission.open++;
    }
    if (admission.open === 0) lease.release();
    // Serialized again, always: the server reads exactly what the policy decided on (no duplicate keys).
    return { toServer: JSON.stringify(batch ? decisions.map((decision) => decision.message) : decisions[0]?.message), toClient: null };
  }

  /**
   * What to send the client for one parsed line of the server (a message or
   * a batch), or `null` to send nothing. `text`, the line as it came, is
   * sent as it is when nothing in it could be redacted or filtered.
   */
  fromServer(parsed: unknown, text?: string): string | null {
    const batch = Array.isArray(parsed);
    const messages: readonly unknown[] = batch ? parsed : [parsed];
    const bytes = text === undefined ? 0 : Buffer.byteLength(text);
    if (messages.length === 0) {
      this.dropServerLine('invalid_message', { message: 'an empty batch', bytes });
      return null;
    }
    const lease = this.#handle.acquire();
    try {
      const placed = messages.map((message) => this.#place(message));
      const kept = placed.filter((placement) => placement.kind !== 'invalid');
      for (const placement of placed) {
        if (placement.kind === 'invalid') this.dropServerLine('invalid_message', { message: `not a JSON-RPC message: ${placement.problem}`, bytes });
      }
      if (kept.length === 0) return null;
      if (text !== undefined && kept.length === messages.length && this.#passesAsItCame(placed, text, lease.policy)) {
        for (const placement of placed) if (placement.kind === 'answer') this.#answered(placement.pending, placement.message);
        return text;
      }
      const out = kept.map((placement) => this.#rewrite(placement, lease.policy));
      return JSON.stringify(batch ? out : out[0]);
    } finally {
      lease.release();
    }
  }

  /**
   * Answers a line of the client that carries no message to decide on (not
   * JSON, too long, an empty or oversized batch) and audits it: the JSON-RPC
   * error to send, with the line's id when it could be read.
   */
  refuseClientLine(reason: Exclude<ClientLineProblem, 'internal'>, detail: { message: string; id?: JsonRpcId | undefined; bytes?: number }): string {
    const code = reason === 'parse_error' ? JsonRpcErrorCodes.PARSE_ERROR : JsonRpcErrorCodes.INVALID_REQUEST;
    this.#refused(reason, detail.message, code, detail.bytes);
    return errorText(detail.id ?? null, code, detail.message);
  }

  /**
   * Drops a line of the server that is no message the gateway can check, and
   * audits it. When it was the answer to a pending request (its id read from
   * what was kept of it), returns the error to answer that request with
   * (`-32010`, the server gave no answer the gateway can use), else `null`.
   */
  dropServerLine(reason: ServerLineProblem, detail: { message: string; id?: JsonRpcId | undefined; bytes: number }): string | null {
    this.#drops.offer(reason, { time: new Date().toISOString(), event: 'server_message_dropped', upstream: this.#server, reason, message: detail.message, bytes: detail.bytes });
    if (detail.id === undefined || reason === 'invalid_message') return null;
    const pending = this.#take(detail.id);
    if (pending === undefined) return null;
    const message = `upstream "${this.#server}" sent an answer the gateway cannot read`;
    this.#settle(pending, { errorCode: JsonRpcErrorCodes.UPSTREAM_UNREACHABLE, outcome: 'upstream_failed', upstreamError: `${message}: ${detail.message}` });
    return errorText(detail.id, JsonRpcErrorCodes.UPSTREAM_UNREACHABLE, message, { upstream: this.#server });
  }

  /** Ends the exchange: each request still pending is audited with `outcome` and its lease released; a flood's left-out events are written. */
  close(outcome: UnansweredOutcome, upstreamError?: string): void {
    for (const list of [...this.#pending.values()]) {
      for (const pending of list) this.#settle(pending, { errorCode: null, outcome, ...(outcome === 'upstream_failed' && upstreamError !== undefined ? { upstreamError } : {}) });
    }
    this.#refusals.flush();
    this.#drops.flush();
  }

  #place(message: unknown): Placement {
    const classified = classifyMessage(message);
    if (classified.kind === 'invalid') return { kind: 'invalid', problem: classified.problem ?? 'invalid' };
    if (classified.kind !== 'response') return { kind: 'other', message };
    const pending = this.#take(classified.id);
    return pending === undefined ? { kind: 'stray', message } : { kind: 'answer', message, pending };
  }

  /** The (oldest) pending request with this id, no longer pending. */
  #take(id: JsonRpcId | undefined): Pending | undefined {
    const key = idKey(id);
    const list = this.#pending.get(key);
    const pending = list?.shift();
    if (list !== undefined && list.length === 0) this.#pending.delete(key);
    if (pending !== undefined) {
      this.#pendingCount--;
      this.#count(pending, -1);
    }
    return pending;
  }

  /**
   * Whether the server's text can go on as it came: no backslash (every
   * string stands in it verbatim), no tools list to filter, and no response
   * pattern of any policy involved occurs anywhere in it.
   */
  #passesAsItCame(placed: readonly Placement[], text: string, current: CompiledPolicy): boolean {
    if (text.includes('\\')) return false;
    if (placed.some((placement) => filtersTools(placement))) return false;
    if (current.responsePatternsMayOccur(text)) return false;
    for (const policy of this.#policiesInFlight(placed)) if (policy !== current && policy.responsePatternsMayOccur(text)) return false;
    return true;
  }

  #rewrite(placement: Exclude<Placement, { kind: 'invalid' }>, current: CompiledPolicy): unknown {
    if (placement.kind === 'answer') {
      const { pending } = placement;
      const policy = pending.admission.lease.policy;
      const filtered = filtersTools(placement) ? filterTools(policy, placement.message, this.#context) : placement.message;
      const redacted = policy.redactResponse(filtered, pending.ambiguous ? policy.everyResponseRule : pending.decision.responseScope);
      pending.responseRedactions += redacted.redactions;
      this.#answered(pending, placement.message);
      return redacted.message;
    }
    if (placement.kind === 'stray') {
      const filtered = filterTools(current, placement.message, this.#context);
      return redactEnvelope(current, current.redactResponse(filtered, current.everyResponseRule).message);
    }
    // A notification or server request belongs to no request we can tell on stdio: it gets
    // the scopes of every request in flight, each under its own generation, and the current one.
    const { message } = placement;
    let out: unknown = message;
    let count = 0;
    const inFlight = this.#scopesInFlight();
    for (const [policy, scopes] of inFlight) {
      if (policy === current) continue;
      const redacted = policy.redactResponse(out, policy.responseScope(message, this.#context, ...scopes));
      out = redacted.message;
      count += redacted.redactions;
    }
    const scopes = inFlight.get(current) ?? [];
    const redacted = current.redactResponse(out, current.responseScope(message, this.#context, ...scopes));
    count += redacted.redactions;
    // Progress and log notifications of the only request in flight are its own.
    if (count > 0 && this.#pendingCount === 1) for (const list of this.#pending.values()) for (const pending of list) pending.responseRedactions += count;
    return redactEnvelope(current, redacted.message);
  }

  #policiesInFlight(placed: readonly Placement[]): Set<CompiledPolicy> {
    const policies = new Set<CompiledPolicy>(this.#inFlight.keys());
    for (const placement of placed) if (placement.kind === 'answer') policies.add(placement.pending.admission.lease.policy);
    return policies;
  }

  #scopesInFlight(): Map<CompiledPolicy, ResponseScope[]> {
    return new Map([...this.#inFlight].map(([policy, scopes]) => [policy, [...scopes.keys()]]));
  }

  /** Counts a pending request's scope in (+1) or out (-1) of {@link #inFlight}. */
  #count(pending: Pending, delta: 1 | -1): void {
    const policy = pending.admission.lease.policy;
    const scope = pending.decision.responseScope;
    let scopes = this.#inFlight.get(policy);
    if (scopes === undefined) this.#inFlight.set(policy, (scopes = new Map()));
    const count = (scopes.get(scope) ?? 0) + delta;
    if (count > 0) scopes.set(scope, count);
    else scopes.delete(scope);
    if (scopes.size === 0) this.#inFlight.delete(policy);
  }

  #track(decision: Decision, admission: Admission): Pending {
    // Without the message: a pending request must not keep a whole line alive.
    return { decision: { ...decision, message: null }, admission, ambiguous: false, responseRedactions: 0 };
  }

  /** A pending request's answer is being sent: audit it, release its share of the lease. */
  #answered(pending: Pending, message: unknown): void {
    const error = isRecord(message) ? message['error'] : undefined;
    const result = isRecord(message) ? message['result'] : undefined;
    this.#settle(pending, {
      errorCode: isRecord(error) && typeof error['code'] === 'number' ? error['code'] : null,
      isError: isRecord(result) && result['isError'] === true,
    });
  }

  #settle(pending: Pending, outcome: AuditDetails): void {
    // Still in the map at close; an answer took it out already.
    this.#removePending(pending);
    this.#audit(pending, { forwarded: true, ...outcome });
    const { admission } = pending;
    if (--admission.open === 0) admission.lease.release();
  }

  #removePending(pending: Pending): void {
    const key = idKey(pending.decision.id);
    const list = this.#pending.get(key);
    const index = list?.indexOf(pending) ?? -1;
    if (list === undefined || index === -1) return;
    list.splice(index, 1);
    if (list.length === 0) this.#pending.delete(key);
    this.#pendingCount--;
    this.#count(pending, -1);
  }

  #audit(pending: Pending, details: AuditDetails & { forwarded: boolean }): void {
    if (this.#onAudit === undefined) return;
    const { decision, admission } = pending;
    const policy = admission.lease.policy;
    const text = (value: string | null) => (value === null ? null : policy.redactText(value));
    const reason = (decision.error?.data as { reason?: unknown } | undefined)?.reason;
    const redacted = decision.redactions + pending.responseRedactions > 0;
    this.#emit({
      time: new Date().toISOString(),
      event: 'decision',
      generation: admission.lease.generation,
      upstream: this.#server,
      session: null,
      client: null,
      method: text(decision.method),
      tool: text(decision.tool),
      id: decision.id === undefined ? null : typeof decision.id === 'string' ? policy.redactText(decision.id) : decision.id,
      action: decision.action === 'deny' || decision.action === 'rate_limit' ? decision.action : !details.forwarded ? 'deny' : redacted ? 'redact' : 'allow',
      rules: decision.rules,
      redactions: { request: decision.redactions, response: pending.responseRedactions },
      status: null,
      error_code: details.errorCode,
      is_error: details.isError ?? false,
      duration_ms: Math.round((performance.now() - admission.started) * 1000) / 1000,
      ...(details.outcome === undefined ? {} : { outcome: details.outcome }),
      ...(details.upstreamError === undefined ? {} : { upstream_error: policy.redactText(details.upstreamError) }),
      ...(reason === 'key_budget_full' ? { reason } : {}),
    });
  }

  #refused(reason: ClientLineProblem, message: string, code: number, bytes: number | undefined): void {
    this.#refusals.offer(reason, {
      time: new Date().toISOString(),
      event: 'request_refused',
      upstream: this.#server,
      session: null,
      client: null,
      http_method: null,
      reason,
      message: this.#handle.policy.redactText(message),
      status: null,
      error_code: code,
      ...(bytes === undefined ? {} : { bytes }),
    });
  }

  /** Answers each request of a line the core could not decide on with `-32603`, and audits the line. */
  #internalError(messages: readonly unknown[], batch: boolean, detail = 'internal gateway error'): string | null {
    this.#refused('internal', detail, JsonRpcErrorCodes.INTERNAL_ERROR, undefined);
    const replies = messages
      .map((message) => classifyMessage(message))
      .filter((classified) => classified.kind === 'request')
      .map((classified) => ({ jsonrpc: '2.0', id: classified.id ?? null, error: { code: JsonRpcErrorCodes.INTERNAL_ERROR, message: detail } }));
    if (replies.length === 0) return null;
    return JSON.stringify(batch ? replies : replies[0]);
  }

  #emit(event: StdioAuditEvent): void {
    try {
      this.#onAudit?.(event);
    } catch {
      // An audit sink must not break the exchange.
    }
  }
}

interface AuditDetails {
  readonly errorCode: number | null;
  readonly isError?: boolean;
  readonly outcome?: UnansweredOutcome;
  readonly upstreamError?: string;
}

/** What a server message is to the exchange. */
type Placement =
  | { readonly kind: 'answer'; readonly message: unknown; readonly pending: Pending }
  | { readonly kind: 'stray'; readonly message: unknown }
  | { readonly kind: 'other'; readonly message: unknown }
  | { readonly kind: 'invalid'; readonly problem: string };

/** Whether a placed message's tools list (if any) must be filtered. */
function filtersTools(placement: Placement): boolean {
  if (placement.kind === 'stray') return toolsResult(placement.message) !== undefined;
  return placement.kind === 'answer' && (placement.pending.decision.method === 'tools/list' || (placement.pending.ambiguous && toolsResult(placement.message) !== undefined));
}

/** The message with the tools a deny rule refuses removed from its `result.tools`, if it has such a list. */
function filterTools(policy: CompiledPolicy, message: unknown, context: EvaluationContext): unknown {
  const result = toolsResult(message);
  if (result === undefined) return message;
  const filtered = policy.filterToolsList(result, context);
  return filtered.removed.length === 0 ? message : { ...(message as Record<string, unknown>), result: filtered.result };
}

function toolsResult(message: unknown): Record<string, unknown> | undefined {
  const result = isRecord(message) ? message['result'] : undefined;
  return isRecord(result) && Array.isArray(result['tools']) ? result : undefined;
}

/**
 * The `method` and `id` of a server message that answers no request of the
 * client, redacted with every response rule: the server chose them, and may
 * put anything there. (The id of an answer to a pending request is the
 * client's own.)
 */
function redactEnvelope(policy: CompiledPolicy, message: unknown): unknown {
  if (!isRecord(message)) return message;
  const { method, id } = message;
  const redact = (value: string) => policy.redactResponse(value, policy.everyResponseRule).message;
  const redactedMethod = typeof method === 'string' ? redact(method) : method;
  const redactedId = typeof id === 'string' ? redact(id) : id;
  if (redactedMethod === method && redactedId === id) return message;
  return { ...message, method: redactedMethod, id: redactedId };
}
