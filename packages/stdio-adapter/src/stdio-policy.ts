import {
  Channel,
  createExchangeRuntime,
  GatewayError,
  upstreamError,
  type DroppedReason,
  type Exchange,
  type ExchangeAnswer,
  type ExchangeRuntime,
  type GatewayAuditEvent,
  type JsonRpcId,
  type PolicyHandle,
  type RequestTracer,
} from '@mcpgw/core';
import { classifyMessage } from '@mcpgw/core/internal';

// The policy seam of the stdio gateway: what @mcpgw/core's exchange does
// with each parsed line, both ways (SPEC §10), mapped to lines. Everything
// else in this package moves bytes and processes.

/** Bounds of a {@link StdioPolicy}. */
export interface StdioPolicyLimits {
  /** Messages in one JSON-RPC batch (refused whole past it). */
  readonly batchMessages: number;
  /** Requests awaiting the server's answer; a request past it is refused (`-32603`). */
  readonly pendingRequests: number;
}

export const DEFAULT_POLICY_LIMITS: StdioPolicyLimits = Object.freeze({ batchMessages: 100, pendingRequests: 10_000 });

/** What a stdio gateway audits: the exchange's events (`status` null, `session` null on stdio). */
export type StdioAuditListener = (event: GatewayAuditEvent) => void;

export interface StdioPolicyOptions {
  readonly handle: PolicyHandle;
  /** The wrapped server's name: `match.upstream` and `key` context, and `upstream` in audit events. */
  readonly server: string;
  readonly onAudit?: StdioAuditListener;
  /** Traces each request and its call to the server (the trace context goes in the forwarded message's `params._meta`). */
  readonly tracer?: RequestTracer;
  readonly limits?: Partial<StdioPolicyLimits>;
}

/** What to do with one line of the client: the text to send the server, and the text to answer the client with. */
export interface ClientVerdict {
  readonly toServer: string | null;
  readonly toClient: string | null;
}

/** Why a line of the client carries no message to decide on. */
export type ClientLineProblem = 'parse_error' | 'invalid_request' | 'line_too_long';

/** How the requests still waiting end when the connection does. */
export type UnansweredOutcome = 'client_closed' | 'upstream_failed' | 'no_response';

/** A pending request's answer is never forgotten on stdio while the connection lives (the bound on pending requests refuses new ones instead). */
const NEVER = 2 ** 31 - 1;

/**
 * Applies a policy to one stdio connection — one client, one server, one
 * pipe each way — through a core {@link Channel}: each client line is an
 * exchange of its own, pinned to the generation current when it arrives
 * (a reload mid-call does not change the rules for that call); a batch is
 * decided whole; each server line is placed with the request it answers,
 * or redacted with the scopes of every request in flight; every request is
 * audited once. This adds what is stdio's own: lines that are no message
 * (not JSON, too long), server lines that are dropped, and a bound on the
 * requests waiting.
 *
 * Every method is safe on any input: nothing here throws on what a client
 * or a server sends.
 */
export class StdioPolicy {
  readonly #server: string;
  readonly #limits: StdioPolicyLimits;
  readonly #runtime: ExchangeRuntime;
  readonly #channel: Channel;

  constructor(options: StdioPolicyOptions) {
    this.#server = options.server;
    this.#limits = { ...DEFAULT_POLICY_LIMITS, ...options.limits };
    const pending = this.#limits.pendingRequests;
    this.#runtime = createExchangeRuntime(options.handle, {
      onAudit: options.onAudit,
      tracer: options.tracer,
      batchMessages: this.#limits.batchMessages,
      outstanding: { maxRequests: pending, maxPerSession: pending, ttlMs: NEVER },
    });
    this.#channel = new Channel(this.#runtime, { upstream: options.server, connection: 'stdio' });
  }

  /** Requests sent to the server and not answered yet. */
  get pending(): number {
    return this.#runtime.outstanding.size;
  }

  /** Decides one parsed line of the client: a message or a batch. Never rejects. */
  async fromClient(parsed: unknown): Promise<ClientVerdict> {
    const exchange = this.#channel.exchange();
    // Before deciding: a line refused for this uses no rate-limit quota. Its messages are
    // classified only when there are enough of them to reach the bound.
    const messages: readonly unknown[] = Array.isArray(parsed) ? parsed : [parsed];
    const near = this.pending + messages.length > this.#limits.pendingRequests;
    const requests = near ? messages.filter((message) => classifyMessage(message).kind === 'request').length : 0;
    if (requests > 0 && this.pending + requests > this.#limits.pendingRequests) {
      const error = new GatewayError('internal', `${this.pending} requests are waiting for the server's answer; the gateway holds at most ${this.#limits.pendingRequests}`);
      return { toServer: null, toClient: this.#closeRefused(exchange, exchange.refuse(error, { body: parsed })) };
    }
    let admission;
    try {
      admission = await exchange.admit(parsed);
    } catch (error) {
      // A body refused whole (an empty or oversized batch), or the core could not decide (a
      // rate-limit store failed): never forwarded unchecked.
      const failure = error instanceof GatewayError ? error : new GatewayError('internal', 'internal gateway error', { cause: error });
      return { toServer: null, toClient: this.#closeRefused(exchange, exchange.refuse(failure)) };
    }
    if (!admission.forward) return { toServer: null, toClient: this.#closeRefused(exchange, admission.answer) };
    this.#channel.opened(exchange);
    // Serialized again, always: the server reads exactly what the policy decided on (no duplicate keys).
    return { toServer: JSON.stringify(admission.body), toClient: null };
  }

  /** Closes an exchange that forwarded nothing; the text to answer the client with (none for a refused notification). */
  #closeRefused(exchange: Exchange, answer: ExchangeAnswer): string | null {
    exchange.close({ finished: true, status: null });
    return answer.unanswerable === true ? null : JSON.stringify(answer.body);
  }

  /**
   * What to send the client for one parsed line of the server (a message or
   * a batch), or `null` to send nothing. What is not a JSON-RPC message is
   * dropped (and audited); `text`, the line as it came, is sent as it is
   * when nothing in it could be redacted or filtered.
   */
  fromServer(parsed: unknown, text?: string): string | null {
    const batch = Array.isArray(parsed);
    const messages: readonly unknown[] = batch ? parsed : [parsed];
    const bytes = text === undefined ? 0 : Buffer.byteLength(text);
    if (messages.length === 0) {
      this.dropServerLine('invalid_message', { message: 'an empty batch', bytes });
      return null;
    }
    const kept = messages.filter((message) => {
      const { kind, problem } = classifyMessage(message);
      if (kind === 'invalid') this.dropServerLine('invalid_message', { message: `not a JSON-RPC message: ${problem ?? 'invalid'}`, bytes });
      return kind !== 'invalid';
    });
    if (kept.length === 0) return null;
    if (kept.length === messages.length) return this.#channel.rewrite(parsed, text);
    return this.#channel.rewrite(batch ? kept : kept[0]);
  }

  /**
   * Answers a line of the client that carries no message to decide on (not
   * JSON, too long) and audits it: the JSON-RPC error to send, with the
   * line's id when it could be read.
   */
  refuseClientLine(reason: ClientLineProblem, detail: { message: string; id?: JsonRpcId | undefined; bytes?: number }): string {
    const error = new GatewayError(reason, detail.message);
    const exchange = this.#channel.exchange();
    exchange.refuse(error, detail.bytes === undefined ? {} : { bytes: detail.bytes });
    exchange.close({ finished: true, status: null });
    return JSON.stringify({ jsonrpc: '2.0', id: detail.id ?? null, error: { code: error.rpcCode, message: detail.message } });
  }

  /**
   * Drops a line of the server that is no message the gateway can check, and
   * audits it. When it was the answer to a pending request (its id read from
   * what was kept of it), returns the error to answer that request with
   * (`-32010`, the server gave no answer the gateway can use), else `null`.
   */
  dropServerLine(reason: DroppedReason, detail: { message: string; id?: JsonRpcId | undefined; bytes: number }): string | null {
    this.#runtime.audit.dropped(this.#server, reason, detail.message, detail.bytes);
    if (detail.id === undefined || reason === 'invalid_message') return null;
    const reply = this.#channel.fail(detail.id, upstreamError('upstream_bad_response', this.#server, 'sent an answer the gateway cannot read', { detail: detail.message }));
    return reply === undefined ? null : JSON.stringify(reply);
  }

  /** Ends the connection: each request still pending is audited with `outcome`, and its lease released; a flood's left-out events are written. */
  close(outcome: UnansweredOutcome, upstreamErrorText?: string): void {
    const failure = outcome === 'upstream_failed' ? new GatewayError('upstream_unavailable', upstreamErrorText ?? `upstream "${this.#server}" ended`) : undefined;
    this.#channel.close({ clientGone: outcome === 'client_closed', ...(failure === undefined ? {} : { failure }) });
    this.#runtime.close();
  }
}

