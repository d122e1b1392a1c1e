// Public API of @mcpgw/core: what a proxy embedding mcpgw needs. Any new
// export added here becomes public API (named exports only, no wildcards),
// and test/public-api.test.ts pins the list: docs/library.md
// ("Public API and the internal entry") says how a name gets here. The
// engine's insides that mcpgw's own adapters use are in ./internal.ts.

// Config: mcpgw.yaml parsed, validated and typed; its schema for editors.
export { parseConfig, isStdioUpstream } from './config/parse-config.js';
export type { McpgwConfig, UpstreamConfig, StdioUpstreamConfig, AuditConfig, ParseConfigOptions } from './config/parse-config.js';
export { ConfigSchema, PolicySchema, UpstreamSchema, HttpUpstreamSchema, StdioUpstreamSchema, RouteSchema, AuditSchema, TelemetrySchema } from './config/schema.js';
export type { ConfigInput, PolicyInput, UpstreamInput, HttpUpstreamInput, StdioUpstreamInput, RouteInput, AuditInput } from './config/schema.js';
export { RuleSchema, MatchSchema } from './rules/rule-schema.js';
export type { RuleInput, MatchInput } from './rules/rule-schema.js';
export { configJsonSchema } from './config/json-schema.js';
export { ConfigError, formatConfigIssue } from './config/config-error.js';
export type { ConfigIssue, ConfigIssueForm } from './config/config-error.js';

// Compile: a deep-frozen policy, and the decisions it makes.
export { compilePolicy } from './policy/compile-policy.js';
export { CompiledPolicy } from './policy/compiled-policy.js';
export { ResponseScope } from './policy/response-scope.js';
export type {
  CallerIdentity,
  Decision,
  DecisionAction,
  EvaluationContext,
  RedactionResult,
  ToolsListResult,
} from './policy/decision.js';
export type { RuleSummary } from './policy/rule-summary.js';
export { PolicyError } from './policy/policy-error.js';
export type { HeaderSource } from './jsonrpc/header-value.js';
export type { MessageKind } from './jsonrpc/message.js';
export type { ParamHeaderMap } from './jsonrpc/mirrored-headers.js';

// Handle: policy generations, leases and hot swaps.
export { PolicyHandle } from './handle/policy-handle.js';
export type { PolicyLease, PolicyHandleOptions, GenerationStatus, DrainListener, SwapListener } from './handle/policy-handle.js';

// Stores: where rate-limit counters live, across generations.
export { MemoryRateLimitStore } from './rate-limit/memory-rate-limit-store.js';
export type { MemoryRateLimitStoreOptions } from './rate-limit/memory-rate-limit-store.js';
export type { RateLimitStore, RateLimitHit, RateLimitVerdict, RateLimitRefusalReason } from './rate-limit/rate-limit-store.js';

// Errors: one family, one table of wire answers, the JSON-RPC codes sent to clients.
export { McpgwError, ErrorCodes, ERRORS } from './util/mcpgw-error.js';
export type { ErrorCode, WireAnswer } from './util/mcpgw-error.js';
export { JsonRpcErrorCodes } from './jsonrpc/message.js';
export type { JsonRpcError, JsonRpcErrorResponse, JsonRpcId } from './jsonrpc/message.js';
export { GatewayError, upstreamError } from './exchange/exchange-error.js';
export type { GatewayErrorKind } from './exchange/exchange-error.js';

// The exchange: one client message or batch through a gateway, whatever the transport (SPEC §10),
// the runtime its exchanges share, its audit events, and the wire helpers every HTTP adapter needs.
export { Exchange } from './exchange/exchange.js';
export { Channel } from './exchange/channel.js';
export type { Admission, ExchangeContext, ExchangeEnd, ExchangeRuntime } from './exchange/exchange-context.js';
export { createExchangeRuntime } from './exchange/create-exchange-runtime.js';
export type { ExchangeRuntimeOptions } from './exchange/create-exchange-runtime.js';
export type { ExchangeAnswer } from './exchange/refusal-answer.js';
export type { StreamKind } from './exchange/server-message.js';
export type { RequestOrigin, TrackedRequest } from './exchange/tracked-request.js';
export type { DecisionAuditEvent, RefusalAuditEvent, ServerMessageDroppedEvent, DroppedReason, GatewayAuditEvent, AuditListener } from './exchange/audit-event.js';
export type { OutstandingLimits } from './exchange/outstanding-requests.js';
export type { RequestTracer, RequestTrace, TraceStart } from './exchange/request-tracer.js';
export { readBody, parseJsonBody } from './exchange/request-body.js';
export { createOriginCheck } from './exchange/origin-check.js';
export { sessionIdOf } from './exchange/session-id.js';
