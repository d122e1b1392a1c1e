import type { JsonRpcId } from '@mcpgw/core';
import { isRecord } from '@mcpgw/core/internal';
import type { EventStream } from './event-stream.js';

type Json = Record<string, unknown>;


/** Whether a value can be a request id or progress token (JSON-RPC `null` ids are not requests MCP sends). */
export const isId = (value: unknown): value is string | number => typeof value === 'string' || typeof value === 'number';

/** A client request sent to the server under the bridge's own id, until its answer. */
export interface PendingRequest {
  readonly clientId: JsonRpcId;
  /** The POST stream its answer goes to. */
  readonly stream: EventStream;
  /** The client's progress token, when it asked for progress. */
  readonly progressToken?: string | number;
}

/**
 * The requests of one server process waiting for their answers, each under
 * an id the bridge gives it (1, 2, 3…) and, when the client asked for
 * progress, with that same number as its progress token: the server never
 * sees a client's ids, so clients sharing one process cannot collide, and
 * every answer and progress notification finds its request and its stream.
 */
export class RequestIds {
  readonly #pending = new Map<number, PendingRequest>();
  #last = 0;

  /** Requests waiting. */
  get size(): number {
    return this.#pending.size;
  }

  /** Registers a client request and returns it as the server is to see it: the bridge's id (and progress token). */
  send(request: Json & { id: string | number }, stream: EventStream): Json {
    const bridgeId = ++this.#last;
    const params = isRecord(request['params']) ? request['params'] : undefined;
    const meta = isRecord(params?.['_meta']) ? params['_meta'] : undefined;
    const token = meta?.['progressToken'];
    this.#pending.set(bridgeId, { clientId: request.id, stream, ...(isId(token) ? { progressToken: token } : {}) });
    const rewritten = isId(token) ? { ...request, params: { ...params, _meta: { ...meta, progressToken: bridgeId } } } : request;
    return { ...rewritten, id: bridgeId };
  }

  /** The request an answer with this (bridge) id is for, no longer waiting once taken. */
  take(id: unknown): PendingRequest | undefined {
    if (typeof id !== 'number') return undefined;
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    return pending;
  }

  /** The request a progress token (the bridge's) belongs to, if it asked for progress. */
  progressOf(token: unknown): PendingRequest | undefined {
    const pending = typeof token === 'number' ? this.#pending.get(token) : undefined;
    return pending?.progressToken === undefined ? undefined : pending;
  }

  /** The bridge id of a waiting request by the client's id (the newest, should a client reuse one). */
  bridgeIdOf(clientId: unknown): number | undefined {
    let found: number | undefined;
    for (const [bridgeId, pending] of this.#pending) if (pending.clientId === clientId) found = bridgeId;
    return found;
  }

  /** Whether the bridge gave out this id: the answer to a request given up on is no stray. */
  issued(id: unknown): boolean {
    return typeof id === 'number' && Number.isInteger(id) && id > 0 && id <= this.#last;
  }

  /** Gives up on the requests whose answers go to `stream`; returns their bridge ids. */
  dropStream(stream: EventStream): number[] {
    const dropped: number[] = [];
    for (const [bridgeId, pending] of this.#pending) {
      if (pending.stream !== stream) continue;
      this.#pending.delete(bridgeId);
      dropped.push(bridgeId);
    }
    return dropped;
  }

  /** Gives up on every request; returns them. */
  takeAll(): PendingRequest[] {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    return all;
  }
}
