// A real MCP SDK upstream (McpServer + StreamableHTTPServerTransport) that
// records every HTTP request it received — raw bytes, before any parsing —
// and every tool that actually ran. Attack tests assert on this log: what a
// denied call would look like must never appear in it, and `exec` must never
// run. It also carries the "leaky" tools the secret-leak tests need.

import type { IncomingHttpHeaders, Server } from 'node:http';
import { buildRecordingServer } from './recording-tools.mjs';
import { startSdkHttpServer } from './sdk-http-server.js';

export { AWS_KEY, BLOB_WITH_SECRET, GITHUB_TOKEN, SECRET_PATTERN } from './recording-tools.mjs';

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  readonly body: Buffer;
}

export interface RecordingUpstream {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Every HTTP request that reached the upstream, in order. */
  readonly received: ReceivedRequest[];
  /** Tools whose handler actually ran, with their arguments. */
  readonly executed: Array<{ readonly tool: string; readonly args: Record<string, unknown> }>;
  /** All received bodies, as one latin1 string (to search for byte patterns). */
  receivedText(): string;
  ran(tool: string): number;
  close(): Promise<void>;
}

/** Starts the recording upstream on 127.0.0.1 (OS-picked port unless `port` is given). */
export async function startRecordingUpstream(options: { json?: boolean; port?: number } = {}): Promise<RecordingUpstream> {
  const received: ReceivedRequest[] = [];
  const executed: RecordingUpstream['executed'] = [];
  const http = await startSdkHttpServer({
    build: () => buildRecordingServer(executed),
    transport: { enableJsonResponse: options.json === true },
    onRequest: (req, body) => void received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }),
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  return {
    ...http,
    received,
    executed,
    receivedText: () => Buffer.concat(received.map((request) => request.body)).toString('latin1'),
    ran: (tool) => executed.filter((entry) => entry.tool === tool).length,
  };
}
