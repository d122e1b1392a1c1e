// Public API of @mcpgw/express. Any new export added here becomes public API:
// named exports only, no wildcards.

export { mcpGateway, DEFAULT_LIMITS } from './mcp-gateway.js';
export type { McpGatewayOptions, McpGatewayMiddleware } from './mcp-gateway.js';
export type { GatewayLimits } from './gateway-runtime.js';
export type { DecisionAuditEvent, RefusalAuditEvent, GatewayAuditEvent, AuditListener } from './audit-event.js';
export { GatewayError, GATEWAY_ERRORS } from './gateway-error.js';
export { UpstreamHealth } from './upstream-health.js';
export type { UpstreamOutcome, UpstreamFailureKind, UpstreamHealthEntry } from './upstream-health.js';
export type { GatewayErrorKind } from './gateway-error.js';
export { SseParser, formatSseEvent } from './sse-parser.js';
export type { SseEvent } from './sse-parser.js';
