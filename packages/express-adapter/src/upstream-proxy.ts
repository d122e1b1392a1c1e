import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex, Stream } from 'node:stream';
import { createProxyMiddleware, proxyEventsPlugin } from 'http-proxy-middleware';
import { GatewayError, upstreamError } from '@mcpgw/core';
import { describeFailure } from '@mcpgw/core/internal';
import { hopByHopNames } from './http-headers.js';
import type { GatewayUpstream, UpstreamConnector } from './routing.js';

/** What one forwarded HTTP request needs from the proxy. */
export interface ForwardHooks {
  /** The rewritten request body (null: forward without a body, as for GET and DELETE). */
  readonly body: Buffer | null;
  /** Request headers to replace (a value) or remove (null) upstream. */
  readonly headers: Readonly<Record<string, string | null>>;
  /** Upstream response headers arrived. The handler owns the response from here. */
  onResponse(upstreamResponse: IncomingMessage): void;
  /** The upstream could not be reached, reset, or timed out before answering. */
  onError(error: GatewayError): void;
  /** The outgoing request, to abort when the client goes away. */
  onRequest?(request: ClientRequest): void;
}

/** Forwards requests to one upstream through http-proxy-middleware over a keep-alive agent. */
export interface UpstreamProxy {
  forward(req: IncomingMessage, res: ServerResponse, hooks: ForwardHooks): void;
  close(): void;
}

export function createUpstreamProxy(upstream: GatewayUpstream): UpstreamProxy {
  const secure = upstream.url.protocol === 'https:';
  const agent = upstream.connect !== undefined ? new ConnectorAgent(upstream.connect) : secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const pending = new WeakMap<IncomingMessage, ForwardHooks>();
  const { protocol, host, port, pathname, search } = upstream.url;
  // An IPv6 literal without its brackets, as node:http wants it.
  const hostname = upstream.url.hostname.startsWith('[') ? upstream.url.hostname.slice(1, -1) : upstream.url.hostname;

  const middleware = createProxyMiddleware<IncomingMessage, ServerResponse>({
    // Parsed once here: http-proxy would parse a string target again for every request.
    target: { protocol, host, hostname, port, pathname, path: pathname + search, href: upstream.url.href },
    // Every request goes to the upstream's own path, whatever path the client used:
    // ignorePath drops the client's, and toProxy spares parsing it only to drop it.
    ignorePath: true,
    toProxy: true,
    // The body was read, checked and rewritten before forwarding: the request
    // stream has nothing left for http-proxy to pipe. This stands in for it, and
    // the rewritten body is written when the outgoing request is ready (proxyReq).
    buffer: CONSUMED,
    agent,
    changeOrigin: true,
    xfwd: true,
    selfHandleResponse: true,
    // Without the default plugins (logging, error pages, debug listeners): errors
    // are answered by the gateway itself through `on.error`, and a client that
    // goes away has its upstream request and response destroyed by the exchange.
    ejectPlugins: true,
    plugins: [proxyEventsPlugin],
    on: {
      proxyReq: (proxyReq, req) => {
        const hooks = pending.get(req);
        // Already settled (an error came first): nothing will be sent on it.
        if (hooks === undefined) {
          proxyReq.destroy();
          return;
        }
        // http-proxy copied the client's headers: drop the hop-by-hop ones it sent.
        // Those the gateway sets itself are not the client's to drop (RFC 9110 §7.6.1
        // lets a Connection header name only the sender's own fields): of the
        // X-Forwarded-* the client named, only the client's part goes.
        for (const name of hopByHopNames(req.headers)) {
          if (req.headers[name] === undefined) continue;
          const own = gatewayValue(name, req);
          if (own === undefined) proxyReq.removeHeader(name);
          else if (own !== null) proxyReq.setHeader(name, own);
        }
        // Ask for an uncompressed answer: the gateway must read every byte it forwards.
        proxyReq.removeHeader('accept-encoding');
        for (const [name, value] of Object.entries(hooks.headers)) {
          if (value === null) proxyReq.removeHeader(name);
          else proxyReq.setHeader(name, value);
        }
        if (hooks.body !== null) {
          proxyReq.removeHeader('content-encoding');
          proxyReq.setHeader('content-type', 'application/json');
          proxyReq.setHeader('content-length', hooks.body.length);
          proxyReq.end(hooks.body);
        } else {
          proxyReq.end();
        }
        // Informational answers (1xx) do not stop this clock: only a final answer does.
        const timer = setTimeout(() => {
          proxyReq.destroy(upstreamError('upstream_timeout', upstream.name, `did not answer within ${upstream.timeoutMs} ms`));
        }, upstream.timeoutMs);
        timer.unref();
        proxyReq.once('response', () => clearTimeout(timer));
        // A 101 to a request that asked for no upgrade: Node hands over the socket
        // here, or (with no listener) drops it and ends the request with no answer
        // and no error, which would leave the client waiting.
        proxyReq.once('upgrade', (_response: IncomingMessage, socket: Duplex) => {
          socket.destroy();
          settle(req, upstreamError('upstream_bad_response', upstream.name, 'answered 101 Switching Protocols, which MCP does not use'));
        });
        proxyReq.once('close', () => {
          clearTimeout(timer);
          // Closed with neither an answer nor an error: never leave the request unsettled.
          // (Checked first: an error is made only when one is owed, not on every close.)
          if (pending.has(req)) settle(req, upstreamError('upstream_unavailable', upstream.name, 'closed the connection without answering'));
        });
        hooks.onRequest?.(proxyReq);
      },
      proxyRes: (proxyRes, req) => {
        const hooks = pending.get(req);
        pending.delete(req);
        hooks?.onResponse(proxyRes);
      },
      error: (error, req) => settle(req as IncomingMessage, toGatewayError(error, upstream)),
      // The client went away first; nothing to answer, but settle the request.
      econnreset: (error, req) => settle(req as IncomingMessage, toGatewayError(error, upstream)),
    },
  });

  /** Ends a forwarded request that got no answer: once, whichever failure comes first. */
  function settle(req: IncomingMessage, error: GatewayError): void {
    const hooks = pending.get(req);
    pending.delete(req);
    hooks?.onError(error);
  }

  return {
    forward(req, res, hooks) {
      // The gateway has answered any `Expect: 100-continue` and read the body
      // itself. Passed on, the header would also stop http-proxy from emitting
      // proxyReq: the rewritten body would never be sent, and the request would
      // hang without its timeout.
      delete req.headers['expect'];
      pending.set(req, hooks);
      void middleware(req, res, (error?: unknown) => {
        pending.delete(req);
        hooks.onError(toGatewayError(error ?? new Error('proxy refused the request'), upstream));
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/**
 * For a header the gateway sets on every forwarded request: its value without
 * what the client sent (`null`: leave it as it is); `undefined` for others.
 * http-proxy's `xfwd` appends the gateway's own entry last to X-Forwarded-For,
 * -Port and -Proto, and keeps a client's X-Forwarded-Host over the Host.
 */
function gatewayValue(name: string, req: IncomingMessage): string | null | undefined {
  switch (name) {
    case 'x-forwarded-for':
    case 'x-forwarded-port':
    case 'x-forwarded-proto':
      return String(req.headers[name]).split(',').pop()?.trim() ?? '';
    case 'x-forwarded-host':
      return req.headers.host ?? '';
    case 'host':
    case 'content-type':
    case 'content-length':
      return null;
    default:
      return undefined;
  }
}

/** A keep-alive agent whose connections `connect` opens (an upstream in this process) instead of TCP. */
class ConnectorAgent extends HttpAgent {
  readonly #connect: UpstreamConnector;

  constructor(connect: UpstreamConnector) {
    super({ keepAlive: true });
    this.#connect = connect;
  }

  override createConnection(): Duplex {
    return this.#connect();
  }
}

/** A request stream already read to its end: piping it sends nothing. */
const CONSUMED = { pipe: () => undefined } as unknown as Stream;

/**
 * A failure to reach the upstream, as the client sees it: `upstream "x" is
 * unreachable`. The socket error (ECONNREFUSED, ENOTFOUND, the internal
 * address) stays in `detail`, for the log and the audit log (SPEC §3).
 */
function toGatewayError(error: unknown, upstream: GatewayUpstream): GatewayError {
  if (error instanceof GatewayError) return error;
  return upstreamError('upstream_unavailable', upstream.name, 'is unreachable', { cause: error, detail: describeFailure(error) });
}

