import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { ErrorCodes } from '@mcpgw/core';
import { errnoWords } from './errno-words.js';
import { StartupError } from './startup-error.js';

/**
 * `mcpgw serve --pid-file F`: the daemon's PID in F from the moment it listens
 * until it exits, so that `kill -HUP "$(cat F)"` reaches this instance when
 * several run on one host (a rolling restart runs two: `pidof mcpgw` prints
 * both PIDs).
 *
 * F holding the PID of a running mcpgw refuses the start; a file left behind
 * by a killed daemon (its PID gone, or reused by another program) does not
 * block a restart. Every step is synchronous so that a signal handled
 * between them never finds half a step done.
 */
export class PidFile {
  readonly path: string;
  /** The PID a leftover file held: its process is gone or is not an mcpgw. */
  readonly stalePid: number | undefined;
  readonly #temp: string;
  #published = false;

  private constructor(path: string, stalePid: number | undefined) {
    this.path = path;
    this.stalePid = stalePid;
    this.#temp = `${path}.${process.pid}.tmp`;
  }

  /**
   * Checks F and prepares its content beside it (so an unwritable directory
   * stops the start before the daemon listens). Throws {@link StartupError}
   * when a running mcpgw holds F, when F holds something other than a PID
   * (a mistyped path must not overwrite a config), or when F cannot be written.
   */
  static claim(path: string): PidFile {
    const held = readHeldPid(path);
    if (held !== undefined && held !== process.pid && isRunningMcpgw(held)) {
      throw new StartupError(ErrorCodes.PID_FILE, `PID file ${path}: mcpgw is already running as PID ${held}; stop it first, or give this instance its own --pid-file`);
    }
    const file = new PidFile(path, held);
    try {
      writeFileSync(file.#temp, `${process.pid}\n`, { mode: 0o644 });
    } catch (error) {
      throw new StartupError(ErrorCodes.PID_FILE, `cannot write PID file ${path}: ${describe(error)}`, { cause: error });
    }
    // A leftover goes now, not once this daemon listens: until then nobody should signal its PID.
    if (held !== undefined) unlinkQuietly(path);
    return file;
  }

  /** Puts the PID in place, atomically: a reader sees the old file or the whole new one. */
  publish(): void {
    try {
      renameSync(this.#temp, this.path);
    } catch (error) {
      this.remove();
      throw new StartupError(ErrorCodes.PID_FILE, `cannot write PID file ${this.path}: ${describe(error)}`, { cause: error });
    }
    this.#published = true;
  }

  /** Removes F if it still holds this process's PID (never another instance's), and the prepared copy. Idempotent. */
  remove(): void {
    unlinkQuietly(this.#temp);
    if (!this.#published) return;
    this.#published = false;
    if (readHeldPid(this.path, { lenient: true }) === process.pid) unlinkQuietly(this.path);
  }
}

/** The PID in an existing file, `undefined` when there is none. */
function readHeldPid(path: string, options = { lenient: false }): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || options.lenient) return undefined;
    throw new StartupError(ErrorCodes.PID_FILE, `cannot read PID file ${path}: ${describe(error)}`, { cause: error });
  }
  const pid = /^\s*(\d{1,10})\s*$/.exec(text)?.[1];
  if (pid !== undefined && Number(pid) > 0) return Number(pid);
  if (options.lenient) return undefined;
  throw new StartupError(ErrorCodes.PID_FILE, `PID file ${path} exists and does not hold a PID; refusing to overwrite it (is --pid-file the right path?)`);
}

/**
 * Whether a process with this PID runs and is an mcpgw daemon (process title
 * "mcpgw"). Where /proc cannot say what the process is, a running process
 * counts as an mcpgw: refusing is safer than two daemons on one PID file.
 */
function isRunningMcpgw(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'mcpgw';
  } catch {
    return true;
  }
}

/** Best effort: removal runs on the way out, where there is no one left to tell. */
function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already, or not ours to remove
  }
}

/** Why the PID file cannot be written: a missing path is its directory (the file itself is being created). */
function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such directory';
  return errnoWords(error) ?? code ?? (error as Error).message;
}
