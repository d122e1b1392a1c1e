import { isDeepStrictEqual } from 'node:util';
import type { McpgwConfig } from '@mcpgw/core';

/** Config fields a reload does not apply (SPEC §2): they take effect at the next start. */
export const RESTART_FIELDS = ['listen', 'allowed_origins', 'license', 'upstreams', 'routes', 'default_upstream', 'telemetry', 'metrics'] as const;

export type RestartField = (typeof RESTART_FIELDS)[number];

/** The non-reloadable fields that differ between the running config and a new one. */
export function restartRequired(running: McpgwConfig, next: McpgwConfig): RestartField[] {
  return RESTART_FIELDS.filter((field) => !isDeepStrictEqual(running[field], next[field]));
}
