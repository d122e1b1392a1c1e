import type { ServerResponse } from 'node:http';
import type { JsonRpcId } from '@mcpgw/core';
import type { GatewayError } from './gateway-error.js';

/** Sends a JSON body with its length. Does nothing if the response already started or the client left. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Answers an HTTP request the gateway could not pass on with a JSON-RPC error (SPEC §3). */
export function sendRpcError(res: ServerResponse, error: GatewayError, id: JsonRpcId = null): void {
  const data = error.data === undefined ? {} : { data: error.data };
  const headers: Record<string, string> =
    error.status === 413 ? { connection: 'close' } : error.status === 405 ? { allow: 'POST, GET, DELETE, OPTIONS, HEAD' } : {};
  sendJson(res, error.status, { jsonrpc: '2.0', id, error: { code: error.code, message: error.message, ...data } }, headers);
}
