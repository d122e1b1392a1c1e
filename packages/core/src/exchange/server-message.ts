import type { JsonRpcId } from '../jsonrpc/message.js';
import { paramHeadersOf } from '../jsonrpc/mirrored-headers.js';
import type { CompiledPolicy } from '../policy/compiled-policy.js';
import type { EvaluationContext } from '../policy/decision.js';
import type { ResponseScope } from '../policy/response-scope.js';
import type { PolicyLease } from '../handle/policy-handle.js';
import { isRecord } from '../util/is-record.js';
import type { ParamHeaderCache } from './param-header-cache.js';
import type { TrackedRequest } from './tracked-request.js';
import { readsUnambiguously } from './unambiguous-json.js';

/** Where a server message came: on the response stream of a client's message, a resumed stream, or the standalone stream. */
export type StreamKind = 'post' | 'resumed' | 'standalone';

/**
 * The stream server messages arrive on, as placing them needs it: an
 * {@link Exchange}, or an adapter's own (the server's stdout of a stdio
 * connection, whose messages belong to every request in flight).
 */
export interface ServerStream {
  /** The lease server messages that answer no known request are redacted under. */
  readonly lease: PolicyLease;
  readonly context: EvaluationContext;
  readonly stream: StreamKind;
  readonly upstream: string;
  readonly paramHeaders: ParamHeaderCache;
  /** The request a response answers, taken off the waiting list; `undefined` when none is known. */
  answering(id: JsonRpcId | undefined): TrackedRequest | undefined;
  /** The one request of the stream, if it has exactly one: progress and logs are counted on it. */
  soleTracked(): TrackedRequest | undefined;
  /** The response scopes of the stream's requests, under `lease.policy`. */
  streamScopes(): ResponseScope[];
}

/**
 * What a server message is to the gateway: the answer to a request it knows
 * (this stream's own, or one its session sent on another stream), an answer
 * to no request it knows, or something else (a notification, a server
 * request).
 */
type Placement = { readonly kind: 'answer'; readonly tracked: TrackedRequest } | { readonly kind: 'stray' } | { readonly kind: 'other' };

const OTHER: Placement = { kind: 'other' };
const STRAY: Placement = { kind: 'stray' };

function place(exchange: ServerStream, message: unknown): Placement {
  const isResponse = isRecord(message) && !Object.hasOwn(message, 'method') && (Object.hasOwn(message, 'result') || Object.hasOwn(message, 'error'));
  if (!isResponse) return OTHER;
  const tracked = exchange.answering(message['id'] as JsonRpcId);
  return tracked === undefined ? STRAY : { kind: 'answer', tracked };
}

/** Whether a placed message's tools list (if any) must be filtered. */
const filtersTools = (placement: Placement) =>
  placement.kind === 'stray' || (placement.kind === 'answer' && (placement.tracked.decision.method === 'tools/list' || placement.tracked.ambiguous));

/**
 * Applies the policy to one server-to-client message (SPEC §3, §7):
 * - an answer to a known request is redacted with that request's scope,
 *   under the generation the request was admitted with, wherever it
 *   arrives, and a `tools/list` result is filtered;
 * - an answer the gateway cannot place (to no request it knows, or to an id
 *   two outstanding requests share) is redacted with every response rule,
 *   and a tools list in it is filtered: fail closed, never open;
 * - anything else is redacted with the rules that match the message itself
 *   joined with the scopes of the stream's requests — on a resumed stream,
 *   whose requests the gateway cannot tell, with every response rule.
 */
function rewriteServerMessage(exchange: ServerStream, message: unknown, placement: Placement): { message: unknown; answered: TrackedRequest | null } {
  if (placement.kind === 'answer') {
    const { tracked } = placement;
    const policy = tracked.origin.policy;
    if (tracked.decision.method === 'tools/list') learnParamHeaders(exchange, message);
    const filtered = filtersTools(placement) ? filterTools(policy, message, tracked.origin.context) : message;
    const redacted = policy.redactResponse(filtered, tracked.ambiguous ? policy.everyResponseRule : tracked.decision.responseScope);
    tracked.responseRedactions += redacted.redactions;
    noteOutcome(tracked, message as Record<string, unknown>);
    return { message: redacted.message, answered: tracked };
  }

  const policy = exchange.lease.policy;
  if (placement.kind === 'stray') {
    const filtered = filterTools(policy, message, exchange.context);
    return { message: redactEnvelope(policy, policy.redactResponse(filtered, policy.everyResponseRule).message), answered: null };
  }
  const scope = exchange.stream === 'resumed' ? policy.everyResponseRule : policy.responseScope(message, exchange.context, ...exchange.streamScopes());
  const redacted = policy.redactResponse(message, scope);
  // Progress and log notifications belong to the request whose stream carries them.
  const owner = redacted.redactions > 0 ? exchange.soleTracked() : undefined;
  if (owner !== undefined) owner.responseRedactions += redacted.redactions;
  return { message: redactEnvelope(policy, redacted.message), answered: null };
}

/**
 * The `method` and `id` of a server message that answers no request of the
 * client, redacted with every response rule. They route the message and are
 * otherwise left alone; but these were chosen by the server, not the
 * client, and a server may put anything in them. (The id of an answer to a
 * known request is the client's own, and stays as it is.) Response rules
 * only, as for the rest of a server message, so that a body passed on as it
 * came (see {@link rewriteServerBody}) gets the same treatment.
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

/** The message with the tools a deny rule refuses removed from its `result.tools`, if it has such a list. */
function filterTools(policy: CompiledPolicy, message: unknown, context: EvaluationContext): unknown {
  const result = toolsResult(message);
  if (result === undefined) return message;
  const filtered = policy.filterToolsList(result, context);
  return filtered.removed.length === 0 ? message : { ...(message as Record<string, unknown>), result: filtered.result };
}

/** What the audit event says of the answer: its error code, or the tool result's isError. */
function noteOutcome(tracked: TrackedRequest, message: Record<string, unknown>): void {
  const error = message['error'];
  const result = message['result'];
  tracked.errorCode = isRecord(error) && typeof error['code'] === 'number' ? error['code'] : null;
  tracked.isError = isRecord(result) && result['isError'] === true;
}

/** The `result` of a message, when it holds a `tools` list. */
function toolsResult(message: unknown): Record<string, unknown> | undefined {
  const result = isRecord(message) ? message['result'] : undefined;
  return isRecord(result) && Array.isArray(result['tools']) ? result : undefined;
}

/** Remembers the `x-mcp-header` annotations of the tools a `tools/list` answer lists. */
function learnParamHeaders(exchange: ServerStream, message: unknown): void {
  const result = toolsResult(message);
  if (result === undefined) return;
  for (const tool of result['tools'] as unknown[]) {
    if (isRecord(tool) && typeof tool['name'] === 'string') {
      exchange.paramHeaders.set(exchange.upstream, tool['name'], paramHeadersOf(tool));
    }
  }
}

/**
 * Rewrites a parsed JSON body (one message or a batch) and serializes it;
 * returns the requests it answered. `raw` is the text it was parsed from
 * (`bytes`, when given, the same text in UTF-8). It is passed on as it came,
 * instead of being serialized again, when nothing in it would change and
 * every client reads it as the gateway did: one message, whose tools list
 * (if any) needs no filtering, in whose raw text no response pattern of a
 * policy involved can change a string (escapes included, see
 * `CompiledPolicy.responseMayChangeJson`), and whose routing reads the same
 * in every parser (see {@link readsUnambiguously}).
 */
export function rewriteServerBody(exchange: ServerStream, parsed: unknown, raw?: string, bytes?: Buffer): { text: string; answered: TrackedRequest[] } {
  const messages: readonly unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  const placements = messages.map((message) => place(exchange, message));
  const answered: TrackedRequest[] = [];
  if (raw !== undefined && passesAsItCame(exchange, parsed, placements, raw, bytes)) {
    const placement = placements[0] as Placement;
    if (placement.kind === 'answer') {
      noteOutcome(placement.tracked, parsed as Record<string, unknown>);
      answered.push(placement.tracked);
    }
    return { text: raw, answered };
  }
  const rewritten = messages.map((message, i) => {
    const result = rewriteServerMessage(exchange, message, placements[i] as Placement);
    if (result.answered !== null) answered.push(result.answered);
    return result.message;
  });
  return { text: JSON.stringify(Array.isArray(parsed) ? rewritten : rewritten[0]), answered };
}

/** Whether a message may be passed on as it came (see {@link rewriteServerBody}); cheapest tests first. */
function passesAsItCame(exchange: ServerStream, parsed: unknown, placements: readonly Placement[], raw: string, bytes: Buffer | undefined): boolean {
  if (Array.isArray(parsed) || placements.some(filtersTools)) return false;
  const text = bytes ?? raw;
  const policy = exchange.lease.policy;
  if (policy.responseMayChangeJson(text)) return false;
  const placement = placements[0] as Placement;
  if (placement.kind === 'answer' && placement.tracked.origin.policy !== policy && placement.tracked.origin.policy.responseMayChangeJson(text)) return false;
  return readsUnambiguously(raw, parsed);
}
