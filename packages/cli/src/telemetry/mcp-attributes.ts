import type { Attributes } from '@opentelemetry/api';
import type { DecisionAuditEvent } from '@mcpgw/core';

/** Where the MCP semantic conventions put a request's target: the tool, or the prompt. */
const TARGET_ATTRIBUTE: Readonly<Record<string, string>> = { 'tools/call': 'gen_ai.tool.name', 'prompts/get': 'gen_ai.prompt.name' };

/** A span's name: `{mcp.method.name} {target}`, the target being the tool or prompt (redacted as the audit log has it). */
export function spanName(event: DecisionAuditEvent): string {
  const method = event.method ?? 'invalid';
  return event.tool !== null && event.method !== null && TARGET_ATTRIBUTE[event.method] !== undefined ? `${method} ${event.tool}` : method;
}

/**
 * `error.type` of a request: its JSON-RPC error code (a refusal's too), `tool_error`
 * for a tool result with `isError`, or why it ended without an answer; absent on success.
 */
export function errorType(event: DecisionAuditEvent): string | undefined {
  if (event.error_code !== null) return String(event.error_code);
  if (event.is_error) return 'tool_error';
  return event.outcome;
}

/**
 * The attributes a request's spans and duration histograms share (the
 * semantic conventions' metric attributes: no ids, so that their
 * cardinality stays bounded).
 */
export function operationAttributes(event: DecisionAuditEvent, transport: 'tcp' | 'pipe', protocolVersion: string | null): Attributes {
  const attributes: Attributes = { 'network.transport': transport };
  if (event.method !== null) attributes['mcp.method.name'] = event.method;
  const target = event.method === null ? undefined : TARGET_ATTRIBUTE[event.method];
  if (target !== undefined && event.tool !== null) attributes[target] = event.tool;
  if (event.method === 'tools/call') attributes['gen_ai.operation.name'] = 'execute_tool';
  if (protocolVersion !== null) attributes['mcp.protocol.version'] = protocolVersion;
  if (event.error_code !== null) attributes['rpc.response.status_code'] = String(event.error_code);
  const error = errorType(event);
  if (error !== undefined) attributes['error.type'] = error;
  return attributes;
}

/** What only spans carry: the request's id and session. */
export function requestAttributes(event: DecisionAuditEvent): Attributes {
  return {
    ...(event.id === null ? {} : { 'jsonrpc.request.id': String(event.id) }),
    ...(event.session === null ? {} : { 'mcp.session.id': event.session }),
  };
}

/** What only the server span carries: mcpgw's decision. */
export function decisionAttributes(event: DecisionAuditEvent): Attributes {
  return {
    'mcpgw.decision': event.action,
    'mcpgw.rules': [...event.rules],
    'mcpgw.policy.generation': event.generation,
    'mcpgw.upstream': event.upstream,
  };
}
