import { McpgwError, type ErrorCode } from '@mcpgw/core';

/**
 * Why the daemon could not start — a config that cannot be used
 * (`MCPGW_ERR_CONFIG_UNUSABLE`), an address it cannot listen on
 * (`MCPGW_ERR_LISTEN_FAILED`), a PID file it may not take
 * (`MCPGW_ERR_PID_FILE`) — in one readable line. The CLI prints the message
 * and exits 1.
 */
export class StartupError extends McpgwError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
