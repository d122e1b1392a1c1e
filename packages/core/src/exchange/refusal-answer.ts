import { JsonRpcErrorCodes } from '../jsonrpc/message.js';
import type { Decision } from '../policy/decision.js';

/**
 * A body that is not JSON-RPC, or whose mirrored headers disagree with it, is
 * a bad HTTP request (400); every other refusal is JSON-RPC-level (200).
 */
const BAD_REQUEST_CODES: ReadonlySet<number> = new Set([JsonRpcErrorCodes.INVALID_REQUEST, JsonRpcErrorCodes.HEADER_MISMATCH]);

/**
 * What the gateway answers a client itself (a refusal, a failure), as JSON-RPC
 * with the HTTP status and headers an HTTP adapter sends it with (a stdio
 * adapter sends only the body, and nothing when it is a notification's).
 */
export interface ExchangeAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * `body` answers no request: a refused notification, which JSON-RPC cannot
   * answer (HTTP sends it with its error status; stdio sends nothing).
   */
  readonly unanswerable?: boolean;
  /** The JSON-RPC error code each request is answered with (for its audit event). */
  readonly codes: ReadonlyMap<Decision, number>;
}

/**
 * Maps refusals to HTTP (SPEC §3): refusals travel as JSON-RPC errors with
 * 200 (`Retry-After` for rate limits); a body that is not JSON-RPC is a 400;
 * a refused notification, which JSON-RPC cannot answer, a 403. A batch with
 * any refused element is refused whole (the core decides it so: see
 * `evaluateBatch`), one error per request.
 */
export function refusalAnswer(decisions: readonly Decision[], batch: boolean): ExchangeAnswer {
  const codes = new Map<Decision, number>();
  const replies: unknown[] = [];
  let retryAfterMs = 0;
  for (const decision of decisions) {
    if (decision.retryAfterMs !== null) retryAfterMs = Math.max(retryAfterMs, decision.retryAfterMs);
    if (decision.reply !== null) {
      replies.push(decision.reply);
      codes.set(decision, decision.reply.error.code);
    }
  }
  const headers: Record<string, string> = retryAfterMs > 0 ? { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) } : {};
  // The message refused for itself, not one refused only along with its batch.
  const refused = decisions.find((decision) => !decision.forward && !decision.refusedWithBatch) as Decision;
  if (!batch || replies.length === 0) {
    const reply = batch ? null : refused.reply;
    // A refused notification cannot be answered in JSON-RPC: say so at the HTTP level.
    if (reply === null) return { status: 403, body: { jsonrpc: '2.0', id: null, error: refused.error }, headers, codes, unanswerable: true };
    return { status: BAD_REQUEST_CODES.has(reply.error.code) ? 400 : 200, body: reply, headers, codes };
  }
  return { status: 200, body: replies, headers, codes };
}
