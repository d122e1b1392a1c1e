import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../daemon/harness.js';
import { bash, codeBlocks, installScriptWarnings, sh, type Ran } from './shell.js';

/** What `npm pack --json` says of one tarball. */
interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: ReadonlyArray<{ path: string; mode: number }>;
}

const PACKAGES = [
  { dir: 'packages/core', name: '@mcpgw/core' },
  { dir: 'packages/express-adapter', name: '@mcpgw/express' },
  { dir: 'packages/stdio-adapter', name: '@mcpgw/stdio' },
  { dir: 'packages/cli', name: 'mcpgw' },
] as const;
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;
const LICENSE = readFileSync(join(ROOT, 'LICENSE'), 'utf8');

/** A script that uses @mcpgw/core as the package README shows, and checks what it got. */
const CORE_SCRIPT = `
import assert from 'node:assert/strict';
import { compilePolicy, ConfigError, parseConfig, PolicyHandle } from '@mcpgw/core';

const config = parseConfig(\`
upstreams:
  - { name: demo, url: "http://127.0.0.1:3001/mcp" }
policy:
  rules:
    - { name: deny-shell, action: deny, match: { method: tools/call, tool: "^exec$" } }
    - { name: redact-keys, action: redact, patterns: ["AKIA[0-9A-Z]{16}"] }
\`);
const handle = new PolicyHandle(compilePolicy(config));
const lease = handle.acquire();
const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'key AKIAABCDEFGHIJKLMNOP' } } };
const decision = await lease.evaluate(call, { upstream: 'demo' });
assert.equal(decision.forward, true);
assert.equal(decision.message.params.arguments.text, 'key [REDACTED]');
const answer = lease.policy.redactResponse({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'AKIAABCDEFGHIJKLMNOP' }] } }, decision.responseScope);
assert.equal(answer.message.result.content[0].text, '[REDACTED]');
const denied = await lease.evaluate({ ...call, params: { name: 'exec', arguments: {} } }, { upstream: 'demo' });
assert.equal(denied.reply.error.code, -32003);
lease.release();

// RE2 compiled the patterns: it refuses a backreference, which V8's RegExp accepts.
assert.throws(
  () => parseConfig('upstreams: [{ name: demo, url: "http://127.0.0.1:3001/mcp" }]\\npolicy: { rules: [{ name: r, action: redact, patterns: ["(a)\\\\\\\\1"] }] }'),
  (error) => error instanceof ConfigError && /invalid regex on rule "r"/.test(error.message),
);
console.log('core ok');
`;

/** A script that mounts @mcpgw/express in an Express app and asks it for a denied tool. */
const EXPRESS_SCRIPT = `
import assert from 'node:assert/strict';
import express from 'express';
import { compilePolicy, parseConfig, PolicyHandle } from '@mcpgw/core';
import { mcpGateway } from '@mcpgw/express';

const config = parseConfig(\`
upstreams:
  - { name: demo, url: "http://127.0.0.1:9/mcp" }
default_upstream: demo
policy:
  rules:
    - { name: deny-shell, action: deny, match: { method: tools/call, tool: "^exec$" }, message: shell tools are disabled }
\`);
const handle = new PolicyHandle(compilePolicy(config));
const audit = [];
const app = express();
app.use('/mcp', mcpGateway({ handle, upstreams: config.upstreams, routes: config.routes, defaultUpstream: config.default_upstream, onAudit: (event) => audit.push(event) }));
app.get('/other', (req, res) => res.send('other route'));
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = \`http://127.0.0.1:\${server.address().port}\`;
const answer = await fetch(\`\${base}/mcp\`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'exec', arguments: { command: 'ls' } } }),
});
assert.equal(answer.status, 200);
assert.deepEqual((await answer.json()).error, { code: -32003, message: 'denied by policy: shell tools are disabled', data: { rule: 'deny-shell', generation: 1 } });
assert.equal(await (await fetch(\`\${base}/other\`)).text(), 'other route');
assert.deepEqual(audit.map((event) => event.action), ['deny']);
server.close();
console.log('express ok');
`;

/** The folder the package READMEs pack into; the test moves it to a scratch folder. */
const README_PACKS = '/tmp/mcpgw-packs';

/**
 * A package README's install block as printed, split at its "# in your
 * project:" line, with README_PACKS moved to `packs` (a folder that does not
 * exist yet, as on a fresh machine).
 */
function readmeInstall(readme: string, packs: string): { clone: string; project: string } {
  const block = codeBlocks(readme, '## Install').find((text) => text.includes('npm pack'));
  if (block === undefined) throw new Error(`${readme} has no install block under "## Install"`);
  if (!block.includes(README_PACKS)) throw new Error(`${readme}'s install block no longer uses ${README_PACKS}; update this test`);
  const [clone, project, ...rest] = block.replaceAll(README_PACKS, packs).split('# in your project:\n');
  if (clone === undefined || project === undefined || rest.length > 0) throw new Error(`${readme}'s install block has no single "# in your project:" line`);
  return { clone, project };
}

/** Runs a package README's install block: its first half in the clone, its second in a new empty ESM project; resolves with the project and what the install printed. */
async function installAsReadmeSays(readme: string, env: NodeJS.ProcessEnv): Promise<{ project: string; ran: Ran }> {
  const { clone, project: inProject } = readmeInstall(readme, join(tempDir('mcpgw-readme-'), 'mcpgw-packs'));
  const packed = await bash(clone, { env });
  if (packed.code !== 0) return { project: '', ran: packed };
  const project = tempDir('mcpgw-consumer-');
  const setUp = await bash('npm init -y && npm pkg set type=module', { cwd: project, env });
  expect(setUp.code, setUp.stderr).toBe(0);
  return { project, ran: await bash(inProject, { cwd: project, env }) };
}

describe('npm pack of each package', () => {
  let packs: string;
  let packed: Packed[];
  const installs: Record<string, { project: string; ran: Ran }> = {};
  const env = { npm_config_prefer_offline: 'true', npm_config_yes: 'false' };

  /** The project a README's install block set up; throws when that install failed (never the clone, as a fallback). */
  const projectOf = (readme: string): string => {
    const install = installs[readme];
    if (install === undefined || install.ran.code !== 0) throw new Error(`${readme}'s install block failed; see its test`);
    return install.project;
  };

  beforeAll(async () => {
    packs = tempDir('mcpgw-packs-');
    const pack = await sh('npm', ['pack', '--workspaces', '--pack-destination', packs, '--json']);
    expect(pack.code, pack.stderr).toBe(0);
    packed = JSON.parse(pack.stdout) as Packed[];
    // Each package README's install block, as printed, each in its own empty project.
    for (const readme of ['packages/core/README.md', 'packages/express-adapter/README.md']) installs[readme] = await installAsReadmeSays(readme, env);
    // The daemon next to the libraries (re2 is built already), with @mcpgw/stdio, which it depends on.
    const express = installs['packages/express-adapter/README.md'];
    const cli = packed.find((tarball) => tarball.name === 'mcpgw');
    const stdio = packed.find((tarball) => tarball.name === '@mcpgw/stdio');
    if (express !== undefined && express.ran.code === 0 && cli !== undefined && stdio !== undefined) {
      const added = await sh('npm', ['install', join(packs, stdio.filename), join(packs, cli.filename)], { cwd: express.project, env });
      expect(added.code, added.stderr).toBe(0);
    }
  }, 600_000);

  it('ships dist, bin, README and LICENSE, and no tests or build state', () => {
    expect(packed.map((tarball) => tarball.name).sort()).toEqual(PACKAGES.map((pkg) => pkg.name).sort());
    for (const { name, files } of packed) {
      const paths = files.map((file) => file.path);
      expect(paths, name).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']));
      expect(paths.filter((path) => /(^|\/)test\/|\.test\.|tsbuildinfo|node_modules/.test(path)), name).toEqual([]);
    }
    const cli = packed.find((tarball) => tarball.name === 'mcpgw');
    expect(cli?.files.find((file) => file.path === 'bin/mcpgw.js')?.mode).toBe(0o755);
  });

  it('each package.json names its license, Node range, entry points and files', () => {
    for (const { dir, name } of PACKAGES) {
      const manifest = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(manifest, name).toMatchObject({
        name,
        license: 'Apache-2.0',
        engines: { node: '>=20.11' },
        type: 'module',
        types: './dist/index.d.ts',
        exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
        repository: { type: 'git', directory: dir },
      });
      expect(readFileSync(join(ROOT, dir, 'LICENSE'), 'utf8'), `${dir}/LICENSE`).toBe(LICENSE);
      expect(existsSync(join(ROOT, dir, 'README.md')), `${dir}/README.md`).toBe(true);
    }
  });

  it.each(['packages/core/README.md', 'packages/express-adapter/README.md'])('%s: its install block, run as printed, installs in an empty project with no warning about install scripts, and re2 is built', (readme) => {
    const install = installs[readme];
    expect(install?.ran.code, `${install?.ran.stdout}\n${install?.ran.stderr}`).toBe(0);
    expect(installScriptWarnings(`${install?.ran.stdout}${install?.ran.stderr}`)).toEqual([]);
    expect(existsSync(join(install?.project ?? '', 'node_modules/re2/build/Release/re2.node'))).toBe(true);
  });

  it("runs @mcpgw/core's Use snippet as printed", async () => {
    const snippet = codeBlocks('packages/core/README.md', '## Use', 'js')[0];
    expect(snippet).toBeDefined();
    const project = projectOf('packages/core/README.md');
    writeFileSync(join(project, 'use.mjs'), snippet ?? '');
    expect(await sh(process.execPath, ['use.mjs'], { cwd: project })).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('runs npx mcpgw --version and mcpgw validate there', async () => {
    const project = projectOf('packages/express-adapter/README.md');
    expect(await sh('npx', ['mcpgw', '--version'], { cwd: project, env })).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    copyFileSync(join(ROOT, 'examples/mcpgw.yaml'), join(project, 'mcpgw.yaml'));
    const path = `${join(project, 'node_modules/.bin')}:${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`;
    const validated = await sh('mcpgw', ['validate', '--config', 'mcpgw.yaml'], { cwd: project, env: { PATH: path } });
    expect(validated).toEqual({ code: 0, stdout: 'mcpgw.yaml: ok (upstreams=1, rules=3)\n', stderr: '' });
  });

  it('parses, compiles and applies a policy with @mcpgw/core, patterns in RE2', async () => {
    const project = projectOf('packages/core/README.md');
    writeFileSync(join(project, 'core.mjs'), CORE_SCRIPT);
    expect(await sh(process.execPath, ['core.mjs'], { cwd: project })).toEqual({ code: 0, stdout: 'core ok\n', stderr: '' });
  });

  it('serves a policy in an Express app with @mcpgw/express', async () => {
    const project = projectOf('packages/express-adapter/README.md');
    writeFileSync(join(project, 'express.mjs'), EXPRESS_SCRIPT);
    expect(await sh(process.execPath, ['express.mjs'], { cwd: project })).toEqual({ code: 0, stdout: 'express ok\n', stderr: '' });
  });
});
