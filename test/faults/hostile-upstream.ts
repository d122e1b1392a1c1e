// A hostile upstream for fault tests: a raw TCP server that reads each HTTP
// request the gateway forwards and answers it with scripted bytes — whatever
// bytes, split and paced as scripted, ending with a FIN, a reset, or a socket
// held open. The script for a request is chosen by its `x-fuzz-case` header.

import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** One step of an answer: bytes to write, a pause, or how the connection ends. */
export type Step =
  | { readonly write: Buffer }
  | { readonly pause: number }
  /** fin: end the connection; reset: RST it; hold: keep it open, silent, until the gateway closes it. */
  | { readonly close: 'fin' | 'reset' | 'hold' };

/** A scripted answer. Without a final `close` step the connection stays open for the next request. */
export interface Script {
  readonly steps: readonly Step[];
}

/** A request as it reached the upstream. */
export interface ForwardedRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface HostileUpstream {
  readonly url: string;
  /** Scripts by `x-fuzz-case` value; a request naming no script gets a 500 and a closed connection. */
  readonly scripts: Map<string, Script>;
  /** Requests received, by `x-fuzz-case` value. */
  readonly received: Map<string, ForwardedRequest[]>;
  close(): Promise<void>;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * Starts the upstream on 127.0.0.1 (OS-picked port). `holdCapMs` bounds a
 * `hold`: the upstream closes the connection itself after that long, so that
 * a gateway that never gives up cannot keep the test's sockets open.
 */
export async function startHostileUpstream(holdCapMs: number): Promise<HostileUpstream> {
  const scripts = new Map<string, Script>();
  const received = new Map<string, ForwardedRequest[]>();
  const sockets = new Set<Socket>();

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    let busy = false;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      void serveNext();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));

    async function serveNext(): Promise<void> {
      while (!busy && !socket.destroyed) {
        const request = takeRequest();
        if (request === null) return;
        busy = true;
        const name = request.headers['x-fuzz-case'] ?? '';
        const list = received.get(name) ?? [];
        list.push(request);
        received.set(name, list);
        const script = scripts.get(name) ?? { steps: [{ write: Buffer.from('HTTP/1.1 500 No Script\r\ncontent-length: 0\r\nconnection: close\r\n\r\n') }, { close: 'fin' }] };
        const open = await play(socket, script, holdCapMs);
        busy = false;
        if (!open) return;
      }
    }

    function takeRequest(): ForwardedRequest | null {
      const end = buffered.indexOf(HEAD_END);
      if (end === -1) return null;
      const lines = buffered.subarray(0, end).toString('latin1').split('\r\n');
      const method = (lines[0] ?? '').split(' ')[0] ?? '';
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0) || 0;
      if (buffered.length < end + 4 + length) return null;
      const body = buffered.subarray(end + 4, end + 4 + length);
      buffered = buffered.subarray(end + 4 + length);
      return { method, headers, body };
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    scripts,
    received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Plays a script on a socket; resolves with whether the connection stays open for another request. */
async function play(socket: Socket, script: Script, holdCapMs: number): Promise<boolean> {
  for (const step of script.steps) {
    if (socket.destroyed) return false;
    if ('write' in step) {
      socket.write(step.write);
    } else if ('pause' in step) {
      await new Promise((resolve) => setTimeout(resolve, step.pause));
    } else if (step.close === 'fin') {
      socket.end();
      return false;
    } else if (step.close === 'reset') {
      // Let the bytes already written leave first, so that the reset comes after them.
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (!socket.destroyed) socket.resetAndDestroy();
      return false;
    } else {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          socket.destroy();
          resolve();
        }, holdCapMs);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      return false;
    }
  }
  return !socket.destroyed;
}
