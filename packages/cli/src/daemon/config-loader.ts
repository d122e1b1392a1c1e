import { Worker } from 'node:worker_threads';
import { ErrorCodes, McpgwError, type McpgwConfig, type ParseConfigOptions } from '@mcpgw/core';

/** What the daemon asks the config worker. */
export interface LoadRequest {
  readonly id: number;
  readonly path: string;
  /** `false` for `mcpgw stdio`, whose config may list no upstreams. */
  readonly requireUpstreams?: boolean;
}

/** What the config worker answers: the checked config and the text it was parsed from, or why not. */
export type LoadReply =
  | { readonly id: number; readonly ok: true; readonly text: string; readonly config: McpgwConfig }
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
 * daemon compiles it on its own thread (RE2 objects cannot cross threads).
 */
export class ConfigLoader {
  readonly #parse: Pick<ParseConfigOptions, 'requireUpstreams'>;
  #worker: Worker | null = null;
  #nextId = 0;
  readonly #waiting = new Map<number, { resolve: (value: { config: McpgwConfig; text: string }) => void; reject: (error: Error) => void }>();

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

  #start(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = new Worker(new URL('./config-worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (reply: LoadReply) => {
      const waiting = this.#waiting.get(reply.id);
      if (waiting === undefined) return;
      this.#waiting.delete(reply.id);
      if (reply.ok) waiting.resolve({ config: reply.config, text: reply.text });
      else waiting.reject(new ConfigLoadError(reply.message));
    });
    // A worker that dies fails what it was doing; the next load starts a new one.
    const fail = (error: Error) => {
      if (this.#worker === worker) this.#worker = null;
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
