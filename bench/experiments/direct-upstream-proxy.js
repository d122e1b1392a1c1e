// EXPERIMENT, not shipped (SPEC §1: the adapter proxies with http-proxy-middleware).
// The adapter's upstream-proxy module with node:http in place of
// http-proxy-middleware: the same hooks, the same request headers (the
// client's, minus hop-by-hop ones and Accept-Encoding, with Host and the four
// X-Forwarded-* headers http-proxy's `xfwd` adds), the same keep-alive agent
// and timeout. bench/experiments/direct-forward.mjs drops it into a copy of
// the built adapter (packages/express-adapter/dist/upstream-proxy.js).
import { Agent as HttpAgent, request } from 'node:http';
import { GatewayError } from './gateway-error.js';
import { hopByHopNames } from './http-headers.js';

const appendHeader = (headers, name, value) => {
  headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
};

export function createUpstreamProxy(upstream) {
  const agent = new HttpAgent({ keepAlive: true });
  const path = upstream.url.pathname + upstream.url.search;
  return {
    forward(req, res, hooks) {
      const headers = { ...req.headers };
      for (const name of hopByHopNames(req.headers)) delete headers[name];
      delete headers['accept-encoding'];
      appendHeader(headers, 'x-forwarded-for', req.socket.remoteAddress ?? '');
      appendHeader(headers, 'x-forwarded-port', String(req.socket.localPort ?? ''));
      appendHeader(headers, 'x-forwarded-proto', 'http');
      appendHeader(headers, 'x-forwarded-host', req.headers.host ?? '');
      headers.host = upstream.url.host;
      for (const [name, value] of Object.entries(hooks.headers)) {
        if (value === null) delete headers[name];
        else headers[name] = value;
      }
      if (hooks.body !== null) {
        delete headers['content-encoding'];
        headers['content-type'] = 'application/json';
        headers['content-length'] = hooks.body.length;
      }
      const proxyReq = request({ host: upstream.url.hostname, port: upstream.url.port, path, method: req.method, headers, agent });
      const timer = setTimeout(() => {
        proxyReq.destroy(new GatewayError('upstream_timeout', `upstream "${upstream.name}" did not answer within ${upstream.timeoutMs} ms`, { data: { upstream: upstream.name } }));
      }, upstream.timeoutMs);
      timer.unref();
      proxyReq.once('response', (response) => {
        clearTimeout(timer);
        hooks.onResponse(response);
      });
      proxyReq.once('close', () => clearTimeout(timer));
      proxyReq.once('error', (error) => {
        clearTimeout(timer);
        hooks.onError(error instanceof GatewayError ? error : new GatewayError('upstream_unavailable', `upstream "${upstream.name}" is unreachable`, { cause: error, data: { upstream: upstream.name }, detail: error.message || error.code }));
      });
      hooks.onRequest?.(proxyReq);
      proxyReq.end(hooks.body ?? undefined);
    },
    close() {
      agent.destroy();
    },
  };
}
