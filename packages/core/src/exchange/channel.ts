import type { JsonRpcId } from '../jsonrpc/message.js';
import type { EvaluationContext } from '../policy/decision.js';
import type { ResponseScope } from '../policy/response-scope.js';
import type { PolicyLease } from '../handle/policy-handle.js';
import type { GatewayError } from './exchange-error.js';
import { errorReply, Exchange } from './exchange.js';
import type { ExchangeRuntime } from './exchange-context.js';
import type { ParamHeaderCache } from './param-header-cache.js';
import { rewriteServerBody, type ServerStream } from './server-message.js';
import type { RequestOrigin, TrackedRequest } from './tracked-request.js';

/**
 * One long-lived, two-way connection to an upstream, as stdio is: every
 * client message is an {@link Exchange} of its own (pinned to the
 * generation current when it arrives), and the server's messages all come
 * on one stream. An answer is placed with its request, wherever it is,
 * under that request's generation; any other server message (a
 * notification, a server-to-client request) belongs to every request in
 * flight, and is redacted under the newest generation with their scopes
 * joined and the rules that match the message itself (SPEC §10).
 */
export class Channel implements ServerStream {
  readonly runtime: ExchangeRuntime;
  readonly upstream: string;
  readonly stream = 'post' as const;
  readonly #connection: string;
  readonly #client: string | undefined;
  /** Exchanges with a request still waiting for its answer, by the origin their requests carry. */
  readonly #inFlight = new Map<RequestOrigin, Exchange>();
  /** The current generation's lease, held while a server message is rewritten (never longer: an idle connection holds no generation). */
  #lease: PolicyLease | null = null;
  #closed = false;

  /**
   * `connection` names the connection among the gateway's (its requests are
   * remembered under it until answered; it is no MCP session, and is not
   * audited); `client`, when known, is who is on the other end, for
   * `client` rate limits and audit.
   */
  constructor(runtime: ExchangeRuntime, options: { upstream: string; connection: string; client?: string }) {
    this.runtime = runtime;
    this.upstream = options.upstream;
    this.#connection = options.connection;
    this.#client = options.client;
  }

  /** Server messages that answer no request are redacted under the newest generation. */
  get lease(): PolicyLease {
    this.#lease ??= this.runtime.handle.acquire();
    return this.#lease;
  }

  get context(): EvaluationContext {
    return { upstream: this.upstream, ...(this.#client === undefined ? {} : { client: this.#client }) };
  }

  get paramHeaders(): ParamHeaderCache {
    return this.runtime.paramHeaders;
  }

  /** Requests forwarded and not answered yet. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * A new exchange for one client message or batch (one line). Call its
   * `admit`, then {@link opened} if anything was forwarded, or its `close`
   * once the refusal was sent.
   */
  exchange(): Exchange {
    return new Exchange(this.runtime, { upstream: this.upstream, connection: this.#connection, httpMethod: null, ...(this.#client === undefined ? {} : { client: this.#client }) });
  }

  /** An exchange's message was forwarded: its answers are placed by {@link rewrite}; it closes when the last one came. */
  opened(exchange: Exchange): void {
    if (!exchange.waiting) return exchange.close({ finished: true, status: null });
    this.#inFlight.set(exchange.origin, exchange);
  }

  /**
   * Passes a server message (or batch) through the policy: the text to send
   * on to the client. The requests it answers are audited, and their
   * exchanges closed once nothing of them is waiting; call it after the
   * text was written, or accept that an answer that fails to be written is
   * still audited as answered.
   */
  rewrite(parsed: unknown, raw?: string): string {
    let rewritten: { text: string; answered: TrackedRequest[] };
    try {
      rewritten = rewriteServerBody(this, parsed, raw);
    } finally {
      this.#lease?.release();
      this.#lease = null;
    }
    const { text, answered } = rewritten;
    for (const tracked of answered) {
      const exchange = this.#inFlight.get(tracked.origin);
      if (exchange === undefined) continue;
      exchange.answered(tracked, null);
      this.#closeIfDone(exchange);
    }
    return text;
  }

  answering(id: JsonRpcId | undefined): TrackedRequest | undefined {
    return this.runtime.outstanding.take(this.upstream, this.#connection, id);
  }

  /**
   * Fails the request waiting for the answer with `id`, when the server sent
   * one the gateway cannot pass on (too long, not JSON): it is audited with
   * outcome `upstream_failed`, and the error response to send the client is
   * returned — so that the client does not wait for ever. `undefined` when
   * no request waits for that id.
   */
  fail(id: JsonRpcId, error: GatewayError): unknown {
    const tracked = this.answering(id);
    const exchange = tracked === undefined ? undefined : this.#inFlight.get(tracked.origin);
    if (tracked === undefined || exchange === undefined) return undefined;
    tracked.errorCode = error.rpcCode;
    exchange.failed(tracked, error);
    this.#closeIfDone(exchange);
    return errorReply(id, error, exchange.clientMessage(error));
  }

  /** Closes an exchange once none of its requests is waiting any more. */
  #closeIfDone(exchange: Exchange): void {
    if (exchange.waiting) return;
    this.#inFlight.delete(exchange.origin);
    exchange.close({ finished: true, status: null });
  }

  soleTracked(): TrackedRequest | undefined {
    if (this.#inFlight.size !== 1) return undefined;
    return this.#inFlight.values().next().value?.soleTracked();
  }

  streamScopes(): ResponseScope[] {
    const policy = this.#lease?.policy ?? this.runtime.handle.policy;
    return [...this.#inFlight.values()].flatMap((exchange) => exchange.scopesUnder(policy));
  }

  /**
   * Ends the connection: every request still waiting is audited with its
   * outcome — `client_closed` when the client went away, `upstream_failed`
   * with `failure` (the server exited), else `no_response` — and every lease
   * is released.
   */
  close(end: { readonly clientGone: boolean; readonly failure?: GatewayError }): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const exchange of this.#inFlight.values()) {
      if (end.failure !== undefined) exchange.noteFailure(end.failure);
      exchange.close({ finished: !end.clientGone, status: null });
    }
    this.#inFlight.clear();
  }
}
