// Public API of @mcpgw/express. Any new export added here becomes public API
// (named exports only, no wildcards), and test/public-api.test.ts pins the list.

export { createMcpHandler, mcpGateway, DEFAULT_LIMITS } from './mcp-gateway.js';
export type { McpGatewayOptions, McpGatewayMiddleware, GatewayRequest } from './mcp-gateway.js';
export type { UpstreamConnector, GatewayUpstreamInput } from './routing.js';
export type { GatewayLimits } from './gateway-runtime.js';
export { UpstreamHealth } from './upstream-health.js';
export type { UpstreamOutcome, UpstreamFailureKind, UpstreamHealthEntry } from './upstream-health.js';
// The exchange's errors and audit events live in @mcpgw/core, shared by every adapter; re-exported for existing imports.
export { GatewayError } from '@mcpgw/core';
export type { DecisionAuditEvent, RefusalAuditEvent, GatewayAuditEvent, AuditListener, GatewayErrorKind } from '@mcpgw/core';
