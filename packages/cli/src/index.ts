// Public API of the mcpgw daemon package, for embedding it in other Node programs.
// Named exports only.

export { main } from './cli.js';
export type { CliIo } from './cli.js';
export { Daemon } from './daemon/daemon.js';
export { StartupError } from './daemon/startup-error.js';
export type { DaemonOptions } from './daemon/daemon.js';
export { RESTART_FIELDS } from './daemon/restart-required.js';
export { VERSION } from './version.js';
