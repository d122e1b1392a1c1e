/**
 * Why the daemon could not start — a config that cannot be used, an address
 * it cannot listen on, a PID file it may not take — in one readable line.
 * The CLI prints the message and exits 1.
 */
export class StartupError extends Error {}
