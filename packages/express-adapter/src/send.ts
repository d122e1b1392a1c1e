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

/** HTTP headers a status needs: a 413's connection is closed (the rest of the body is not read); a 405 says what is allowed. */
function statusHeaders(status: number): Readonly<Record<string, string>> {
  if (status === 413) return { connection: 'close' };
  if (status === 405) return { allow: 'POST, GET, DELETE, OPTIONS, HEAD' };
  return {};
}

/** Sends what an exchange answers itself (a refusal, a failure) with its status and headers. */
export function sendAnswer(res: ServerResponse, answer: ExchangeAnswer): void {
  sendJson(res, answer.status, answer.body, { ...statusHeaders(answer.status), ...answer.headers });
}

/** Answers an HTTP request refused before any exchange began (an Origin not allowed) with a JSON-RPC error. */
export function sendRpcError(res: ServerResponse, error: GatewayError): void {
  const data = error.data === undefined ? {} : { data: error.data };
  sendJson(res, error.httpStatus, { jsonrpc: '2.0', id: null, error: { code: error.rpcCode, message: error.message, ...data } }, statusHeaders(error.httpStatus));
}
