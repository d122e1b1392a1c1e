import { readFile } from 'node:fs/promises';
import { ConfigError, parseConfig } from '@mcpgw/core';
import type { CliIo } from '../cli-io.js';
import { describeReadError } from '../daemon/read-error.js';

/** `mcpgw validate`: exit 0 with a one-line summary, or 1 listing every problem (SPEC §6). */
export async function validateCommand(path: string, io: CliIo): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    io.err(`${describeReadError(error, path)}\n`);
    return 1;
  }
  try {
    const config = parseConfig(text);
    io.out(`${path}: ok (upstreams=${config.upstreams.length}, rules=${config.policy.rules.length})\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`${error.format(path)}\n`);
    return 1;
  }
}
