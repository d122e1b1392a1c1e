import type { Server } from 'node:http';
import { ErrorCodes } from '@mcpgw/core';
import { parseListenAddress } from './listen-address.js';
import { describeListenError } from './listen-error.js';
import { StartupError } from './startup-error.js';

/** Listens on `listen` (`host:port`); throws {@link StartupError} saying why it cannot. */
export async function listenServer(server: Server, listen: string): Promise<void> {
  const { host, port } = parseListenAddress(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    throw new StartupError(ErrorCodes.LISTEN_FAILED, describeListenError(error, listen, port), { cause: error });
  });
}
