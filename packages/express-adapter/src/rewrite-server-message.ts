import { paramHeadersOf, type JsonRpcId } from '@mcpgw/core';
import type { Exchange, TrackedRequest } from './exchange.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Applies the exchange's pinned policy to one server-to-client message:
 * a response to one of its requests is redacted with that request's scope
 * (and a `tools/list` result filtered); anything else on the stream —
 * notifications, server requests — with the scopes of the stream's requests
 * joined with the rules that match the message itself. `tracked` is the
 * request the message answers, if any (see {@link trackedResponse}).
 */
function rewriteServerMessage(exchange: Exchange, message: unknown, tracked: TrackedRequest | undefined): { message: unknown; answered: TrackedRequest | null } {
  const policy = exchange.lease.policy;

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
    noteOutcome(tracked, message);
    return { message: redacted.message, answered: tracked };
  }

  const scope = policy.responseScope(message, exchange.context, ...exchange.streamScopes());
  const redacted = policy.redactResponse(message, scope);
  // Progress and log notifications belong to the request whose stream carries them.
  const owner = redacted.redactions > 0 ? exchange.soleTracked() : undefined;
  if (owner !== undefined) owner.responseRedactions += redacted.redactions;
  return { message: redacted.message, answered: null };
}

/** The exchange's request that `message` answers, if it is a response to one. */
function trackedResponse(exchange: Exchange, message: unknown, fromPost: boolean): TrackedRequest | undefined {
  const isResponse = isRecord(message) && !Object.hasOwn(message, 'method') && (Object.hasOwn(message, 'result') || Object.hasOwn(message, 'error'));
  return isResponse && fromPost ? exchange.tracked(message['id'] as JsonRpcId) : undefined;
}

/** What the audit event says of the answer: its error code, or the tool result's isError. */
function noteOutcome(tracked: TrackedRequest, message: Record<string, unknown>): void {
  const error = message['error'];
  const result = message['result'];
  tracked.errorCode = isRecord(error) && typeof error['code'] === 'number' ? error['code'] : null;
  tracked.isError = isRecord(result) && result['isError'] === true;
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

/**
 * Rewrites a parsed JSON body (one message or a batch) and serializes it;
 * returns the requests it answered. `raw` is the text it was parsed from:
 * when that text has no backslash (each string in it verbatim), answers no
 * `tools/list` (which is filtered), and no response pattern of the policy
 * occurs anywhere in it, nothing in it would change, and it is passed on as
 * it came instead of being serialized again.
 */
export function rewriteServerBody(exchange: Exchange, parsed: unknown, fromPost: boolean, raw?: string): { text: string; answered: TrackedRequest[] } {
  const messages: readonly unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  const answering = messages.map((message) => trackedResponse(exchange, message, fromPost));
  const answered: TrackedRequest[] = [];
  if (
    raw !== undefined &&
    !raw.includes('\\') &&
    !answering.some((tracked) => tracked?.decision.method === 'tools/list') &&
    !exchange.lease.policy.responsePatternsMayOccur(raw)
  ) {
    messages.forEach((message, i) => {
      const tracked = answering[i];
      if (tracked === undefined || !isRecord(message)) return;
      noteOutcome(tracked, message);
      answered.push(tracked);
    });
    return { text: raw, answered };
  }
  const rewritten = messages.map((message, i) => {
    const result = rewriteServerMessage(exchange, message, answering[i]);
    if (result.answered !== null) answered.push(result.answered);
    return result.message;
  });
  return { text: JSON.stringify(Array.isArray(parsed) ? rewritten : rewritten[0]), answered };
}
