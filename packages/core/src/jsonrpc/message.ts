import { isRecord } from '../util/is-record.js';

/** A JSON-RPC id. */
export type JsonRpcId = string | number | null;

/** A JSON-RPC error object. */
export interface JsonRpcError {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/** A JSON-RPC error response. */
export interface JsonRpcErrorResponse {
  readonly jsonrpc: '2.0';
  readonly id: JsonRpcId;
  readonly error: JsonRpcError;
}

/** What a JSON-RPC message is, from its shape. */
export type MessageKind = 'request' | 'notification' | 'response' | 'invalid';

/** The parts of a message that policy looks at. */
export interface ClassifiedMessage {
  readonly kind: MessageKind;
  /** `method` of a request or notification, else null. */
  readonly method: string | null;
  /** `params.name` when it is a string, else null. */
  readonly tool: string | null;
  /** `id` of a request or response; undefined for notifications and invalid messages. */
  readonly id: JsonRpcId | undefined;
  /** `params` when it is an object or array, else undefined. */
  readonly params: Record<string, unknown> | unknown[] | undefined;
  /** Why the message is invalid (kind `invalid` only). */
  readonly problem: string | null;
}

export { JsonRpcErrorCodes } from '../util/json-rpc-error-codes.js';

const isId = (value: unknown): value is JsonRpcId =>
  value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));

function invalid(problem: string, id: JsonRpcId | undefined): ClassifiedMessage {
  return { kind: 'invalid', method: null, tool: null, id, params: undefined, problem };
}

/**
 * Classifies one JSON-RPC 2.0 message (not a batch) from its parsed JSON.
 * Anything that is not a well-formed request, notification or response is
 * `invalid` with a plain-words `problem`.
 */
export function classifyMessage(message: unknown): ClassifiedMessage {
  if (!isRecord(message)) return invalid('a JSON-RPC message must be an object', undefined);
  const rawId = message['id'];
  const id = isId(rawId) ? rawId : undefined;
  if (message['jsonrpc'] !== '2.0') return invalid('"jsonrpc" must be "2.0"', id);
  if (Object.hasOwn(message, 'id') && !isId(rawId)) return invalid('"id" must be a string, a number or null', undefined);

  if (Object.hasOwn(message, 'method')) {
    const method = message['method'];
    if (typeof method !== 'string' || method.length === 0) return invalid('"method" must be a non-empty string', id);
    if (Object.hasOwn(message, 'result') || Object.hasOwn(message, 'error')) {
      return invalid('a message cannot have both "method" and "result"/"error"', id);
    }
    const params = message['params'];
    if (params !== undefined && (params === null || typeof params !== 'object')) {
      return invalid('"params" must be an object or an array', id);
    }
    const name = isRecord(params) ? params['name'] : undefined;
    return {
      kind: Object.hasOwn(message, 'id') ? 'request' : 'notification',
      method,
      tool: typeof name === 'string' ? name : null,
      id,
      params: params as ClassifiedMessage['params'],
      problem: null,
    };
  }

  const hasResult = Object.hasOwn(message, 'result');
  const hasError = Object.hasOwn(message, 'error');
  if (hasResult === hasError) return invalid('a message needs "method", or exactly one of "result" and "error"', id);
  if (!Object.hasOwn(message, 'id')) return invalid('a response needs an "id"', undefined);
  if (hasError && !isRecord(message['error'])) return invalid('"error" must be an object', id);
  return { kind: 'response', method: null, tool: null, id, params: undefined, problem: null };
}
