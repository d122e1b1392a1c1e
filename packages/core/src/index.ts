// Public API of @mcpgw/core. Any new export added here becomes public API:
// named exports only, no wildcards.

export { parseConfig, CONFIG_DEFAULTS, isStdioUpstream } from './config/parse-config.js';
export type { McpgwConfig, UpstreamConfig, StdioUpstreamConfig, AuditConfig, ParseConfigOptions } from './config/parse-config.js';
export { ConfigSchema, PolicySchema, UpstreamSchema, HttpUpstreamSchema, StdioUpstreamSchema, RouteSchema, AuditSchema, TelemetrySchema } from './config/schema.js';
export type { ConfigInput, PolicyInput, UpstreamInput, HttpUpstreamInput, StdioUpstreamInput, RouteInput, AuditInput } from './config/schema.js';
export { RuleSchema, MatchSchema } from './rules/rule-schema.js';
export type { RuleInput, MatchInput } from './rules/rule-schema.js';
export { configJsonSchema } from './config/json-schema.js';
export { parseWindow } from './rules/duration.js';

export { compilePolicy, compilePolicyInSlices, type CompilePolicyInSlicesOptions, type CompilePolicyOptions } from './policy/compile-policy.js';
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

export { PolicyHandle } from './handle/policy-handle.js';
export type { PolicyLease, PolicyHandleOptions, GenerationStatus, DrainListener, SwapListener } from './handle/policy-handle.js';

export { MemoryRateLimitStore } from './rate-limit/memory-rate-limit-store.js';
export type { MemoryRateLimitStoreOptions } from './rate-limit/memory-rate-limit-store.js';
export type { RateLimitStore, RateLimitHit, RateLimitVerdict, RateLimitRefusalReason } from './rate-limit/rate-limit-store.js';

export { Redactor } from './redact/redactor.js';
export type { RedactionEntry, RuleMask, Tally } from './redact/redactor.js';
export { redactValue, MAX_REDACTION_DEPTH } from './redact/redact-value.js';

export { classifyMessage, JsonRpcErrorCodes } from './jsonrpc/message.js';
export type {
  ClassifiedMessage,
  JsonRpcError,
  JsonRpcErrorResponse,
  JsonRpcId,
  MessageKind,
} from './jsonrpc/message.js';

export {
  checkMirroredHeaders,
  mirroredHeaderValues,
  encodeHeaderValue,
  protocolEra,
  paramHeadersOf,
  MODERN_PROTOCOL_VERSION,
} from './jsonrpc/mirrored-headers.js';
export type { MirroredHeadersCheck, ParamHeaderMap } from './jsonrpc/mirrored-headers.js';
export type { HeaderSource } from './jsonrpc/header-value.js';

export { tryCompilePattern, explainRe2Error } from './regex/compile-pattern.js';
export type { Pattern, PatternResult } from './regex/compile-pattern.js';

export { McpgwError, ErrorCodes, ERRORS } from './util/mcpgw-error.js';
export type { ErrorCode, WireAnswer } from './util/mcpgw-error.js';
export { isRecord } from './util/is-record.js';
export { ConfigError, formatConfigIssue } from './config/config-error.js';
export type { ConfigIssue, ConfigIssueForm } from './config/config-error.js';
export { PolicyError } from './policy/policy-error.js';

// The exchange: one client message or batch through a gateway, whatever the transport (SPEC §10).
export { Exchange } from './exchange/exchange.js';
export type { Admission, ExchangeContext, ExchangeEnd, ExchangeRuntime } from './exchange/exchange-context.js';
export type { ExchangeAnswer } from './exchange/refusal-answer.js';
export type { ServerStream, StreamKind } from './exchange/server-message.js';
export type { RequestOrigin, TrackedRequest } from './exchange/tracked-request.js';
export { idKey } from './exchange/tracked-request.js';
export { AuditTrail } from './exchange/audit-trail.js';
export type { RefusalOrigin } from './exchange/audit-trail.js';
export type { DecisionAuditEvent, RefusalAuditEvent, ServerMessageDroppedEvent, DroppedReason, GatewayAuditEvent, AuditListener } from './exchange/audit-event.js';
export { OutstandingRequests } from './exchange/outstanding-requests.js';
export type { OutstandingLimits } from './exchange/outstanding-requests.js';
export { ParamHeaderCache } from './exchange/param-header-cache.js';
export { GatewayError, upstreamError, describeFailure } from './exchange/exchange-error.js';
export type { GatewayErrorKind } from './exchange/exchange-error.js';
export { createOriginCheck } from './exchange/origin-check.js';
export { readBody, parseJsonBody, nestingDepth, UTF8 } from './exchange/request-body.js';
export { decodedBody, contentCoding } from './exchange/content-encoding.js';
export { Channel } from './exchange/channel.js';
