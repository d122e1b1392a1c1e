import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../daemon/harness.js';
import { bash, codeBlocks, installScriptWarnings, sh } from './shell.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;
const UNINSTALL = 'npm uninstall -g mcpgw @mcpgw/stdio @mcpgw/express @mcpgw/core';

/** Every file called `name` below `dir`. */
function findFiles(dir: string, name: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.split('/').pop() === name)
    .map((path) => join(dir, path));
}

describe("README's Install section", () => {
  it('puts a self-contained mcpgw on the PATH from a clone, as printed, and removes it again', { timeout: 600_000 }, async () => {
    const blocks = codeBlocks('README.md', '## Install');
    const install = blocks.find((block) => block.includes('npm install -g'));
    expect(install, 'the README block that installs globally').toBeDefined();
    // The README's commands exactly, with npm's global prefix moved to a
    // scratch directory (npm_config_prefix) so that nothing lands in the
    // machine's own global install.
    const prefix = tempDir('mcpgw-prefix-');
    const env = {
      npm_config_prefix: prefix,
      npm_config_prefer_offline: 'true',
      TMPDIR: tempDir('mcpgw-packs-'),
      PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
    };
    const result = await bash(install ?? '', { env });
    expect(result.code, result.stderr).toBe(0);
    expect(installScriptWarnings(result.stdout + result.stderr)).toEqual([]);
    expect(result.stdout).toMatch(new RegExp(`\\n${VERSION.replaceAll('.', '\\.')}\\nexamples/mcpgw\\.yaml: ok \\(upstreams=1, rules=3\\)\\n$`));

    // `mcpgw` on that PATH is the one installed in the prefix.
    expect((await bash('command -v mcpgw', { env })).stdout).toBe(`${join(prefix, 'bin/mcpgw')}\n`);
    expect(await sh(join(prefix, 'bin/mcpgw'), ['--version'], { cwd: prefix })).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });

    // Self-contained: copies, not links into the clone; the daemon's own
    // packages and re2's compiled addon resolve inside the prefix.
    const modules = join(prefix, 'lib/node_modules');
    for (const name of ['mcpgw', '@mcpgw/core', '@mcpgw/express', '@mcpgw/stdio']) {
      expect(lstatSync(join(modules, name)).isDirectory(), name).toBe(true);
    }
    const fromDaemon = createRequire(join(modules, 'mcpgw/package.json'));
    for (const name of ['@mcpgw/core', '@mcpgw/express', '@mcpgw/stdio']) {
      expect(realpathSync(fromDaemon.resolve(name)).startsWith(realpathSync(prefix)), name).toBe(true);
    }
    expect(findFiles(modules, 're2.node').length).toBeGreaterThan(0);

    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`\`${UNINSTALL}\``);
    const removed = await bash(UNINSTALL, { env });
    expect(removed.code, removed.stderr).toBe(0);
    expect(existsSync(join(prefix, 'bin/mcpgw'))).toBe(false);
    expect(findFiles(modules, 'package.json')).toEqual([]);
  });
});
