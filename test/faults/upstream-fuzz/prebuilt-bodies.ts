import { gzipSync } from 'node:zlib';

/**
 * Compressed bodies past the gateway's default limits, built on first use
 * (compressing 65 MiB takes a while) and kept by whoever owns this object.
 */
export class PrebuiltBodies {
  #json: Buffer | null = null;
  #sse: Buffer | null = null;

  /** A gzip JSON answer that inflates past the 64 MiB response limit, with a secret at both ends. */
  jsonBomb(): Buffer {
    this.#json ??= gzipSync(Buffer.from(`{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"AKIAIOSFODNN7EXAMPLE ${'a'.repeat(65 * 1024 * 1024)} AKIAIOSFODNN7EXAMPLE"}]}}`));
    return this.#json;
  }

  /** A gzip SSE stream: one small event, then one past the 16 MiB event limit, secrets in both. */
  sseBomb(): Buffer {
    if (this.#sse === null) {
      const small = `data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"ghp_${'A1b2C3d4'.repeat(4)}abcd"}}\n\n`;
      const huge = `id: AKIAIOSFODNN7EXAMPLE\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"data":"AKIAIOSFODNN7EXAMPLE${'b'.repeat(17 * 1024 * 1024)}"}}\n\n`;
      this.#sse = gzipSync(Buffer.from(small + huge));
    }
    return this.#sse;
  }
}
