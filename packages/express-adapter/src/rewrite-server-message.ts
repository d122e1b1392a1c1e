import { paramHeadersOf, type JsonRpcId } from '@mcpgw/core';
import type { Exchange, TrackedRequest } from './exchange.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Applies the exchange's pinned policy to one server-to-client message:
 * a response to one of its requests is redacted with that request's scope
 * (and a `tools/list` result filtered); anything else on the stream —
 * notifications, server requests — with the scopes of the stream's requests
 * joined with the rules that match the message itself.
 */
export function rewriteServerMessage(exchange: Exchange, message: unknown, fromPost: boolean): { message: unknown; answered: TrackedRequest | null } {
  const policy = exchange.lease.policy;
  const isResponse = isRecord(message) && !Object.hasOwn(message, 'method') && (Object.hasOwn(message, 'result') || Object.hasOwn(message, 'error'));
  const tracked = isResponse && fromPost ? exchange.tracked(message['id'] as JsonRpcId) : undefined;

  if (tracked !== undefined && isRecord(message)) {
    let current: Record<string, unknown> = message;
    const result = message['result'];
    if (tracked.decision.method === 'tools/list' && isRecord(result)) {
      learnParamHeaders(exchange, result);
      const filtered = policy.filterToolsList(result, exchange.context);
      if (filtered.removed.length > 0) current = { ...message, result: filtered.result };
    }
    const redacted = policy.redactResponse(current, tracked.decision.responseScope);
    tracked.responseRedactions += redacted.redactions;
    const error = message['error'];
    tracked.errorCode = isRecord(error) && typeof error['code'] === 'number' ? error['code'] : null;
    tracked.isError = isRecord(result) && result['isError'] === true;
    return { message: redacted.message, answered: tracked };
  }

  const scope = policy.responseScope(message, exchange.context, ...exchange.streamScopes());
  const redacted = policy.redactResponse(message, scope);
  // Progress and log notifications belong to the request whose stream carries them.
  const owner = redacted.redactions > 0 ? exchange.soleTracked() : undefined;
  if (owner !== undefined) owner.responseRedactions += redacted.redactions;
  return { message: redacted.message, answered: null };
}

function learnParamHeaders(exchange: Exchange, result: Record<string, unknown>): void {
  const tools = result['tools'];
  if (!Array.isArray(tools)) return;
  for (const tool of tools) {
    if (isRecord(tool) && typeof tool['name'] === 'string') {
      exchange.runtime.paramHeaders.set(exchange.upstream.name, tool['name'], paramHeadersOf(tool));
    }
  }
}

/** Rewrites a parsed JSON body (one message or a batch) and serializes it; returns the requests it answered. */
export function rewriteServerBody(exchange: Exchange, parsed: unknown, fromPost: boolean): { text: string; answered: TrackedRequest[] } {
  const answered: TrackedRequest[] = [];
  const rewrite = (message: unknown) => {
    const result = rewriteServerMessage(exchange, message, fromPost);
    if (result.answered !== null) answered.push(result.answered);
    return result.message;
  };
  return { text: JSON.stringify(Array.isArray(parsed) ? parsed.map(rewrite) : rewrite(parsed)), answered };
}
