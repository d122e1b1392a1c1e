import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createProxyMiddleware, debugProxyErrorsPlugin, proxyEventsPlugin } from 'http-proxy-middleware';
import { GatewayError } from './gateway-error.js';
import { hopByHopNames } from './http-headers.js';
import type { GatewayUpstream } from './routing.js';

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
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const pending = new WeakMap<IncomingMessage, ForwardHooks>();
  const upstreamPath = upstream.url.pathname + upstream.url.search;

  const middleware = createProxyMiddleware<IncomingMessage, ServerResponse>({
    target: upstream.url.origin,
    agent,
    changeOrigin: true,
    xfwd: true,
    selfHandleResponse: true,
    pathRewrite: () => upstreamPath,
    ejectPlugins: true,
    plugins: [debugProxyErrorsPlugin, proxyEventsPlugin],
    on: {
      proxyReq: (proxyReq, req) => {
        const hooks = pending.get(req);
        if (hooks === undefined) return;
        // http-proxy copied the client's headers: drop the hop-by-hop ones it sent.
        for (const name of hopByHopNames(req.headers)) if (req.headers[name] !== undefined) proxyReq.removeHeader(name);
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
          proxyReq.write(hooks.body);
        }
        const timer = setTimeout(() => {
          proxyReq.destroy(new GatewayError('upstream_timeout', `upstream "${upstream.name}" did not answer within ${upstream.timeoutMs} ms`, { data: { upstream: upstream.name } }));
        }, upstream.timeoutMs);
        timer.unref();
        proxyReq.once('response', () => clearTimeout(timer));
        proxyReq.once('close', () => clearTimeout(timer));
        hooks.onRequest?.(proxyReq);
      },
      proxyRes: (proxyRes, req) => {
        const hooks = pending.get(req);
        pending.delete(req);
        hooks?.onResponse(proxyRes);
      },
      error: (error, req) => {
        const hooks = pending.get(req as IncomingMessage);
        pending.delete(req as IncomingMessage);
        hooks?.onError(toGatewayError(error, upstream));
      },
      econnreset: (error, req) => {
        // The client went away first; nothing to answer, but settle the request.
        const hooks = pending.get(req as IncomingMessage);
        pending.delete(req as IncomingMessage);
        hooks?.onError(toGatewayError(error, upstream));
      },
    },
  });

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

function toGatewayError(error: unknown, upstream: GatewayUpstream): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const detail = code ?? (error instanceof Error ? error.message : String(error));
  return new GatewayError('upstream_unavailable', `upstream "${upstream.name}" is unavailable: ${detail}`, {
    cause: error,
    data: { upstream: upstream.name },
  });
}
