import type { IncomingMessage } from 'node:http';
import type { ExchangeRuntime, GatewayError } from '@mcpgw/core';
import type { HttpExchange } from './exchange.js';
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

/** What every HTTP exchange of one gateway shares: the core's runtime, and the wire's. */
export interface GatewayRuntime extends ExchangeRuntime {
  readonly onError: ((error: GatewayError, upstream: string) => void) | undefined;
  readonly onUpstreamOutcome: ((outcome: UpstreamOutcome) => void) | undefined;
  readonly limits: GatewayLimits;
  readonly clientAddress: (req: IncomingMessage) => string | undefined;
  /** Whether a request's `Origin` may talk to the gateway (DNS-rebinding protection). */
  readonly originAllowed: (origin: string | undefined) => boolean;
  /** Exchanges whose response has not closed yet: what is abandoned at shutdown once the drain gives up. */
  readonly open: Set<HttpExchange>;
  /** Open long-lived notification streams (2025 GET streams, 2026 subscriptions/listen). */
  readonly streams: Set<HttpExchange>;
  /** Why notification streams were ended (shutdown), once they were: a stream that starts after that ends at once. */
  streamsEnded: string | null;
}
