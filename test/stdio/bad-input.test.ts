/**
 * Bad input either way never stops `mcpgw stdio` (SPEC §3: never crashes,
 * never hangs): a client line that is not JSON or not JSON-RPC gets a
 * JSON-RPC error, a 50 MB line is skipped without being held, and a server
 * that writes garbage to stdout never gets a byte of it to the client.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { auditEvents, FAKE_SERVER, INITIALIZE, spawnWrapper, stdioConfig, waitUntil } from './harness.js';

const RULES = `    - name: redact-keys
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}"]`;
const AWS_KEY = 'AKIAABCDEFGHIJKLMNOP';

/** Peak resident memory of a process, in bytes (Linux). */
function peakRss(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

const call = (id: number, name: string, args: Record<string, unknown> = {}) => `${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } })}\n`;

describe('mcpgw stdio and bad input from the client', () => {
  it('a line that is not JSON gets -32700, one that is not JSON-RPC -32600, and the next request is answered', async () => {
    const config = stdioConfig(RULES);
    const wrapper = spawnWrapper(config.path, FAKE_SERVER);
    wrapper.child.stdin.write(INITIALIZE);
    wrapper.child.stdin.write('this is not JSON\r\n');
    wrapper.child.stdin.write('{"jsonrpc":"2.0","id":7,"method":}\n');
    wrapper.child.stdin.write('{"id":8,"method":"tools/list"}\n');
    wrapper.child.stdin.write('[]\n');
    wrapper.child.stdin.write('\n  \n');
    wrapper.child.stdin.write(call(9, 'echo', { message: 'still here' }));
    await waitUntil(() => wrapper.lines.some((line) => line['id'] === 9), 5_000, 'the answer to 9');
    wrapper.child.stdin.end();
    expect(await wrapper.exited).toBe(0);

    const errors = wrapper.lines.filter((line) => line['error'] !== undefined);
    expect(errors).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error: the line is not valid JSON/) } },
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error: the line is not valid JSON/) } },
      { jsonrpc: '2.0', id: 8, error: { code: -32600, message: expect.stringContaining('"jsonrpc" must be "2.0"') } },
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request: empty batch' } },
    ]);
    expect(wrapper.lines.find((line) => line['id'] === 9)).toMatchObject({ result: { content: [{ text: 'still here' }] } });
    const refused = auditEvents(config.audit).filter((event) => event['event'] === 'request_refused');
    expect(refused.map((event) => [event['reason'], event['error_code'], event['status']])).toEqual([
      ['parse_error', -32700, null],
      ['parse_error', -32700, null],
      ['invalid_request', -32600, null],
    ]);
  });

  it('a 256 MB line is skipped without being held, answered with -32600 and its id, and audited', async () => {
    const config = stdioConfig(RULES);
    const wrapper = spawnWrapper(config.path, FAKE_SERVER);
    wrapper.child.stdin.write(INITIALIZE);
    await waitUntil(() => wrapper.lines.some((line) => line['id'] === 0), 5_000, 'initialize');
    const before = peakRss(wrapper.child.pid as number);
    // As the TypeScript SDK writes a request: its id comes last.
    const huge = `{"method":"tools/call","params":{"name":"echo","arguments":{"message":"${'z'.repeat(256 * 1024 * 1024)}"}},"jsonrpc":"2.0","id":41}\n`;
    const chunk = 1024 * 1024;
    for (let at = 0; at < huge.length; at += chunk) {
      if (!wrapper.child.stdin.write(huge.slice(at, at + chunk))) await new Promise((resolve) => wrapper.child.stdin.once('drain', resolve));
    }
    wrapper.child.stdin.write(call(42, 'echo', { message: 'after the big one' }));
    await waitUntil(() => wrapper.lines.some((line) => line['id'] === 42), 10_000, 'the answer to 42');
    const grown = peakRss(wrapper.child.pid as number) - before;
    wrapper.child.stdin.end();
    expect(await wrapper.exited).toBe(0);

    expect(wrapper.lines.find((line) => line['id'] === 41)).toEqual({
      jsonrpc: '2.0',
      id: 41,
      error: { code: -32600, message: `Invalid Request: the line (${huge.length - 1} bytes) is longer than the 4194304 bytes the gateway takes` },
    });
    // Held whole, the line alone would be 256 MB (twice that once joined). What is read is
    // garbage, which V8 collects in batches: Buffers live outside its heap, and it collects
    // them once tens of MB have piled up (60 MB seen on Node 20, 90 MB on Node 24), whatever
    // the line's length. The bound tells the two apart.
    expect(grown).toBeLessThan(160 * 1024 * 1024);
    expect(auditEvents(config.audit).find((event) => event['event'] === 'request_refused')).toMatchObject({ reason: 'line_too_long', bytes: huge.length - 1, error_code: -32600 });
  });
});

describe('mcpgw stdio and a server that writes garbage to stdout', () => {
  it('passes on only checked JSON-RPC: log lines, non-JSON-RPC, oversize and non-UTF-8 lines are dropped and audited', async () => {
    const config = stdioConfig(RULES);
    const wrapper = spawnWrapper(config.path, FAKE_SERVER);
    const stdout: Buffer[] = [];
    wrapper.child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    wrapper.child.stdin.write(INITIALIZE);
    wrapper.child.stdin.write(call(1, 'garbage', { secret: AWS_KEY }));
    wrapper.child.stdin.write(call(2, 'huge'));
    wrapper.child.stdin.write(call(3, 'echo', { message: 'alive' }));
    await waitUntil(() => wrapper.lines.some((line) => line['id'] === 3), 10_000, 'the answer to 3');
    wrapper.child.stdin.end();
    expect(await wrapper.exited).toBe(0);

    const text = Buffer.concat(stdout).toString('utf8');
    expect(text.length).toBeLessThan(10_000);
    expect(text).not.toContain(AWS_KEY);
    expect(text).not.toContain('log line');
    expect(wrapper.lines.filter((line) => line['raw'] !== undefined)).toEqual([]);
    expect(wrapper.lines.filter((line) => line['method'] === 'notifications/message')).toEqual([
      { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'the secret is [REDACTED]' } },
    ]);
    expect(wrapper.lines.find((line) => line['id'] === 1)).toMatchObject({ result: { content: [{ text: 'done with [REDACTED]' }] } });
    // The answer too long to pass on: the request fails instead of waiting for ever.
    expect(wrapper.lines.find((line) => line['id'] === 2)).toEqual({
      jsonrpc: '2.0',
      id: 2,
      error: { code: -32010, message: 'upstream "node" sent an answer the gateway cannot read', data: { upstream: 'node' } },
    });

    const drops = auditEvents(config.audit).filter((event) => event['event'] === 'server_message_dropped');
    expect(drops.map((event) => event['reason'])).toEqual(['parse_error', 'invalid_message', 'line_too_long', 'parse_error', 'line_too_long']);
    expect(JSON.stringify(auditEvents(config.audit))).not.toContain(AWS_KEY);
    expect(auditEvents(config.audit).find((event) => event['event'] === 'decision' && event['id'] === 2)).toMatchObject({ error_code: -32010, outcome: 'upstream_failed' });
    await wrapper.stderr.waitFor((line) => line['msg'] === 'server line dropped: not a JSON-RPC message: "jsonrpc" must be "2.0"');
  });
});
