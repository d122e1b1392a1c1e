import type { Request } from 'express';
import { protocolEra } from '@mcpgw/core';
import { GatewayError } from './gateway-error.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import { parseJsonBody, readBody } from './read-body.js';

/**
 * Reads the JSON-RPC messages of a POST: the body parsed strictly, and the
 * 2026-07-28 one-message rule. Throws a {@link GatewayError} for anything to
 * refuse whole. (Mirrored headers are checked per message by the policy.)
 */
export async function readMessages(req: Request, runtime: GatewayRuntime): Promise<{ messages: unknown[]; batch: boolean }> {
  const parsed = req.readableEnded && req.body !== undefined
    ? (req.body as unknown) // an earlier body parser consumed the stream
    : parseJsonBody(await readBody(req, runtime.limits.bodyBytes), runtime.limits.depth);
  const batch = Array.isArray(parsed);
  const messages: unknown[] = batch ? parsed : [parsed];
  if (messages.length === 0) throw new GatewayError('invalid_request', 'Invalid Request: empty batch');
  // Each element is decided, answered and audited on its own: a batch of many tiny invalid
  // elements would otherwise cost far more to answer than to send.
  const most = runtime.limits.batchMessages;
  if (messages.length > most) throw new GatewayError('invalid_request', `Invalid Request: a batch of ${messages.length} messages is more than the gateway takes (${most})`);
  if (batch && protocolEra(req.headers, messages[0]) === 'modern') {
    throw new GatewayError('invalid_request', 'Invalid Request: protocol 2026-07-28 sends one message per POST; batches are not allowed');
  }
  return { messages, batch };
}
