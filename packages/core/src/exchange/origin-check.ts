const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Decides whether a browser `Origin` may talk to the gateway (DNS-rebinding
 * protection, MCP transport security). Requests without `Origin` (agents,
 * CLIs, servers) are not browser requests and pass. With no configured list,
 * only localhost origins pass.
 */
export function createOriginCheck(allowedOrigins: readonly string[] | undefined): (origin: string | undefined) => boolean {
  if (allowedOrigins !== undefined && allowedOrigins.length > 0) {
    const allowed = new Set(allowedOrigins);
    return (origin) => origin === undefined || allowed.has(origin);
  }
  return (origin) => origin === undefined || isLocalOrigin(origin);
}

function isLocalOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && LOCAL_HOSTS.has(url.hostname) && url.origin === origin;
  } catch {
    return false;
  }
}
