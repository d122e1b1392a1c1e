/**
 * No orphans (SPEC §10): the wrapped server ends with `mcpgw stdio` —
 * when the client closes stdin, when the client process exits or is killed
 * with SIGKILL (its pipes close), when mcpgw gets SIGTERM — and mcpgw
 * exits with the server's status.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { connect, EVERYTHING, FAKE_SERVER, INITIALIZE, isAlive, MCPGW, ROOT, spawnWrapper, StderrLines, stdioConfig, waitUntil } from './harness.js';

const RULES = `    - name: deny-image
      action: deny
      match: { tool: "^get-tiny-image$" }`;

/** `node sdk-client.mjs MODE` in front of mcpgw stdio and server-everything; resolves when it has listed the tools. */
async function sdkClientProcess(mode: 'exit' | 'wait', config: string) {
  const child = spawn(process.execPath, [`${ROOT}test/stdio/sdk-client.mjs`, mode, MCPGW, 'stdio', '--config', config, '--', ...EVERYTHING], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = new StderrLines(child.stderr);
  const ready = await new Promise<{ wrapper: number }>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line) as { wrapper: number }));
    child.once('exit', (code) => reject(new Error(`the client exited (${code}) before it was ready:\n${stderr.lines.map((l) => JSON.stringify(l)).join('\n')}`)));
  });
  return { child, stderr, wrapper: ready.wrapper, server: await stderr.serverPid() };
}

describe('mcpgw stdio ends its server, and exits with it', () => {
  it('the SDK client closes: the server and mcpgw are gone, exit 0', async () => {
    const { path } = stdioConfig(RULES);
    const { client, transport, stderr, pid } = await connect({ config: path });
    const server = await stderr.serverPid();
    expect(isAlive(server)).toBe(true);
    await client.close();
    await waitUntil(() => !isAlive(server) && !isAlive(pid), 3_000, 'server and mcpgw gone');
    expect(transport.pid).toBeNull();
    await stderr.waitFor((line) => line['msg'] === 'mcpgw stdio: server exited with code 0' && line['ended'] === 'client_closed');
  });

  it.each(['exit', 'wait'] as const)('the client process goes without closing (%s; wait = killed with SIGKILL): the server and mcpgw are gone', async (mode) => {
    const { path } = stdioConfig(RULES);
    const client = await sdkClientProcess(mode, path);
    expect(isAlive(client.server)).toBe(true);
    if (mode === 'wait') client.child.kill('SIGKILL');
    await waitUntil(() => !isAlive(client.server) && !isAlive(client.wrapper), 3_000, 'server and mcpgw gone');
  });

  it("SIGTERM to mcpgw: the server's stdin is closed, it exits, and mcpgw exits with its status", async () => {
    const { path } = stdioConfig(RULES);
    const wrapper = spawnWrapper(path, EVERYTHING);
    wrapper.child.stdin.write(INITIALIZE);
    const server = await wrapper.stderr.serverPid();
    await waitUntil(() => wrapper.lines.some((line) => line['id'] === 0), 5_000, 'initialize answered');
    wrapper.child.kill('SIGTERM');
    expect(await wrapper.exited).toBe(0);
    expect(isAlive(server)).toBe(false);
    await wrapper.stderr.waitFor((line) => line['msg'] === 'SIGTERM: ending the server');
  });

  it('a server that ignores its closed stdin and SIGTERM is killed after the grace periods: exit 137', async () => {
    const { path } = stdioConfig(RULES);
    const wrapper = spawnWrapper(path, [...FAKE_SERVER, 'ignore-term'], ['--grace', '0.3']);
    const server = await wrapper.stderr.serverPid();
    await wrapper.stderr.waitFor((line) => line['raw'] === `fake server: started (pid ${server})`);
    const closed = Date.now();
    wrapper.child.stdin.end();
    expect(await wrapper.exited).toBe(137);
    const took = Date.now() - closed;
    expect(took).toBeGreaterThanOrEqual(550);
    expect(took).toBeLessThan(2_500);
    expect(isAlive(server)).toBe(false);
    // The server's stderr is mcpgw's: SIGTERM came after the first grace period, and was ignored.
    await wrapper.stderr.waitFor((line) => line['raw'] === 'fake server: SIGTERM ignored');
  });

  it("the server exits by itself with 3: mcpgw exits 3, and the server's stderr was passed through", async () => {
    const { path } = stdioConfig(RULES);
    const wrapper = spawnWrapper(path, FAKE_SERVER);
    wrapper.child.stdin.write(INITIALIZE);
    wrapper.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'exit', arguments: { code: 3 } } })}\n`);
    expect(await wrapper.exited).toBe(3);
    await wrapper.stderr.waitFor((line) => typeof line['raw'] === 'string' && line['raw'].startsWith('fake server: started'));
    await wrapper.stderr.waitFor((line) => line['msg'] === 'mcpgw stdio: server exited with code 3' && line['ended'] === 'server_exited');
  });

  it('a server command that does not exist: one line on stderr, exit 127, nothing on stdout', async () => {
    const { path } = stdioConfig(RULES);
    const wrapper = spawnWrapper(path, ['mcpgw-no-such-server', '--flag']);
    expect(await wrapper.exited).toBe(127);
    expect(wrapper.lines).toEqual([]);
    await wrapper.stderr.waitFor((line) => line['raw'] === 'mcpgw stdio: cannot run "mcpgw-no-such-server": command not found (ENOENT)');
  });

  it('an invalid config: one report on stderr, exit 1, and the server is never started', async () => {
    const { path } = stdioConfig(RULES);
    writeFileSync(path, 'policy:\n  rules:\n    - name: x\n      action: denny\n');
    const wrapper = spawnWrapper(path, FAKE_SERVER);
    expect(await wrapper.exited).toBe(1);
    expect(wrapper.lines).toEqual([]);
    await wrapper.stderr.waitFor((line) => line['raw'] === `invalid config ${path}:`);
    expect(wrapper.stderr.lines.some((line) => String(line['raw']).startsWith('fake server'))).toBe(false);
  });

  it('--log-file: the log goes to the file; stderr carries only the server\'s, stdout only the protocol', async () => {
    const { dir, path } = stdioConfig(RULES);
    const log = join(dir, 'logs/mcpgw.log');
    const wrapper = spawnWrapper(path, FAKE_SERVER, ['--log-file', log]);
    wrapper.child.stdin.write(INITIALIZE);
    await waitUntil(() => wrapper.lines.some((line) => line['id'] === 0), 5_000, 'initialize answered');
    wrapper.child.stdin.end();
    expect(await wrapper.exited).toBe(0);
    expect(wrapper.lines.every((line) => line['jsonrpc'] === '2.0')).toBe(true);
    expect(wrapper.stderr.lines.map((line) => String(line['raw']))).toEqual([expect.stringMatching(/^fake server: started/)]);
    const logged = readFileSync(log, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { msg: string });
    expect(logged.map((line) => line.msg)).toEqual([expect.stringMatching(/^mcpgw stdio: serving node \(pid \d+\)$/), 'mcpgw stdio: server exited with code 0']);
  });
});
