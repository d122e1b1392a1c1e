import type { ServerResponse } from 'node:http';
import type { ExchangeAnswer, GatewayError } from '@mcpgw/core';

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

/** Sends what an exchange answers itself (a refusal, a failure) with its status and headers. */
export function sendAnswer(res: ServerResponse, answer: ExchangeAnswer): void {
  sendJson(res, answer.status, answer.body, answer.headers);
}

/** Answers an HTTP request that no exchange takes (a path no route serves) with a JSON-RPC error. */
export function sendRpcError(res: ServerResponse, error: GatewayError): void {
  sendJson(res, error.httpStatus, { jsonrpc: '2.0', id: null, error: { code: error.rpcCode, message: error.message } });
}
