import { Worker } from 'node:worker_threads';
import { ErrorCodes, McpgwError, type McpgwConfig, type ParseConfigOptions, type RuleInput } from '@mcpgw/core';

/** What the daemon asks the config worker. */
export interface LoadRequest {
  readonly id: number;
  readonly path: string;
  /** `false` for `mcpgw stdio`, whose config may list no upstreams. */
  readonly requireUpstreams?: boolean;
}

/**
 * What the config worker answers. `config.policy.rules` is sent as `rules`:
 * each rule the same as one of the previous good reply's is sent as its
 * position there, so that an edit of a few rules crosses threads (and lands
 * in the daemon's heap) as those few rules, not as the whole policy again.
 */
export type LoadReply =
  | { readonly id: number; readonly ok: true; readonly text: string; readonly config: McpgwConfig; readonly rules: ReadonlyArray<RuleInput | number> }
  | { readonly id: number; readonly ok: false; readonly message: string };

/** A config file that could not be loaded: `message` is the one-line form the reload log shows. */
export class ConfigLoadError extends McpgwError {
  constructor(message: string) {
    super(ErrorCodes.CONFIG_UNUSABLE, message);
  }
}

/**
 * Loads mcpgw.yaml in a worker thread: read, parse, validate (every pattern
 * through RE2), off the event loop. The config comes back as plain data; the
 * daemon compiles it on its own thread (RE2 objects cannot cross threads),
 * reusing what did not change, which takes a few milliseconds.
 */
export class ConfigLoader {
  readonly #parse: Pick<ParseConfigOptions, 'requireUpstreams'>;
  #worker: Worker | null = null;
  #nextId = 0;
  readonly #waiting = new Map<number, { resolve: (value: { config: McpgwConfig; text: string }) => void; reject: (error: Error) => void }>();
  /** The rules of the last good reply: what the worker's positions refer to. */
  #lastRules: readonly RuleInput[] = [];

  /** `parse`: how the file is parsed (`{ requireUpstreams: false }` for `mcpgw stdio`). */
  constructor(parse: Pick<ParseConfigOptions, 'requireUpstreams'> = {}) {
    this.#parse = parse;
  }

  /** Starts the worker now (at startup), so that memory is steady and the first reload is quick. */
  warm(): void {
    this.#start();
  }

  load(path: string): Promise<{ config: McpgwConfig; text: string }> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#start().postMessage({ id, path, ...this.#parse } satisfies LoadRequest);
    });
  }

  /** Stops the worker (at shutdown). */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }

  /** The reply's config with its rules, positions replaced by the rules they refer to. */
  #withRules(reply: Extract<LoadReply, { ok: true }>): McpgwConfig {
    const last = this.#lastRules;
    const rules = reply.rules.map((rule) => (typeof rule === 'number' ? (last[rule] as RuleInput) : rule));
    this.#lastRules = rules;
    return { ...reply.config, policy: { ...reply.config.policy, rules } };
  }

  #start(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = new Worker(new URL('./config-worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (reply: LoadReply) => {
      // Every good reply moves the positions on, answered or not, as it did in the worker.
      const outcome = reply.ok ? { config: this.#withRules(reply), text: reply.text } : new ConfigLoadError(reply.message);
      const waiting = this.#waiting.get(reply.id);
      if (waiting === undefined) return;
      this.#waiting.delete(reply.id);
      if (outcome instanceof ConfigLoadError) waiting.reject(outcome);
      else waiting.resolve(outcome);
    });
    // A worker that dies fails what it was doing; the next load starts a new one.
    const fail = (error: Error) => {
      if (this.#worker === worker) {
        this.#worker = null;
        // A new worker knows no earlier reply.
        this.#lastRules = [];
      }
      for (const [id, waiting] of this.#waiting) {
        this.#waiting.delete(id);
        waiting.reject(new ConfigLoadError(`config loader failed: ${error.message}`));
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    this.#worker = worker;
    return worker;
  }
}
