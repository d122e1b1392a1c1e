import type { HeaderSource } from '../jsonrpc/header-value.js';
import { protocolEra } from '../jsonrpc/mirrored-headers.js';
import { GatewayError } from './exchange-error.js';

/**
 * The JSON-RPC messages of a client body (already parsed): one message, or
 * the elements of a batch. Throws a {@link GatewayError} for a body to
 * refuse whole: an empty batch, a batch larger than `batchMessages`, or a
 * batch in the 2026-07-28 era, which sends one message per request.
 * (Mirrored headers are checked per message by the policy.)
 */
export function messagesOf(parsed: unknown, headers: HeaderSource, batchMessages: number): { messages: unknown[]; batch: boolean } {
  const batch = Array.isArray(parsed);
  const messages: unknown[] = batch ? parsed : [parsed];
  if (messages.length === 0) throw new GatewayError('invalid_request', 'Invalid Request: empty batch');
  // Each element is decided, answered and audited on its own: a batch of many tiny invalid
  // elements would otherwise cost far more to answer than to send.
  if (messages.length > batchMessages) {
    throw new GatewayError('invalid_request', `Invalid Request: a batch of ${messages.length} messages is more than the gateway takes (${batchMessages})`);
  }
  if (batch && protocolEra(headers, messages[0]) === 'modern') {
    throw new GatewayError('invalid_request', 'Invalid Request: protocol 2026-07-28 sends one message per POST; batches are not allowed');
  }
  return { messages, batch };
}
