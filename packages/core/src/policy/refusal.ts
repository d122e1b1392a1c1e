import { JsonRpcErrorCodes, type ClassifiedMessage, type JsonRpcError } from '../jsonrpc/message.js';
import type { Decision } from './decision.js';
import { EMPTY_SCOPE } from './response-scope.js';

/** What a refusal tells of the message it refuses. */
export type MessageFacts = Pick<ClassifiedMessage, 'kind' | 'method' | 'tool' | 'id'>;

/** The refusal of a message for what it is or what a rule says of it. */
export function refusal(
  classified: MessageFacts,
  action: 'deny' | 'rate_limit' | 'invalid',
  rules: readonly string[],
  error: JsonRpcError,
  retryAfterMs: number | null = null,
): Decision {
  return {
    action,
    kind: classified.kind,
    method: classified.method,
    tool: classified.tool,
    id: classified.id,
    rules,
    forward: false,
    message: null,
    error,
    // Notifications cannot be answered; an invalid message without a usable id is answered with id null.
    reply: classified.kind === 'notification' ? null : { jsonrpc: '2.0', id: classified.id ?? null, error },
    redactions: 0,
    retryAfterMs,
    responseScope: EMPTY_SCOPE,
    refusedWithBatch: false,
  };
}

/** A request of a batch whose id another request of the batch uses too: neither can be answered unambiguously. */
export function duplicateIdRefusal(classified: MessageFacts): Decision {
  return refusal(classified, 'invalid', [], {
    code: JsonRpcErrorCodes.INVALID_REQUEST,
    message: `Invalid Request: the id ${JSON.stringify(classified.id)} is used twice in one batch`,
  });
}

/**
 * A message that was not refused itself but is not forwarded, because
 * another message of its batch was: a batch is forwarded whole or not at
 * all. Requests are answered (`-32003`, `data: { generation }`);
 * notifications and responses cannot be.
 */
export function batchRefusal(classified: MessageFacts, generation: number): Decision {
  const error: JsonRpcError = {
    code: JsonRpcErrorCodes.DENIED,
    message: 'not forwarded: another message in this batch was refused',
    data: { generation },
  };
  return {
    ...refusal(classified, 'deny', [], error),
    reply: classified.kind === 'request' ? { jsonrpc: '2.0', id: classified.id ?? null, error } : null,
    refusedWithBatch: true,
  };
}
