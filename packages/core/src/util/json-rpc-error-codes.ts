/**
 * JSON-RPC 2.0 error codes, and mcpgw's own (SPEC §3, §7). Codes that MCP or
 * its SDKs define (`-32000`, `-32001`, `-32002` resource not found, `-32042`)
 * are never given another meaning here.
 */
export const JsonRpcErrorCodes = Object.freeze({
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  DENIED: -32003,
  /** The upstream could not be reached, or gave no answer the gateway can use (HTTP 502). */
  UPSTREAM_UNREACHABLE: -32010,
  /** The upstream did not answer within its `timeout_ms` (HTTP 504). */
  UPSTREAM_TIMEOUT: -32011,
  /** A stdio upstream already runs `max_sessions` sessions: a new one is refused (HTTP 503). */
  UPSTREAM_AT_CAPACITY: -32012,
  HEADER_MISMATCH: -32020,
  RATE_LIMITED: -32029,
} as const);
