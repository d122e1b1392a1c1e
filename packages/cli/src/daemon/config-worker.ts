// Runs in a worker thread: reads and validates mcpgw.yaml off the daemon's
// event loop (a large file takes long enough to parse and check to stall
// the requests in flight; see docs/benchmarks.md). See ConfigLoader.
import { readFile } from 'node:fs/promises';
import { constants, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { ConfigError, parseConfig } from '@mcpgw/core';
import type { LoadReply, LoadRequest } from './config-loader.js';
import { describeReadError } from './read-error.js';

// A reload is background work: on Linux this lowers the priority of this
// thread only (nice values are per thread), so that under CPU pressure the
// requests in flight go first and the reload waits.
try {
  setPriority(constants.priority.PRIORITY_LOW);
} catch {
  // not permitted here: the reload simply competes as an equal
}

parentPort?.on('message', (request: LoadRequest) => {
  void load(request).then((reply) => parentPort?.postMessage(reply));
});

async function load({ id, path, requireUpstreams }: LoadRequest): Promise<LoadReply> {
  try {
    const text = await readFile(path, 'utf8');
    const config = parseConfig(text, requireUpstreams === undefined ? {} : { requireUpstreams });
    return { id, ok: true, text, config };
  } catch (error) {
    // A ConfigError's one-line form; a file that cannot be read in the words startup uses.
    const message = error instanceof ConfigError ? error.message : describeReadError(error, path);
    return { id, ok: false, message };
  }
}
