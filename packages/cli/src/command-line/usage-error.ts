import { ErrorCodes, McpgwError } from '@mcpgw/core';

/**
 * A command line mcpgw cannot run: an unknown command or option, a stray
 * argument, a missing or malformed value. The CLI prints `message` and the
 * command's usage on stderr and exits 2; nothing has been done yet.
 */
export class UsageError extends McpgwError {
  /** The command whose usage to print, or `undefined` for the general usage. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(ErrorCodes.USAGE, message);
    this.command = command;
  }
}
