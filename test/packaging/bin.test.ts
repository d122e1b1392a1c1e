import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../daemon/harness.js';
import { bash, codeBlocks, sh } from './shell.js';

const BIN = join(ROOT, 'packages/cli/bin/mcpgw.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;

/** A copy of the bin in a package directory of its own, with the given dist/cli.js (or none). */
function packageWithBin(cliJs?: string): string {
  const dir = tempDir('mcpgw-bin-');
  mkdirSync(join(dir, 'bin'));
  copyFileSync(BIN, join(dir, 'bin/mcpgw.js'));
  if (cliJs !== undefined) {
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist/cli.js'), cliJs);
  }
  return join(dir, 'bin/mcpgw.js');
}

describe('the mcpgw command', () => {
  it('is a committed executable file, so that no build or cache replay decides its mode', async () => {
    const { stdout } = await sh('git', ['ls-files', '-s', 'packages/cli/bin/mcpgw.js']);
    expect(stdout).toMatch(/^100755 [0-9a-f]+ 0\tpackages\/cli\/bin\/mcpgw\.js\n$/);
    expect(statSync(BIN).mode & 0o111).toBe(0o111);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(manifest.bin).toEqual({ mcpgw: './bin/mcpgw.js' });
    expect(manifest.files).toContain('bin');
  });

  it('runs as `npx mcpgw --version` at the root of the repository', async () => {
    expect(existsSync(join(ROOT, 'node_modules/.bin/mcpgw')), 'npm install (or npm ci) links node_modules/.bin/mcpgw; run it once').toBe(true);
    // npm_config_yes=false: if the workspace's bin were not linked, npx would
    // fail here instead of fetching some other package called mcpgw.
    const result = await sh('npx', ['mcpgw', '--version'], { env: { npm_config_yes: 'false' } });
    expect(result).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('runs by its own path, through its shebang', async () => {
    const result = await sh(BIN, ['--version']);
    expect(result).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('says in one line to build first when dist/ does not exist', async () => {
    const result = await sh(process.execPath, [packageWithBin(), '--version']);
    expect(result).toEqual({ code: 70, stdout: '', stderr: 'mcpgw: not built: run `npm run build` in the mcpgw repository first\n' });
  });

  it('turns an unexpected error into one line and exit 70', async () => {
    const bin = packageWithBin(`export async function main(argv) { throw new Error('broken: ' + argv.join(' ')); }\n`);
    const result = await sh(process.execPath, [bin, 'serve', '--config', 'x.yaml']);
    expect(result).toEqual({ code: 70, stdout: '', stderr: 'mcpgw: unexpected error: broken: serve --config x.yaml\n' });
  });

  it('exits with the code main resolves to', async () => {
    const bin = packageWithBin(`export async function main(argv) { return Number(argv[0]); }\n`);
    expect((await sh(process.execPath, [bin, '3'])).code).toBe(3);
  });
});

describe("README's Install section", () => {
  it('runs npx mcpgw in the clone as printed', async () => {
    const block = codeBlocks('README.md', '## Install').find((text) => text.includes('npx mcpgw'));
    expect(block).toBe('npx mcpgw --version\nnpx mcpgw validate --config examples/mcpgw.yaml\n');
    const result = await bash(block ?? '', { env: { npm_config_yes: 'false' } });
    expect(result).toEqual({ code: 0, stdout: `${VERSION}\nexamples/mcpgw.yaml: ok (upstreams=1, rules=3)\n`, stderr: '' });
  });
});
