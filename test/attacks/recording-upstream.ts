// A real MCP SDK upstream (McpServer + StreamableHTTPServerTransport) that
// records every HTTP request it received — raw bytes, before any parsing —
// and every tool that actually ran. Attack tests assert on this log: what a
// denied call would look like must never appear in it, and `exec` must never
// run. It also carries the "leaky" tools the secret-leak tests need.

import type { IncomingHttpHeaders, Server } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateMessageResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { startSdkHttpServer } from './sdk-http-server.js';

export const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
export const GITHUB_TOKEN = `ghp_${'a1B2c3D4e5'.repeat(3)}abcdef`;
/** Both redact patterns of the test policy, to search raw bytes with. */
export const SECRET_PATTERN = /AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}/;
/** A base64 `blob` whose decoded bytes carry AWS_KEY (the patterns cannot see it). */
export const BLOB_WITH_SECRET = Buffer.from(`key=${AWS_KEY}`).toString('base64');

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

function buildServer(executed: RecordingUpstream['executed']): McpServer {
  const server = new McpServer({ name: 'recording-upstream', version: '1.0.0' }, { capabilities: { logging: {} } });
  const ran = (tool: string, args: Record<string, unknown>) => executed.push({ tool, args });

  server.registerTool('echo', { inputSchema: { text: z.string().optional() } }, async (args) => {
    ran('echo', args);
    return { content: [{ type: 'text', text: String(args.text ?? '') }] };
  });
  server.registerTool('exec', { inputSchema: { cmd: z.string().optional() } }, async (args) => {
    ran('exec', args);
    return { content: [{ type: 'text', text: `ran ${String(args.cmd)}` }] };
  });
  server.registerTool('search', { inputSchema: { q: z.string().optional() } }, async (args) => {
    ran('search', args);
    return { content: [{ type: 'text', text: `results for ${args.q ?? ''}` }] };
  });
  server.registerTool(
    'get_config',
    { outputSchema: { aws: z.string(), nested: z.object({ token: z.string() }) } },
    async () => {
      ran('get_config', {});
      return {
        content: [{ type: 'text', text: `aws=${AWS_KEY} github=${GITHUB_TOKEN}` }],
        structuredContent: { aws: AWS_KEY, nested: { token: GITHUB_TOKEN } },
      };
    },
  );
  server.registerTool('fail', {}, async () => {
    ran('fail', {});
    return { content: [{ type: 'text', text: `failed with ${AWS_KEY}` }], structuredContent: { why: GITHUB_TOKEN }, isError: true };
  });
  server.registerTool('throws', {}, async () => {
    ran('throws', {});
    throw new Error(`boom: ${AWS_KEY}`);
  });
  server.registerTool('keys', {}, async () => {
    ran('keys', {});
    // A secret as an object KEY of the result.
    return { content: [{ type: 'text', text: 'see structuredContent' }], structuredContent: { [AWS_KEY]: 'value', nested: { [GITHUB_TOKEN]: { [AWS_KEY]: 1 } } } };
  });
  server.registerTool('chatty', {}, async (extra) => {
    ran('chatty', {});
    const token = extra._meta?.progressToken;
    if (token !== undefined) {
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 2, message: `progress ${AWS_KEY}` } });
    }
    // A logging notification on the request's own stream.
    await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', logger: `logger-${GITHUB_TOKEN}`, data: { line: `log ${AWS_KEY}` } } });
    return { content: [{ type: 'text', text: 'chatty done' }] };
  });
  server.registerTool('slow', { inputSchema: { ms: z.number().optional() } }, async (args, extra) => {
    ran('slow', args);
    const token = extra._meta?.progressToken;
    const steps = 5;
    for (let i = 1; i <= steps; i++) {
      await new Promise((resolve) => setTimeout(resolve, (args.ms ?? 500) / steps));
      if (extra.signal.aborted) return { content: [{ type: 'text', text: 'cancelled' }] };
      if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps } });
    }
    return { content: [{ type: 'text', text: 'slow done' }] };
  });
  server.registerTool('ask', {}, async (extra) => {
    ran('ask', {});
    const answer = await extra.sendRequest(
      {
        method: 'sampling/createMessage',
        params: { messages: [{ role: 'user', content: { type: 'text', text: `summarize ${GITHUB_TOKEN}` } }], systemPrompt: `key ${AWS_KEY}`, maxTokens: 10 },
      },
      CreateMessageResultSchema,
    );
    return { content: [{ type: 'text', text: `client said: ${answer.content.type === 'text' ? answer.content.text : ''}` }] };
  });
  server.registerResource('settings', 'file:///settings.env', { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: `AWS_ACCESS_KEY_ID=${AWS_KEY}` }],
  }));
  server.registerResource('blob', 'file:///key.bin', { mimeType: 'application/octet-stream' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'application/octet-stream', blob: BLOB_WITH_SECRET }],
  }));
  return server;
}

/** Starts the recording upstream on 127.0.0.1 (OS-picked port unless `port` is given). */
export async function startRecordingUpstream(options: { json?: boolean; port?: number } = {}): Promise<RecordingUpstream> {
  const received: ReceivedRequest[] = [];
  const executed: RecordingUpstream['executed'] = [];
  const http = await startSdkHttpServer({
    build: () => buildServer(executed),
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
