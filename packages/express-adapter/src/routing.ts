import type { Duplex } from 'node:stream';
import { ErrorCodes, McpgwError, type StdioUpstreamConfig, type UpstreamConfig } from '@mcpgw/core';

/**
 * Opens a connection to an upstream, in place of a TCP connection to its
 * url's host: for an upstream served in this process, such as the daemon's
 * stdio upstreams, which listen on no address at all. The url must be
 * `http://`; its host is only the `Host` header then.
 */
export type UpstreamConnector = () => Duplex;

/** An upstream as {@link createRouteTable} (and `mcpGateway`) takes it. */
export type GatewayUpstreamInput = Pick<UpstreamConfig, 'name' | 'url'> & { readonly timeout_ms?: number; readonly connect?: UpstreamConnector };

/** An upstream as the gateway needs it. */
export interface GatewayUpstream {
  readonly name: string;
  readonly url: URL;
  readonly timeoutMs: number;
  readonly connect?: UpstreamConnector;
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
  upstreams: ReadonlyArray<GatewayUpstreamInput | StdioUpstreamConfig>,
  routes: readonly RouteInput[] = [],
  defaultUpstream?: string,
): RouteTable {
  const byName = new Map<string, GatewayUpstream>();
  for (const upstream of upstreams) {
    if (byName.has(upstream.name)) throw new McpgwError(ErrorCodes.OPTIONS_INVALID, `mcpGateway: duplicate upstream name "${upstream.name}"`);
    if (!('url' in upstream)) {
      // A config's stdio upstream (SPEC §10): a process to run, which is the daemon's job, not a middleware's.
      throw new McpgwError(ErrorCodes.OPTIONS_INVALID, `mcpGateway: upstream "${upstream.name}" is a stdio upstream (it has a command): mcpgw serve runs those; mcpGateway forwards to a url`);
    }
    const connect = upstream.connect === undefined ? {} : { connect: upstream.connect };
    byName.set(upstream.name, { name: upstream.name, url: new URL(upstream.url), timeoutMs: upstream.timeout_ms ?? DEFAULT_UPSTREAM_TIMEOUT_MS, ...connect });
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
