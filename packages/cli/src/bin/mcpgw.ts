#!/usr/bin/env node
import { main } from '../cli.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`mcpgw: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(70);
  },
);
