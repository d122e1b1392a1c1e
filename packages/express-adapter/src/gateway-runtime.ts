import type { Request } from 'express';
import type { ParamHeaderMap, PolicyHandle } from '@mcpgw/core';
import type { AuditTrail } from './audit-trail.js';
import type { Exchange } from './exchange.js';
import type { GatewayError } from './gateway-error.js';
import type { OutstandingRequests } from './outstanding-requests.js';
import type { UpstreamOutcome } from './upstream-health.js';

/** Size bounds the gateway enforces. */
export interface GatewayLimits {
  /** Request body, after decoding (413 past it). */
  readonly bodyBytes: number;
  /** A JSON response from an upstream (502 past it). */
  readonly responseBytes: number;
  /** One SSE event from an upstream (the stream is closed past it). */
  readonly eventBytes: number;
  /** JSON nesting depth of a request body (400 past it) and of an upstream answer (502 past it). */
  readonly depth: number;
  /** Messages in one JSON-RPC batch (400 past it). */
  readonly batchMessages: number;
  /**
   * Forwarded 2025-era requests remembered, across sessions, until their
   * answer arrives, which may be on another stream than their own (a
   * resumed GET stream). An answer to a request no longer remembered is
   * redacted with every response rule.
   */
  readonly outstandingRequests: number;
  /** How long such a request is remembered, in ms. */
  readonly outstandingMs: number;
}

/** `x-mcp-header` annotations learned from `tools/list` answers, per upstream and tool. */
export class ParamHeaderCache {
  readonly #byUpstream = new Map<string, Map<string, ParamHeaderMap>>();
  readonly #maxToolsPerUpstream: number;

  constructor(maxToolsPerUpstream = 10_000) {
    this.#maxToolsPerUpstream = maxToolsPerUpstream;
  }

  get(upstream: string, tool: string): ParamHeaderMap | undefined {
    return this.#byUpstream.get(upstream)?.get(tool);
  }

  set(upstream: string, tool: string, headers: ParamHeaderMap): void {
    let tools = this.#byUpstream.get(upstream);
    if (tools === undefined) this.#byUpstream.set(upstream, (tools = new Map()));
    if (!tools.has(tool) && tools.size >= this.#maxToolsPerUpstream) return;
    tools.set(tool, headers);
  }
}

/** What every exchange of one gateway shares. */
export interface GatewayRuntime {
  readonly handle: PolicyHandle;
  readonly audit: AuditTrail;
  /** Forwarded requests of each session whose answer has not arrived yet. */
  readonly outstanding: OutstandingRequests;
  readonly onError: ((error: GatewayError, upstream: string) => void) | undefined;
  readonly onUpstreamOutcome: ((outcome: UpstreamOutcome) => void) | undefined;
  readonly limits: GatewayLimits;
  readonly paramHeaders: ParamHeaderCache;
  readonly clientAddress: (req: Request) => string | undefined;
  /** Exchanges whose response has not closed yet: what is abandoned at shutdown once the drain gives up. */
  readonly open: Set<Exchange>;
  /** Open long-lived notification streams (2025 GET streams, 2026 subscriptions/listen). */
  readonly streams: Set<Exchange>;
  /** Why notification streams were ended (shutdown), once they were: a stream that starts after that ends at once. */
  streamsEnded: string | null;
}
