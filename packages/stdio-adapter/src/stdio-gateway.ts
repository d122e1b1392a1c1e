import type { Readable, Writable } from 'node:stream';
import type { PolicyHandle, RequestTracer } from '@mcpgw/core';
import { MAX_REDACTION_DEPTH } from '@mcpgw/core/internal';
import { idOfCutLine } from './id-of-cut-line.js';
import { LineFramer, type FramedItem } from './line-framer.js';
import { isBlank, parseLine } from './parse-line.js';
import type { ServerExit, ServerProcess } from './server-process.js';
import { writeLine } from './write-line.js';
import { DEFAULT_POLICY_LIMITS, StdioPolicy, type StdioAuditListener, type StdioPolicyLimits, type UnansweredOutcome } from './stdio-policy.js';

/** Size bounds of a {@link StdioGateway}. */
export interface StdioLimits extends StdioPolicyLimits {
  /** One line of the client (refused past it; as the HTTP adapter's body limit). */
  readonly clientLineBytes: number;
  /** One line of the server (dropped past it; as the HTTP adapter's limit on one SSE event). */
  readonly serverLineBytes: number;
  /** JSON nesting depth of a line, either way. */
  readonly depth: number;
}

export const DEFAULT_STDIO_LIMITS: StdioLimits = Object.freeze({
  ...DEFAULT_POLICY_LIMITS,
  clientLineBytes: 4 * 1024 * 1024,
  serverLineBytes: 16 * 1024 * 1024,
  depth: MAX_REDACTION_DEPTH,
});

export interface StdioGatewayOptions {
  readonly handle: PolicyHandle;
  /** The server, started (see {@link ServerProcess.spawn}). */
  readonly server: ServerProcess;
  /** Its name: what `match.upstream` matches and audit events call `upstream`. */
  readonly serverName: string;
  /** Where the client writes (default `process.stdin`). */
  readonly input?: Readable;
  /** Where the client reads (default `process.stdout`): nothing else may write there. */
  readonly output?: Writable;
  readonly onAudit?: StdioAuditListener;
  /** Traces each request and its call to the server (see {@link RequestTracer}). */
  readonly tracer?: RequestTracer;
  readonly limits?: Partial<StdioLimits>;
}

/** How a stdio exchange ended. */
export interface StdioOutcome {
  /** What ended it: the client closed its side (input ended, or output broke), the wrapper was stopped, or the server exited by itself. */
  readonly ended: 'client_closed' | 'stopped' | 'server_exited';
  readonly exit: ServerExit;
}

/**
 * One MCP client and one stdio server, with a policy between them (SPEC
 * §10): reads newline-delimited JSON-RPC from `input`, decides on each line
 * with a {@link StdioPolicy} and writes what is allowed to the server's
 * stdin; reads the server's stdout, and writes what the policy makes of it
 * to `output`. Lines are handled in order, one at a time each way, with
 * backpressure both ways. Bad input never stops it: a line that is not JSON
 * or too long is answered with a JSON-RPC error; a server line that is not a
 * message is dropped (audited).
 *
 * It ends with the server: when the client closes `input` (or `output`
 * breaks), or on {@link stop}, the server is ended ({@link ServerProcess.end});
 * {@link done} resolves once the server has exited and its output has been
 * relayed.
 */
export class StdioGateway {
  readonly #server: ServerProcess;
  readonly #serverName: string;
  readonly #input: Readable;
  readonly #output: Writable;
  readonly #policy: StdioPolicy;
  readonly #limits: StdioLimits;
  #ended: StdioOutcome['ended'] | null = null;
  #clientGone = false;
  /** The output is corked: the server's lines of one chunk go out in one write. */
  #corked = false;
  readonly done: Promise<StdioOutcome>;

  private constructor(options: StdioGatewayOptions) {
    this.#server = options.server;
    this.#serverName = options.serverName;
    this.#input = options.input ?? process.stdin;
    this.#output = options.output ?? process.stdout;
    this.#limits = { ...DEFAULT_STDIO_LIMITS, ...options.limits };
    this.#policy = new StdioPolicy({ handle: options.handle, server: options.serverName, limits: this.#limits, ...(options.onAudit === undefined ? {} : { onAudit: options.onAudit }), ...(options.tracer === undefined ? {} : { tracer: options.tracer }) });
    // A client that goes away while we write must not crash the wrapper with EPIPE.
    this.#output.on('error', () => {
      this.#clientGone = true;
      this.#end('client_closed');
    });
    this.done = this.#run();
  }

  /** Starts relaying between `input`/`output` and the server. */
  static start(options: StdioGatewayOptions): StdioGateway {
    return new StdioGateway(options);
  }

  /** Requests sent to the server and not answered yet. */
  get pending(): number {
    return this.#policy.pending;
  }

  /** Ends the server (the wrapper was signalled); a second call kills it now. */
  stop(): void {
    if (this.#ended !== null) this.#server.kill();
    this.#end('stopped');
  }

  async #run(): Promise<StdioOutcome> {
    void this.#pumpClient();
    const relayed = this.#pumpServer();
    const exit = await this.#server.exited;
    await relayed;
    const ended = this.#ended ?? 'server_exited';
    const outcome: UnansweredOutcome = this.#clientGone ? 'client_closed' : ended === 'server_exited' ? 'upstream_failed' : 'no_response';
    this.#policy.close(outcome, `upstream "${this.#serverName}" ${describeExit(exit)}`);
    return { ended, exit };
  }

  #end(why: StdioOutcome['ended']): void {
    if (this.#ended !== null) return;
    this.#ended = why;
    void this.#server.end();
  }

  async #pumpClient(): Promise<void> {
    const framer = new LineFramer(this.#limits.clientLineBytes);
    try {
      for await (const chunk of this.#input as AsyncIterable<Buffer | string>) {
        // The lines of one chunk go to the server in one write (one system call, not one a line).
        const items = framer.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        const corked = items.length > 1 && this.#cork(this.#server.stdin);
        for (const item of items) await this.#fromClient(item);
        if (corked) this.#uncork(this.#server.stdin);
      }
      for (const item of framer.end()) await this.#fromClient(item);
    } catch {
      // A broken input is a client gone.
    }
    this.#end('client_closed');
  }

  async #fromClient(item: FramedItem): Promise<void> {
    if (this.#server.exit !== null) return;
    if (item.kind === 'too_long') {
      const message = `Invalid Request: the line (${item.length} bytes) is longer than the ${this.#limits.clientLineBytes} bytes the gateway takes`;
      return this.#toClient(this.#policy.refuseClientLine('line_too_long', { message, id: idOfCutLine(item.head, item.tail), bytes: item.length }));
    }
    if (isBlank(item.bytes)) return;
    const parsed = parseLine(item.bytes, this.#limits.depth);
    if (!parsed.ok) return this.#toClient(this.#policy.refuseClientLine('parse_error', { message: `Parse error: ${parsed.problem}`, bytes: item.bytes.length }));
    const verdict = await this.#policy.fromClient(parsed.value);
    if (verdict.toClient !== null) await this.#toClient(verdict.toClient);
    if (verdict.toServer !== null) await writeLine(this.#server.stdin, verdict.toServer);
  }

  async #pumpServer(): Promise<void> {
    const framer = new LineFramer(this.#limits.serverLineBytes);
    try {
      for await (const chunk of this.#server.stdout as AsyncIterable<Buffer>) {
        const items = framer.push(chunk);
        this.#corked = items.length > 1 && this.#cork(this.#output);
        for (const item of items) await this.#fromServer(item);
        if (this.#corked) this.#uncork(this.#output);
        this.#corked = false;
      }
      for (const item of framer.end()) await this.#fromServer(item);
    } catch {
      // The pipe broke: the server is going; its exit tells the rest.
    }
  }

  async #fromServer(item: FramedItem): Promise<void> {
    if (item.kind === 'too_long') {
      const message = `a line of ${item.length} bytes, longer than the ${this.#limits.serverLineBytes} bytes the gateway takes`;
      const answer = this.#policy.dropServerLine('line_too_long', { message, id: idOfCutLine(item.head, item.tail), bytes: item.length });
      if (answer !== null) await this.#toClient(answer);
      return;
    }
    if (isBlank(item.bytes)) return;
    const parsed = parseLine(item.bytes, this.#limits.depth);
    if (!parsed.ok) {
      const text = item.bytes.toString('latin1');
      const answer = this.#policy.dropServerLine('parse_error', { message: parsed.problem, id: idOfCutLine(Buffer.from(text.slice(0, 256), 'latin1'), Buffer.from(text.slice(-256), 'latin1')), bytes: item.bytes.length });
      if (answer !== null) await this.#toClient(answer);
      return;
    }
    const out = this.#policy.fromServer(parsed.value, parsed.text);
    if (out === null) return;
    await this.#toClient(out);
    // A notification goes out on its own, not in one write with the answer after it: the MCP
    // SDK's client handles a notification a microtask after a response that came in the same
    // read, so the last progress notification would reach it after its request had ended.
    if (this.#corked && !Array.isArray(parsed.value) && typeof parsed.value === 'object' && parsed.value !== null && 'method' in parsed.value) {
      this.#uncork(this.#output);
      this.#cork(this.#output);
    }
  }

  #cork(...streams: Writable[]): true {
    for (const stream of streams) stream.cork();
    return true;
  }

  #uncork(...streams: Writable[]): void {
    for (const stream of streams) stream.uncork();
  }

  #toClient(text: string): Promise<void> | undefined {
    if (this.#clientGone) return undefined;
    return writeLine(this.#output, text);
  }
}

function describeExit(exit: ServerExit): string {
  if (exit.error !== undefined) return `could not be started: ${exit.error.code ?? exit.error.message}`;
  return exit.signal === null ? `exited with code ${exit.code}` : `was ended by ${exit.signal}`;
}
