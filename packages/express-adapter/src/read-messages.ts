import type { Request } from 'express';
import { checkMirroredHeaders, protocolEra } from '@mcpgw/core';
import { GatewayError } from './gateway-error.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import { parseJsonBody, readBody } from './read-body.js';

/**
 * Reads the JSON-RPC messages of a POST: the body parsed strictly, the
 * 2026-07-28 one-message rule, and the mirrored headers checked against
 * each message. Throws a {@link GatewayError} for anything to refuse whole.
 */
export async function readMessages(req: Request, runtime: GatewayRuntime, upstream: string): Promise<{ messages: unknown[]; batch: boolean }> {
  const parsed = req.readableEnded && req.body !== undefined
    ? (req.body as unknown) // an earlier body parser consumed the stream
    : parseJsonBody(await readBody(req, runtime.limits.bodyBytes), runtime.limits.depth);
  const batch = Array.isArray(parsed);
  const messages: unknown[] = batch ? parsed : [parsed];
  if (messages.length === 0) throw new GatewayError('invalid_request', 'Invalid Request: empty batch');
  if (batch && protocolEra(req.headers, messages[0]) === 'modern') {
    throw new GatewayError('invalid_request', 'Invalid Request: protocol 2026-07-28 sends one message per POST; batches are not allowed');
  }
  for (const message of messages) {
    const tool = toolOf(message);
    const annotations = tool === null ? undefined : runtime.paramHeaders.get(upstream, tool);
    const check = checkMirroredHeaders(message, req.headers, annotations);
    if (!check.ok) throw new GatewayError('header_mismatch', check.message);
  }
  return { messages, batch };
}

function toolOf(message: unknown): string | null {
  if (message === null || typeof message !== 'object') return null;
  const params = (message as { params?: unknown }).params;
  const name = params !== null && typeof params === 'object' ? (params as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : null;
}
