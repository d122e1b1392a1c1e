/**
 * The MCP methods a client may send (2025-03-26 to 2025-11-25 and the
 * 2026 draft), for the `method` label: anything else is `other`, so that a
 * client inventing method names cannot grow the number of series.
 */
const MCP_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'tasks/get',
  'tasks/list',
  'tasks/result',
  'tasks/cancel',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
  'notifications/tasks/status',
]);

/** The `method` label of a JSON-RPC method name: itself when MCP defines it, else `other`. */
export function methodLabel(method: string | null): string {
  return method !== null && MCP_METHODS.has(method) ? method : 'other';
}
