import { createServer, type Server } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import { JsonRpcErrorCodes, type PolicyHandle } from '@mcpgw/core';
import type { McpGatewayMiddleware } from '@mcpgw/express';

/** The path the daemon answers itself for health checks (never proxied). */
export const HEALTH_PATH = '/healthz';

/**
 * The daemon's HTTP server: `/healthz`, the gateway, and JSON-RPC answers for
 * paths no route serves and for errors that reach Express.
 */
export function createHttpServer(gateway: McpGatewayMiddleware, handle: PolicyHandle, isDraining: () => boolean): Server {
  const app = express();
  app.disable('x-powered-by');
  app.get(HEALTH_PATH, (_req, res) => {
    // `generations` lists the current one and every older one still finishing requests.
    res.status(isDraining() ? 503 : 200).json({
      status: isDraining() ? 'draining' : 'ok',
      generation: handle.generation,
      in_flight: handle.inFlight(),
      generations: handle.generations().map(({ generation, inFlight }) => ({ generation, in_flight: inFlight })),
    });
  });
  app.use(gateway);
  app.use((_req, res) => {
    res.status(404).json({ jsonrpc: '2.0', id: null, error: { code: JsonRpcErrorCodes.INVALID_REQUEST, message: 'no MCP endpoint at this path' } });
  });
  const onError: ErrorRequestHandler = (_error, _req, res, _next) => {
    if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', id: null, error: { code: JsonRpcErrorCodes.INTERNAL_ERROR, message: 'internal gateway error' } });
  };
  app.use(onError);
  const server = createServer(app);
  // Idle keep-alive connections should not hold a draining daemon; Node's default is 5 s.
  server.keepAliveTimeout = 5_000;
  return server;
}
