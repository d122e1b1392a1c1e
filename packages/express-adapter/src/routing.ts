import { ErrorCodes, McpgwError, type UpstreamConfig } from '@mcpgw/core';

/** An upstream as the gateway needs it. */
export interface GatewayUpstream {
  readonly name: string;
  readonly url: URL;
  readonly timeoutMs: number;
}

/** The route table: exact gateway paths to upstreams, and the default. */
export interface RouteTable {
  resolve(path: string): GatewayUpstream | undefined;
  readonly upstreams: readonly GatewayUpstream[];
}

export interface RouteInput {
  readonly path: string;
  readonly upstream: string;
}

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000;

/** Builds the route table; throws a TypeError naming what is wrong (the config validator reports these first). */
export function createRouteTable(
  upstreams: ReadonlyArray<Pick<UpstreamConfig, 'name' | 'url'> & { readonly timeout_ms?: number }>,
  routes: readonly RouteInput[] = [],
  defaultUpstream?: string,
): RouteTable {
  const byName = new Map<string, GatewayUpstream>();
  for (const upstream of upstreams) {
    if (byName.has(upstream.name)) throw new McpgwError(ErrorCodes.OPTIONS_INVALID, `mcpGateway: duplicate upstream name "${upstream.name}"`);
    byName.set(upstream.name, { name: upstream.name, url: new URL(upstream.url), timeoutMs: upstream.timeout_ms ?? DEFAULT_UPSTREAM_TIMEOUT_MS });
  }
  const named = (name: string, where: string): GatewayUpstream => {
    const upstream = byName.get(name);
    if (upstream === undefined) throw new McpgwError(ErrorCodes.OPTIONS_INVALID, `mcpGateway: ${where} names unknown upstream "${name}"`);
    return upstream;
  };
  const byPath = new Map<string, GatewayUpstream>();
  for (const route of routes) byPath.set(route.path, named(route.upstream, `route "${route.path}"`));
  const fallback = defaultUpstream === undefined ? undefined : named(defaultUpstream, 'defaultUpstream');
  return {
    resolve: (path) => byPath.get(path) ?? fallback,
    upstreams: [...byName.values()],
  };
}
