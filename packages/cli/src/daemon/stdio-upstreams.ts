import { resolve } from 'node:path';
import { isStdioUpstream, type McpgwConfig, type StdioUpstreamConfig } from '@mcpgw/core';
import { parseWindow } from '@mcpgw/core/internal';
import type { GatewayUpstreamInput } from '@mcpgw/express';
import { HttpBridge } from '@mcpgw/stdio';
import type { Logger } from '../logging/create-logger.js';

/**
 * The daemon's stdio upstreams (SPEC §10): an {@link HttpBridge} for each,
 * which runs the server one process per client session and serves it over
 * Streamable HTTP, and the upstream list the gateway forwards to, where
 * each stdio upstream is an `http://` URL whose connections go to its
 * bridge in this process. The gateway then applies the policy to them as
 * to any HTTP upstream, and nothing reaches a bridge around it: a bridge
 * listens on no address.
 */
export class StdioUpstreams {
  readonly #bridges: readonly HttpBridge[];
  /** The config's upstreams as the gateway takes them. */
  readonly upstreams: readonly GatewayUpstreamInput[];

  private constructor(bridges: readonly HttpBridge[], upstreams: readonly GatewayUpstreamInput[]) {
    this.#bridges = bridges;
    this.upstreams = upstreams;
  }

  /**
   * A bridge for each stdio upstream of `config`. A relative `cwd` is
   * relative to `configDir`, which is also the default; the server's
   * environment is the daemon's with the upstream's `env` over it; what a
   * server writes to the log (its stderr) goes through `redactText`.
   */
  static create(config: McpgwConfig, options: StdioUpstreamsOptions): StdioUpstreams {
    const bridges: HttpBridge[] = [];
    const upstreams = config.upstreams.map((upstream): GatewayUpstreamInput => {
      if (!isStdioUpstream(upstream)) return upstream;
      const bridge = HttpBridge.create(bridgeOptions(upstream, options));
      bridges.push(bridge);
      // The host is only the Host header: `.invalid` (RFC 2606) says it names no machine.
      return { name: upstream.name, url: `http://${upstream.name}.stdio.invalid/mcp`, timeout_ms: upstream.timeout_ms, connect: () => bridge.connect() };
    });
    return new StdioUpstreams(bridges, upstreams);
  }

  /** Ends every session and its server process (stdin closed, SIGTERM, SIGKILL); resolves when all have exited. */
  async close(): Promise<void> {
    await Promise.all(this.#bridges.map((bridge) => bridge.close()));
  }

  /** SIGKILLs every server process now: a forced exit leaves none behind. */
  kill(): void {
    for (const bridge of this.#bridges) bridge.kill();
  }
}

/** Where the daemon's stdio upstreams run and log. */
export interface StdioUpstreamsOptions {
  readonly configDir: string;
  readonly logger: Logger;
  /** The policy's every redact pattern (the current generation's): applied to what a server writes to the log. */
  readonly redactText: (text: string) => string;
}

function bridgeOptions(upstream: StdioUpstreamConfig, options: StdioUpstreamsOptions) {
  return {
    name: upstream.name,
    command: upstream.command,
    args: upstream.args,
    env: { ...process.env, ...upstream.env },
    cwd: resolve(options.configDir, upstream.cwd ?? '.'),
    maxSessions: upstream.max_sessions,
    // Validated by parseConfig: a window it accepts always parses.
    idleTimeoutMs: parseWindow(upstream.idle_timeout) as number,
    logger: options.logger,
    redactText: options.redactText,
  };
}
