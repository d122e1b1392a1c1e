// An HTTP server that serves MCP SDK servers over Streamable HTTP, one per
// session (created on `initialize`), for the upstreams of attack tests.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Server as McpLowLevelServer } from '@modelcontextprotocol/sdk/server/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport, type StreamableHTTPServerTransportOptions } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

export interface SdkHttpServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export interface SdkHttpServerOptions {
  /** A new SDK server for each session. */
  build(): McpServer | McpLowLevelServer;
  /** Transport options besides the session id generator and session bookkeeping. */
  readonly transport?: Omit<StreamableHTTPServerTransportOptions, 'sessionIdGenerator' | 'onsessioninitialized' | 'onsessionclosed'>;
  /** Sees every request with its raw body before the SDK does. */
  onRequest?(req: IncomingMessage, body: Buffer): void;
  readonly port?: number;
}

/** Starts the server on 127.0.0.1 (OS-picked port unless `port` is given). */
export async function startSdkHttpServer(options: SdkHttpServerOptions): Promise<SdkHttpServer> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const servers = new Set<McpServer | McpLowLevelServer>();
  const sockets = new Set<Socket>();
  const http = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks);
      options.onRequest?.(req, raw);
      let body: unknown;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'upstream: parse error' } }));
          return;
        }
      }
      const sessionId = req.headers['mcp-session-id'];
      let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
      if (transport === undefined) {
        if (req.method !== 'POST' || !isInitializeRequest(body)) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'upstream: no session' } }));
          return;
        }
        const server = options.build();
        servers.add(server);
        const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          ...options.transport,
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void transports.set(id, created),
          onsessionclosed: (id) => void transports.delete(id),
        });
        await server.connect(created);
        transport = created;
      }
      await transport.handleRequest(req, res, body);
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    }
  });
  http.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    server: http,
    close: async () => {
      for (const server of servers) await server.close().catch(() => undefined);
      http.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
