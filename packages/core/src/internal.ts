// @mcpgw/core/internal: the engine's insides that mcpgw's own adapters
// (@mcpgw/express, @mcpgw/stdio, the mcpgw CLI) and its tests use beyond
// the public API in ./index.ts. No compatibility promise: any of these may
// change or go in any release. Named exports only, no wildcards.

export { CONFIG_DEFAULTS } from './config/parse-config.js';
export { parseWindow } from './rules/duration.js';

// The daemon's reload: a compile spread over the event loop, reusing what the last policy compiled.
export { compilePolicyInSlices, compilePolicyWith, type CompilePolicyInSlicesOptions } from './policy/compile-policy.js';
export { ReloadCache } from './policy/reload-cache.js';

export { Redactor } from './redact/redactor.js';
export type { RedactionEntry, RuleMask, Tally } from './redact/redactor.js';
export { redactValue, MAX_REDACTION_DEPTH } from './redact/redact-value.js';

export { classifyMessage } from './jsonrpc/message.js';
export type { ClassifiedMessage } from './jsonrpc/message.js';
export {
  checkMirroredHeaders,
  mirroredHeaderValues,
  encodeHeaderValue,
  protocolEra,
  paramHeadersOf,
  MODERN_PROTOCOL_VERSION,
} from './jsonrpc/mirrored-headers.js';
export type { MirroredHeadersCheck } from './jsonrpc/mirrored-headers.js';

export { tryCompilePattern, explainRe2Error } from './regex/compile-pattern.js';
export type { Pattern, PatternResult } from './regex/compile-pattern.js';

export { isRecord } from './util/is-record.js';

// The parts of an ExchangeRuntime, for an adapter that needs one of them itself (createExchangeRuntime builds them).
export { AuditTrail, type RefusalOrigin } from './exchange/audit-trail.js';
export { OutstandingRequests } from './exchange/outstanding-requests.js';
export { ParamHeaderCache } from './exchange/param-header-cache.js';

export type { ServerStream } from './exchange/server-message.js';
export { idKey } from './exchange/tracked-request.js';
export { describeFailure } from './exchange/exchange-error.js';
export { nestingDepth, UTF8 } from './exchange/request-body.js';
export { decodedBody, contentCoding } from './exchange/content-encoding.js';
