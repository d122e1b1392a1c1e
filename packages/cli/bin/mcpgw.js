#!/usr/bin/env node
// The `mcpgw` command. This file is committed, executable and plain
// JavaScript, not build output: npm links it at install time, before any
// build, and no build or build-cache replay can drop its executable bit.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('mcpgw: not built: run `npm run build` in the mcpgw repository first\n');
  process.exit(70);
}

import(cli.href)
  .then(({ main }) => main(process.argv.slice(2)))
  .then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`mcpgw: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(70);
    },
  );
