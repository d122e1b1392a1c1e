import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';

/** How a server process ended. */
export interface ServerExit {
  /** The exit status a shell would report: the server's code, 128 + the signal number when a signal ended it, 127 / 126 when it could not be started. */
  readonly code: number;
  /** The signal that ended it, if one did. */
  readonly signal: NodeJS.Signals | null;
  /** Why it could not be started (ENOENT, EACCES…), if it could not. */
  readonly error?: NodeJS.ErrnoException;
}

export interface ServerProcessOptions {
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** `inherit` (default): the server writes to this process's stderr directly; `pipe`: read it from {@link ServerProcess.stderr}. */
  readonly stderr?: 'inherit' | 'pipe';
  /**
   * How long to wait, after ending the server's stdin, before SIGTERM; and
   * after SIGTERM, before SIGKILL. Default 1000 ms: an MCP SDK client that
   * closes this process waits 2 s before its SIGTERM and 2 s more before
   * SIGKILL, so the server is gone before this process can be killed.
   */
  readonly graceMs?: number;
}

/**
 * A stdio MCP server run as a child process: its stdin and stdout are pipes,
 * its stderr this process's (or a pipe). {@link end} stops it the way MCP's
 * stdio transport says a client does — close its stdin, wait, SIGTERM,
 * wait, SIGKILL — so that no server outlives the wrapper that started it.
 *
 * @example
 * const server = ServerProcess.spawn({ command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'] });
 * process.stdin.on('end', () => void server.end());
 * process.exitCode = (await server.exited).code;
 */
export class ServerProcess {
  readonly #child: ChildProcess;
  readonly #graceMs: number;
  readonly exited: Promise<ServerExit>;
  #exit: ServerExit | null = null;
  #ending: Promise<ServerExit> | null = null;
  #timers: NodeJS.Timeout[] = [];

  private constructor(options: ServerProcessOptions) {
    this.#graceMs = options.graceMs ?? 1000;
    this.#child = spawn(options.command, [...(options.args ?? [])], {
      stdio: ['pipe', 'pipe', options.stderr ?? 'inherit'],
      env: options.env ?? process.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      shell: false,
    });
    // A server that closes its stdin early must not crash the wrapper with EPIPE.
    this.#child.stdin?.on('error', () => undefined);
    this.exited = new Promise<ServerExit>((resolve) => {
      this.#child.once('error', (error: NodeJS.ErrnoException) => {
        // Only a spawn failure ends it here; a failed kill() is no exit.
        if (this.#child.pid !== undefined) return;
        this.#finish(resolve, { code: error.code === 'ENOENT' ? 127 : 126, signal: null, error });
      });
      this.#child.once('exit', (code, signal) => this.#finish(resolve, { code: code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)), signal }));
    });
  }

  /** Starts the server. Never throws: a server that cannot start resolves {@link exited} with `error` and code 127 (not found) or 126. */
  static spawn(options: ServerProcessOptions): ServerProcess {
    return new ServerProcess(options);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get stdin(): Writable {
    return this.#child.stdin as Writable;
  }

  get stdout(): Readable {
    return this.#child.stdout as Readable;
  }

  /** The server's stderr, with `stderr: 'pipe'`; else null. */
  get stderr(): Readable | null {
    return this.#child.stderr;
  }

  /** How it ended, once it has. */
  get exit(): ServerExit | null {
    return this.#exit;
  }

  /**
   * Stops the server: ends its stdin (the signal to exit, in MCP's stdio
   * transport), SIGTERM after the grace period if it is still running, then
   * SIGKILL after another. Calling it again changes nothing; resolves with
   * {@link exited}.
   */
  end(): Promise<ServerExit> {
    if (this.#ending !== null) return this.#ending;
    this.#child.stdin?.end();
    this.#later(this.#graceMs, () => this.#signal('SIGTERM'));
    this.#later(2 * this.#graceMs, () => this.#signal('SIGKILL'));
    this.#ending = this.exited;
    return this.#ending;
  }

  /** SIGKILL now (a second signal to the wrapper: stop waiting). */
  kill(): void {
    this.#signal('SIGKILL');
  }

  #later(ms: number, action: () => void): void {
    const timer = setTimeout(action, ms);
    this.#timers.push(timer);
  }

  #signal(signal: NodeJS.Signals): void {
    if (this.#exit !== null || this.#child.pid === undefined) return;
    try {
      this.#child.kill(signal);
    } catch {
      // gone meanwhile
    }
  }

  #finish(resolve: (exit: ServerExit) => void, exit: ServerExit): void {
    if (this.#exit !== null) return;
    this.#exit = exit;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    resolve(exit);
  }
}
