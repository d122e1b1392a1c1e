import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { JsonRpcErrorCodes, type PolicyHandle } from '@mcpgw/core';
import type { McpGatewayMiddleware } from '@mcpgw/express';

type GatewayRequest = Parameters<McpGatewayMiddleware>[0];
type GatewayResponse = Parameters<McpGatewayMiddleware>[1];

/** The path the daemon answers itself for health checks (never proxied). */
export const HEALTH_PATH = '/healthz';

/**
 * The daemon's HTTP server: `/healthz`, the gateway, and JSON-RPC answers for
 * paths no route serves and for errors the gateway throws.
 *
 * A plain node:http server, not an Express app: the gateway needs nothing of
 * Express, and an Express app costs about 60 µs of CPU per request here, half
 * of it from giving every request and response its own prototypes; that is
 * more than the gateway's own work (bench/experiments/express-cost.mjs).
 */
export function createHttpServer(gateway: McpGatewayMiddleware, handle: PolicyHandle, isDraining: () => boolean): Server {
  const notFound = (res: ServerResponse) => () =>
    sendJson(res, 404, { jsonrpc: '2.0', id: null, error: { code: JsonRpcErrorCodes.INVALID_REQUEST, message: 'no MCP endpoint at this path' } });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    try {
      if (isHealthCheck(req)) return health(req, res, handle, isDraining());
      // The gateway reads only Node's own request and response fields off a non-Express request.
      gateway(req as GatewayRequest, res as GatewayResponse, notFound(res));
    } catch {
      sendJson(res, 500, { jsonrpc: '2.0', id: null, error: { code: JsonRpcErrorCodes.INTERNAL_ERROR, message: 'internal gateway error' } });
    }
  });
  // Idle keep-alive connections should not hold a draining daemon; Node's default is 5 s.
  server.keepAliveTimeout = 5_000;
  return server;
}

/** `/healthz`, with or without a query or a trailing slash, any letter case (as Express matched it). */
function isHealthCheck(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  if (url.length < HEALTH_PATH.length || url.slice(0, HEALTH_PATH.length).toLowerCase() !== HEALTH_PATH) return false;
  const rest = url.slice(HEALTH_PATH.length);
  return rest === '' || rest === '/' || rest.startsWith('?') || rest.startsWith('/?');
}

function health(req: IncomingMessage, res: ServerResponse, handle: PolicyHandle, draining: boolean): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendJson(res, 405, { status: 'method not allowed: use GET' }, { allow: 'GET, HEAD' });
  }
  // `generations` lists the current one and every older one still finishing requests.
  sendJson(res, draining ? 503 : 200, {
    status: draining ? 'draining' : 'ok',
    generation: handle.generation,
    in_flight: handle.inFlight(),
    generations: handle.generations().map(({ generation, inFlight }) => ({ generation, in_flight: inFlight })),
  });
}

/** Sends a JSON body with its length; a response already started is ended instead. */
function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
