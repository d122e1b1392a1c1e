// A real MCP SDK server (low-level Server + StreamableHTTPServerTransport)
// with an event store, whose handlers end the POST's response stream early
// (`closeSSEStream`, the 2025-11-25 polling pattern) and answer later: the
// SDK client then resumes with GET + Last-Event-ID and receives the answer
// on that stream, not on the POST it sent.

import type { Server } from 'node:http';
import { Server as McpLowLevelServer } from '@modelcontextprotocol/sdk/server/index.js';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startSdkHttpServer } from './sdk-http-server.js';

export const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';

export interface PollingUpstream {
  readonly url: string;
  readonly server: Server;
  /** The Last-Event-ID of every GET that reached the upstream (undefined: a new stream). */
  readonly gets: Array<string | undefined>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function buildServer(answerDelayMs: number): McpLowLevelServer {
  const server = new McpLowLevelServer({ name: 'polling-upstream', version: '1.0.0' }, { capabilities: { tools: {}, logging: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    extra.closeSSEStream?.();
    await sleep(answerDelayMs);
    return {
      tools: [
        { name: 'read_env', inputSchema: { type: 'object' } },
        { name: 'exec', description: `runs anything; key ${AWS_KEY}`, inputSchema: { type: 'object' } },
      ],
    };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    extra.closeSSEStream?.();
    await sleep(answerDelayMs);
    // A notification on the request's stream, delivered on the resumed stream.
    await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: `log ${AWS_KEY}` } });
    return { content: [{ type: 'text', text: `${request.params.name}: aws_access_key_id=${AWS_KEY}` }] };
  });
  return server;
}

/** Starts the polling upstream on 127.0.0.1 (OS-picked port). */
export async function startPollingUpstream(options: { answerDelayMs?: number; retryMs?: number } = {}): Promise<PollingUpstream> {
  const gets: Array<string | undefined> = [];
  const http = await startSdkHttpServer({
    build: () => buildServer(options.answerDelayMs ?? 150),
    transport: { eventStore: new InMemoryEventStore(), retryInterval: options.retryMs ?? 50 },
    onRequest: (req) => {
      if (req.method === 'GET') gets.push(req.headers['last-event-id'] as string | undefined);
    },
  });
  return { ...http, gets };
}
