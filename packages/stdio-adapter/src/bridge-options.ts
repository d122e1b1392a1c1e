import { MAX_REDACTION_DEPTH } from '@mcpgw/core/internal';

/** Size bounds of an {@link HttpBridge}. */
export interface BridgeLimits {
  /** One POST body (413 past it; the gateway in front has its own, lower, limit). */
  readonly bodyBytes: number;
  /** One line of a server's stdout (dropped past it; its request, when its id can be read, answered with an error). */
  readonly serverLineBytes: number;
  /** One line of a server's stderr as logged (cut past it). */
  readonly stderrLineBytes: number;
  /** JSON nesting depth of a server line. */
  readonly depth: number;
  /** Server messages kept for a session's next GET stream while none is open (the oldest dropped past it). */
  readonly heldMessages: number;
  /** Bytes waiting to be sent on one SSE stream; a client that lets more pile up has its stream cut. */
  readonly streamBufferBytes: number;
}

export const DEFAULT_BRIDGE_LIMITS: BridgeLimits = Object.freeze({
  bodyBytes: 16 * 1024 * 1024,
  serverLineBytes: 16 * 1024 * 1024,
  stderrLineBytes: 16 * 1024,
  depth: MAX_REDACTION_DEPTH,
  heldMessages: 100,
  streamBufferBytes: 16 * 1024 * 1024,
});

/**
 * Where an {@link HttpBridge} logs: the server's stderr line by line, and its
 * sessions' lives. A pino logger is one.
 */
export interface BridgeLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}
