import type { IncomingMessage } from 'node:http';

/** The paths the daemon answers itself, on every route (never proxied). */
export const DAEMON_PATHS = Object.freeze({ liveness: '/healthz', readiness: '/readyz', metrics: '/metrics' } as const);

/** Which of the daemon's own paths a request asks for. */
export type DaemonPath = keyof typeof DAEMON_PATHS;

/**
 * The daemon's own path a request is for: `/healthz`, `/readyz` or
 * `/metrics`, with or without a query or a trailing slash, any letter case
 * (as Express matched it); undefined for every other path.
 */
export function daemonPathOf(req: IncomingMessage): DaemonPath | undefined {
  const url = req.url ?? '';
  const end = url.indexOf('?');
  let path = (end === -1 ? url : url.slice(0, end)).toLowerCase();
  if (path.endsWith('/')) path = path.slice(0, -1);
  if (path === DAEMON_PATHS.liveness) return 'liveness';
  if (path === DAEMON_PATHS.readiness) return 'readiness';
  if (path === DAEMON_PATHS.metrics) return 'metrics';
  return undefined;
}
