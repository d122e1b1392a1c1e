import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { JsonRpcErrorCodes } from '@mcpgw/core';
import type { McpGatewayMiddleware } from '@mcpgw/express';
import { answerHealth, healthCheckOf, type HealthState } from './health-check.js';
import { sendJson } from './send-json.js';

/**
 * The daemon's HTTP server: `/healthz` and `/readyz`, the gateway, and
 * JSON-RPC answers for paths no route serves and for errors the gateway throws.
 *
 * A plain node:http server, not an Express app: the gateway needs nothing of
 * Express, and an Express app costs more CPU per request than the gateway's
 * own work, much of it from giving every request and response prototypes of
 * their own (measured in bench/NOTES.md, "Experiment: what Express costs").
 */
export function createHttpServer(gateway: McpGatewayMiddleware, health: HealthState): Server {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    try {
      const check = healthCheckOf(req);
      if (check !== undefined) return answerHealth(check, req, res, health);
      // A path no route serves gets the gateway's own 404.
      gateway(req, res);
    } catch {
      sendJson(res, 500, { jsonrpc: '2.0', id: null, error: { code: JsonRpcErrorCodes.INTERNAL_ERROR, message: 'internal gateway error' } });
    }
  });
  // Idle keep-alive connections should not hold a draining daemon; Node's default is 5 s.
  server.keepAliveTimeout = 5_000;
  return server;
}
