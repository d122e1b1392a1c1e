import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditEvents, ROOT, spawnWrapper, tempDir, waitUntil } from './harness.js';

/** The recording stdio server (test/stdio/recording-server.mjs); its record file is the last argument. */
const RECORDING_SERVER = [process.execPath, join(ROOT, 'test/stdio/recording-server.mjs')] as const;

/** What came of one line written to the wrapper. */
export interface StdioAnswer {
  /** The lines the wrapper wrote to its stdout for it, as written. */
  readonly texts: readonly string[];
  /** Those lines parsed (`{ raw }` for a line that is not JSON). */
  readonly lines: readonly unknown[];
  /** Their JSON-RPC messages, in order (a batch answer's one by one). */
  readonly messages: readonly unknown[];
  /** The lines the server read meanwhile, as it read them. */
  readonly received: readonly string[];
  /** The audit events the wrapper wrote meanwhile. */
  readonly audit: ReadonlyArray<Record<string, unknown>>;
}

const idKey = (id: unknown) => JSON.stringify(id);
const idOf = (message: unknown) => (typeof message === 'object' && message !== null && 'id' in message ? message.id : undefined);

/**
 * `mcpgw stdio --config FILE -- node recording-server.mjs RECORD` as a real
 * process, written to line by line: the config is the given text with an
 * audit log beside it, and the server records every byte it reads. Each
 * {@link exchange} ends with a barrier — a `ping` whose answer comes back
 * only after the wrapper has handled the line before it (it handles lines in
 * order, one at a time) and the server has read everything sent before it —
 * so that "nothing came back" and "nothing was forwarded" are checked at a
 * known point, not after a guessed delay.
 */
export class RecordingWrapper {
  readonly #wrapper: ReturnType<typeof spawnWrapper>;
  readonly #record: string;
  readonly #audit: string;
  #barriers = 0;

  private constructor(configText: string) {
    const dir = tempDir('mcpgw-table-stdio-');
    const config = join(dir, 'mcpgw.yaml');
    writeFileSync(config, `${configText}audit:\n  path: audit.jsonl\n`);
    this.#record = join(dir, 'received.log');
    this.#audit = join(dir, 'audit.jsonl');
    writeFileSync(this.#record, '');
    this.#wrapper = spawnWrapper(config, [...RECORDING_SERVER, this.#record]);
  }

  /** Starts the wrapper and its server, and opens the MCP session (initialize under `protocol`, then initialized). */
  static async start(configText: string, protocol: string): Promise<RecordingWrapper> {
    const wrapper = new RecordingWrapper(configText);
    const initialize = { jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: protocol, capabilities: {}, clientInfo: { name: 'behaviour-table', version: '1' } } };
    const answer = await wrapper.exchange(JSON.stringify(initialize), ['init'], 10_000);
    const negotiated = (answer.messages[0] as { result?: { protocolVersion?: unknown } } | undefined)?.result?.protocolVersion;
    if (negotiated !== protocol) throw new Error(`initialize: the server did not take ${protocol}: ${answer.texts.join('\n')}`);
    await wrapper.exchange(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), []);
    return wrapper;
  }

  /**
   * Writes `body` as one line (its bytes, then `\n`), waits until a message
   * with each of `ids` came back (an id twice: two messages), then for the
   * barrier; returns what came of the line.
   */
  async exchange(body: string | Buffer, ids: readonly unknown[], ms = 5_000): Promise<StdioAnswer> {
    const { texts, lines } = this.#wrapper;
    const start = texts.length;
    const receivedBefore = this.#received().length;
    const auditBefore = auditEvents(this.#audit).length;
    this.#wrapper.child.stdin.write(Buffer.concat([Buffer.isBuffer(body) ? body : Buffer.from(body), Buffer.from('\n')]));

    const messagesSince = () => lines.slice(start).flatMap((line) => (Array.isArray(line) ? line : [line]));
    const wanted = ids.map(idKey);
    const shown = () => `waiting for ids ${wanted.join(', ')}; got:\n${texts.slice(start).join('\n')}\nstderr:\n${this.#wrapper.stderr.lines.map((line) => JSON.stringify(line)).join('\n')}`;
    const arrived = () => {
      const got = messagesSince().map((message) => idKey(idOf(message)));
      return wanted.every((id) => got.filter((other) => other === id).length >= wanted.filter((other) => other === id).length);
    };
    await waitUntil(arrived, ms).catch(() => {
      throw new Error(shown());
    });

    const barrier = `barrier-${++this.#barriers}`;
    this.#wrapper.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: barrier, method: 'ping' })}\n`);
    await waitUntil(() => lines.slice(start).some((line) => idOf(line) === barrier), ms).catch(() => {
      throw new Error(`no answer to the barrier ${barrier}; ${shown()}`);
    });

    const mine = texts.map((_, index) => index).filter((index) => index >= start && idOf(lines[index]) !== barrier);
    const received = this.#received().slice(receivedBefore);
    if (!received.at(-1)?.includes(`"${barrier}"`)) throw new Error(`the server's last line is not the barrier: ${received.at(-1)}`);
    return {
      texts: mine.map((index) => texts[index] as string),
      lines: mine.map((index) => lines[index]),
      messages: mine.flatMap((index) => (Array.isArray(lines[index]) ? (lines[index] as unknown[]) : [lines[index]])),
      received: received.slice(0, -1),
      audit: auditEvents(this.#audit)
        .slice(auditBefore)
        .filter((event) => event['id'] !== barrier),
    };
  }

  /** Closes the wrapper's stdin, as an MCP client ends a stdio server, and waits for it to exit. */
  async stop(): Promise<void> {
    const { child, exited } = this.#wrapper;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** The complete lines the server has read so far. */
  #received(): string[] {
    const text = readFileSync(this.#record, 'utf8');
    return text.split('\n').slice(0, -1);
  }
}
