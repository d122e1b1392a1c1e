import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { JsonRpcErrorCodes } from '@mcpgw/core';
import type { McpGatewayMiddleware } from '@mcpgw/express';
import type { PrometheusEndpoint } from '../metrics/prometheus-endpoint.js';
import { daemonPathOf } from './daemon-path.js';
import { answerHealth, type HealthState } from './health-check.js';
import { sendJson } from './send-json.js';

/**
 * The daemon's HTTP server: `/healthz`, `/readyz`, `/metrics` (unless
 * `metrics` is null: served on `metrics.listen` instead, and 404 here), the
 * gateway, and JSON-RPC answers for paths no route serves and for errors the
 * gateway throws.
 *
 * A plain node:http server, not an Express app: the gateway needs nothing of
 * Express, and an Express app costs more CPU per request than the gateway's
 * own work, much of it from giving every request and response prototypes of
 * their own (measured in bench/NOTES.md, "Experiment: what Express costs").
 */
export function createHttpServer(gateway: McpGatewayMiddleware, health: HealthState, metrics: PrometheusEndpoint | null): Server {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    try {
      const path = daemonPathOf(req);
      if (path === 'metrics') return metrics === null ? sendJson(res, 404, { status: 'not found: /metrics is served on the metrics.listen address' }) : metrics.answer(req, res);
      if (path !== undefined) return answerHealth(path, req, res, health);
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

/** The server of `metrics.listen`: `GET /metrics` only, 404 for every other path. */
export function createMetricsServer(metrics: PrometheusEndpoint): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    if (daemonPathOf(req) === 'metrics') return metrics.answer(req, res);
    sendJson(res, 404, { status: 'not found: this address serves GET /metrics only' });
  });
}
