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

/** Who a JSON-RPC error answers, and in what words. */
export interface RpcErrorAnswer {
  /** The id answered; a list answers a batch, with one error per id. Default null. */
  readonly id?: JsonRpcId | readonly JsonRpcId[];
  /** The message, when not the error's own (a redacted one). */
  readonly message?: string;
}

/** Answers an HTTP request the gateway could not pass on with a JSON-RPC error (SPEC §3). */
export function sendRpcError(res: ServerResponse, error: GatewayError, answer: RpcErrorAnswer = {}): void {
  const data = error.data === undefined ? {} : { data: error.data };
  const headers: Record<string, string> =
    error.status === 413 ? { connection: 'close' } : error.status === 405 ? { allow: 'POST, GET, DELETE, OPTIONS, HEAD' } : {};
  const reply = (id: JsonRpcId) => ({ jsonrpc: '2.0', id, error: { code: error.code, message: answer.message ?? error.message, ...data } });
  const id = answer.id ?? null;
  sendJson(res, error.status, Array.isArray(id) ? id.map(reply) : reply(id as JsonRpcId), headers);
}
