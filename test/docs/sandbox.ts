import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from './markdown.js';

/** What `mcpgw` on the PATH is: the CLI's committed, executable bin (as npm links it). */
export const MCPGW_BIN = join(ROOT, 'packages/cli/bin/mcpgw.js');

/** A PATH as on a fresh machine with Node.js installed: nothing of the repository's node_modules. */
const SYSTEM_PATH = [dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** A command started in the sandbox, its output collected. */
export class SandboxProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  /** The shell's exit status (a command left in the background with `&` runs on). */
  readonly exited: Promise<number | null>;
  /** Resolves once nothing holds the output open any more: the shell and whatever it left in the background have ended. */
  readonly closed: Promise<void>;

  constructor(child: ChildProcess, script: string) {
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.closed = new Promise((resolve) => child.once('close', () => resolve()));
    // The command reaches bash on stdin, as typed: it is in no process's argv (pgrep -f sees only what it started).
    child.stdin?.end(`${script}\n`);
  }

  /** stdout's lines, each parsed as JSON where it is JSON. */
  get lines(): Array<Record<string, unknown>> {
    return this.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return { raw: line };
        }
      });
  }

  /** Resolves with the first stdout line (parsed) that passes `test`, seen or coming. */
  async waitFor(test: (line: Record<string, unknown>) => boolean, ms = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const line = this.lines.find(test);
      if (line !== undefined) return line;
      if (Date.now() > deadline) throw new Error(`no such line within ${ms} ms; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** The log line of the daemon (JSON logs: stdout is not a terminal) whose `msg` matches. */
  waitForMsg(msg: string | RegExp, test: (line: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
    return this.waitFor((line) => (typeof msg === 'string' ? line['msg'] === msg : msg.test(String(line['msg'] ?? ''))) && test(line));
  }
}

/**
 * A temporary directory with `mcpgw` on the PATH, and a private PID, mount
 * and network namespace for the commands run in it (unshare, as in a
 * container): `pidof mcpgw` finds only the daemon started here, and ports
 * 8080 and 3001 are free, whatever else runs on the machine.
 */
export class Sandbox {
  /** The temporary directory: the working directory of commands, unless they name another. */
  readonly dir: string;
  readonly #namespace: ChildProcess;
  readonly #init: number;
  readonly #env: NodeJS.ProcessEnv;

  private constructor(dir: string, namespace: ChildProcess, init: number) {
    this.dir = dir;
    this.#namespace = namespace;
    this.#init = init;
    const bin = join(dir, '.bin');
    mkdirSync(bin);
    symlinkSync(MCPGW_BIN, join(bin, 'mcpgw'));
    const { MCPGW_CONFIG: _config, MCPGW_LOG_LEVEL: _level, ...env } = process.env;
    this.#env = { ...env, PATH: [bin, ...SYSTEM_PATH].join(':'), HOME: dir };
  }

  static async create(): Promise<Sandbox> {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgw-doc-'));
    // The namespace's first process brings the loopback interface up, then waits to be killed.
    const namespace = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--net', '--kill-child', 'sh', '-c', 'ip link set lo up && exec sleep infinity'], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 5_000;
    for (;;) {
      const init = childOf(namespace.pid as number);
      if (init !== undefined && readComm(init) === 'sleep') return new Sandbox(dir, namespace, init);
      if (Date.now() > deadline || namespace.exitCode !== null) throw new Error('could not start a PID and network namespace with unshare');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  write(name: string, text: string): string {
    writeFileSync(join(this.dir, name), text);
    return join(this.dir, name);
  }

  read(name: string): string {
    return readFileSync(join(this.dir, name), 'utf8');
  }

  /** Starts a command (bash reads it on stdin) inside the namespaces, in `cwd` (default: the sandbox directory). */
  start(command: string, options: { cwd?: string } = {}): SandboxProcess {
    // Entering the mount namespace moves to its root; --wd sets the directory after that.
    const child = spawn('nsenter', ['--target', String(this.#init), '--pid', '--mount', '--net', `--wd=${options.cwd ?? this.dir}`, '--', 'bash'], {
      env: this.#env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new SandboxProcess(child, command);
  }

  /** Runs a command to its end (a command that leaves something in the background returns when the shell exits). */
  async run(command: string, options: { cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const proc = this.start(command, options);
    const code = await proc.exited;
    return { code, stdout: proc.stdout, stderr: proc.stderr };
  }

  /** Ends every process of the namespace and removes the directory. */
  async close(): Promise<void> {
    if (this.#namespace.exitCode === null) {
      const ended = new Promise((resolve) => this.#namespace.once('exit', resolve));
      // The namespace's init: when it ends, the kernel ends every process in the namespace.
      process.kill(this.#init, 'SIGKILL');
      await ended;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function childOf(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return children === '' ? undefined : Number(children.split(' ')[0]);
  } catch {
    return undefined;
  }
}

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Whether the tools the sandbox needs are here (the CI script installs them). */
export function sandboxTools(): string[] {
  return ['unshare', 'nsenter', 'ip', 'pidof', 'pgrep', 'jq'].filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}
