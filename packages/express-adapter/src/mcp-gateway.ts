import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createExchangeRuntime,
  createOriginCheck,
  GatewayError,
  type AuditListener,
  type RequestTracer,
  type PolicyHandle,
  type StdioUpstreamConfig,
} from '@mcpgw/core';
import { MAX_REDACTION_DEPTH } from '@mcpgw/core/internal';
import { HttpExchange } from './exchange.js';
import type { GatewayLimits, GatewayRuntime } from './gateway-runtime.js';
import { createRouteTable, type GatewayUpstreamInput, type RouteInput, type UpstreamConnector } from './routing.js';
import { sendRpcError } from './send.js';
import type { UpstreamHealth, UpstreamOutcome } from './upstream-health.js';
import { createUpstreamProxy, type UpstreamProxy } from './upstream-proxy.js';

/** Options of {@link mcpGateway}. */
export interface McpGatewayOptions {
  /** The policy to enforce; swap it to reload. */
  readonly handle: PolicyHandle;
  /**
   * Upstream MCP servers (Streamable HTTP): name, url, timeout_ms (default
   * 30000), and `connect` for one served in this process (see
   * {@link UpstreamConnector}). A config's stdio upstreams (`command`) are
   * refused (`MCPGW_ERR_OPTIONS_INVALID`): `mcpgw serve` runs those.
   */
  readonly upstreams: ReadonlyArray<GatewayUpstreamInput | StdioUpstreamConfig>;
  /** Exact request paths on the gateway → upstream names; the full path, whatever the mount. */
  readonly routes?: readonly RouteInput[];
  /** Serves paths no route names. Without it such paths fall through to `next()`. */
  readonly defaultUpstream?: string;
  /** Receives one `decision` event per JSON-RPC request, when its response completes. */
  readonly onAudit?: AuditListener;
  /** Traces each JSON-RPC request and its upstream call, and passes the trace context upstream (see {@link RequestTracer}). */
  readonly tracer?: RequestTracer;
  /**
   * Called for upstream failures and other errors the gateway answered itself
   * (for logging): `error.message` is what the client was told,
   * `error.detail` what it was not (the socket error behind an unreachable upstream).
   */
  readonly onError?: (error: GatewayError, upstream: string) => void;
  /**
   * Called when an upstream answered a request (`ok: true`) or failed it
   * (`ok: false`, with the kind and the error), for health reporting: feed
   * it to an {@link UpstreamHealth}. Must not throw (errors are caught and dropped).
   */
  readonly onUpstreamOutcome?: (outcome: UpstreamOutcome) => void;
  /** `Origin` values let through; default: localhost origins only (DNS-rebinding protection). */
  readonly allowedOrigins?: readonly string[];
  /** Size bounds; see {@link GatewayLimits}. */
  readonly limits?: Partial<GatewayLimits>;
  /**
   * The client address for `client` rate limits and audit. Default: the
   * socket's peer; under Express ({@link mcpGateway}), `req.ip`, which
   * honours Express's `trust proxy`.
   */
  readonly clientAddress?: (req: GatewayRequest) => string | undefined;
}

/** Defaults of {@link GatewayLimits}. */
export const DEFAULT_LIMITS: GatewayLimits = Object.freeze({
  bodyBytes: 4 * 1024 * 1024,
  responseBytes: 64 * 1024 * 1024,
  eventBytes: 16 * 1024 * 1024,
  depth: MAX_REDACTION_DEPTH,
  batchMessages: 100,
  outstandingRequests: 20_000,
  outstandingMs: 10 * 60_000,
});

/** Requests remembered per session, at most, for answers on another stream. */
const OUTSTANDING_PER_SESSION = 1_000;

/**
 * A request as the gateway reads it: Node's own, plus what Express adds
 * when it is there (`originalUrl` for routing under a mount, `ip` and the
 * app's `trust proxy` for the client address). Nothing else of Express is
 * used, so the same handler serves a plain node:http server.
 */
export type GatewayRequest = IncomingMessage & {
  readonly originalUrl?: string;
  readonly ip?: string | undefined;
  readonly app?: { get(name: string): unknown };
};

/** The handler, with controls for reload and shutdown. */
export type McpGatewayMiddleware = ((req: GatewayRequest, res: ServerResponse, next?: (error?: unknown) => void) => void) & {
  /**
   * Ends every open long-lived notification stream (2025-era GET streams,
   * 2026-era `subscriptions/listen`) cleanly; their clients reconnect. For
   * graceful shutdown: from then on, a notification stream that starts is
   * ended at once. Returns how many were ended.
   */
  closeStreams(reason?: string): number;
  /**
   * Gives up on every request still in flight, for a shutdown whose drain
   * timed out or was cut short: each JSON-RPC request not answered yet gets
   * its `decision` event now, with outcome `abandoned` (its `status` the one
   * sent, or null when the response had not begun), and its connection and
   * upstream request are dropped. Synchronous: the events are written when
   * it returns. Returns how many requests were abandoned.
   */
  abandon(): number;
  /**
   * Stops following policy swaps, drops upstream keep-alive connections,
   * and audits what is still owed: requests whose answer never came on
   * another stream, and the count of refusals a flood left out.
   */
  close(): void;
};

/**
 * An MCP Streamable HTTP gateway in front of one or more upstream MCP
 * servers, as a plain node:http handler: `handler(req, res, next?)`. It
 * enforces the handle's policy on every message both ways, each HTTP request
 * pinned to the policy generation current when it arrives, until its
 * response (JSON or SSE stream) ends or the client leaves. It routes on the
 * request path; a path no route names goes to `next()`, or without `next`
 * gets a 404. The mcpgw daemon serves it this way; {@link mcpGateway} is the
 * same handler for Express.
 *
 * @example
 * const handle = new PolicyHandle(compilePolicy(config));
 * const gateway = createMcpHandler({ handle, upstreams: config.upstreams, defaultUpstream: config.default_upstream });
 * http.createServer(gateway).listen(8080, '127.0.0.1');
 */
export function createMcpHandler(options: McpGatewayOptions): McpGatewayMiddleware {
  const table = createRouteTable(options.upstreams, options.routes, options.defaultUpstream);
  const proxies = new Map<string, UpstreamProxy>(table.upstreams.map((upstream) => [upstream.name, createUpstreamProxy(upstream)]));
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const runtime: GatewayRuntime = {
    ...createExchangeRuntime(options.handle, {
      onAudit: options.onAudit,
      tracer: options.tracer,
      batchMessages: limits.batchMessages,
      outstanding: { maxRequests: limits.outstandingRequests, maxPerSession: Math.min(OUTSTANDING_PER_SESSION, limits.outstandingRequests), ttlMs: limits.outstandingMs },
    }),
    originAllowed: createOriginCheck(options.allowedOrigins),
    onError: options.onError,
    onUpstreamOutcome: options.onUpstreamOutcome,
    limits,
    clientAddress: options.clientAddress ?? defaultClientAddress,
    open: new Set(),
    streams: new Set(),
    streamsEnded: null,
  };
  // A notification stream carries no request to decide on, only server messages
  // to redact: on a reload it stays open and moves to the new generation, rather
  // than end and rely on every client to reconnect (not all do).
  const unsubscribe = options.handle.onSwap(() => {
    for (const stream of runtime.streams) stream.repin();
  });

  const handler = (req: GatewayRequest, res: ServerResponse, next?: (error?: unknown) => void): void => {
    const upstream = table.resolve(routingPath(req));
    if (upstream === undefined) {
      if (next !== undefined) return next();
      return sendRpcError(res, new GatewayError('not_found', 'no MCP endpoint at this path'));
    }
    const exchange = new HttpExchange(runtime, upstream, req, res);
    void exchange.run(proxies.get(upstream.name) as UpstreamProxy);
  };
  return Object.assign(handler, {
    closeStreams: (reason = 'the gateway is shutting down; reconnect') => {
      runtime.streamsEnded = reason;
      const streams = [...runtime.streams];
      for (const stream of streams) stream.endStream(reason);
      return streams.length;
    },
    abandon: () => {
      let abandoned = 0;
      for (const exchange of [...runtime.open]) abandoned += exchange.abandon();
      return abandoned;
    },
    close: () => {
      unsubscribe();
      for (const proxy of proxies.values()) proxy.close();
      runtime.close();
    },
  });
}

/**
 * The path routes are matched against: the exact request path on the gateway
 * (SPEC §2), up to its query. Under Express that is `req.originalUrl`, which
 * mounting does not rewrite: mounted with `app.use('/mcp', gateway)`, a request
 * to `/mcp` has `baseUrl + path` `/mcp/`, which is another path.
 */
function routingPath(req: GatewayRequest): string {
  // `originalUrl` is set by Express; a plain node:http request has only `url`.
  const url = req.originalUrl ?? req.url ?? '';
  if (!url.startsWith('/')) {
    // The absolute form (`POST http://host/mcp`): its path.
    return URL.canParse(url) ? new URL(url).pathname : '';
  }
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/**
 * Express middleware: {@link createMcpHandler} under Express, mounted with
 * `app.use(...)` at any path (routes match the full request path, whatever
 * the mount).
 *
 * @example
 * const handle = new PolicyHandle(compilePolicy(config));
 * app.use(mcpGateway({ handle, upstreams: config.upstreams, routes: config.routes,
 *                      defaultUpstream: config.default_upstream, onAudit: (event) => log(event) }));
 */
export function mcpGateway(options: McpGatewayOptions): McpGatewayMiddleware {
  return createMcpHandler(options);
}

/** `req.ip` when Express's `trust proxy` is set, else the socket's peer; IPv4-mapped IPv6 written as IPv4. */
function defaultClientAddress(req: GatewayRequest): string | undefined {
  // req.ip runs proxy-addr on every call; without `trust proxy` it is the peer address anyway.
  const trusted = req.app?.get('trust proxy') as unknown;
  const address = trusted === undefined || trusted === false ? req.socket.remoteAddress : (req.ip ?? req.socket.remoteAddress);
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
