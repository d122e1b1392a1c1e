// Public API of @mcpgw/stdio. Any new export added here becomes public API
// (named exports only, no wildcards), and test/public-api.test.ts pins the list.

export { StdioGateway, DEFAULT_STDIO_LIMITS } from './stdio-gateway.js';
export type { StdioGatewayOptions, StdioLimits, StdioOutcome } from './stdio-gateway.js';
export { ServerProcess } from './server-process.js';
export type { ServerProcessOptions, ServerExit } from './server-process.js';
export { LineFramer } from './line-framer.js';
export { HttpBridge } from './http-bridge.js';
export type { HttpBridgeOptions } from './http-bridge.js';
export { DEFAULT_BRIDGE_LIMITS } from './bridge-options.js';
export type { BridgeLimits, BridgeLogger } from './bridge-options.js';
export type { FramedItem } from './line-framer.js';
export type { StdioAuditListener, ClientLineProblem } from './stdio-policy.js';
// The audit events are the exchange's, from @mcpgw/core (GatewayAuditEvent): `status` and `session` are null on stdio.
