/**
 * `mcpgw stdio` between a client and a server that both try to get bytes
 * past the policy: what reaches the other side is checked byte for byte
 * (raw-server.mjs records every line it reads).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditEvents, INITIALIZE, ROOT, spawnWrapper, stdioConfig, waitUntil } from './harness.js';

const RULES = `    - name: no-writes
      action: deny
      match: { method: tools/call, tool: "^write_file$" }
    - name: redact-keys
      action: redact
      patterns: ["AKIA[0-9A-Z]{16}"]`;
const AWS_KEY = 'AKIAABCDEFGHIJKLMNOP';

/** mcpgw stdio in front of raw-server.mjs; `received()` is every line the server read. */
function start() {
  const config = stdioConfig(RULES);
  const log = join(config.dir, 'server.log');
  writeFileSync(log, '');
  process.env['RAW_SERVER_LOG'] = log;
  const wrapper = spawnWrapper(config.path, [process.execPath, join(ROOT, 'test/stdio/raw-server.mjs')]);
  wrapper.child.stdin.write(INITIALIZE);
  return { config, wrapper, received: () => readFileSync(log, 'utf8') };
}

const line = (message: Record<string, unknown>) => `${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`;

describe('mcpgw stdio between hostile peers', () => {
  it("never forwards a secret in a client message's id or method: the message is refused (-32600), not passed on", async () => {
    const { config, wrapper, received } = start();
    wrapper.child.stdin.write(line({ id: AWS_KEY, method: 'tools/call', params: { name: 'echo' } }));
    wrapper.child.stdin.write(line({ id: 2, method: `x/${AWS_KEY}`, params: {} }));
    wrapper.child.stdin.write(line({ method: `notifications/${AWS_KEY}` }));
    wrapper.child.stdin.write(line({ id: 3, method: 'ping' }));
    await waitUntil(() => wrapper.lines.some((message) => message['id'] === 3), 5_000, 'the answer to 3');
    wrapper.child.stdin.end();
    expect(await wrapper.exited).toBe(0);

    expect(received()).not.toContain(AWS_KEY);
    expect(received()).toContain('"method":"ping"');
    const refused = wrapper.lines.filter((message) => message['error'] !== undefined);
    expect(refused).toEqual([
      { jsonrpc: '2.0', id: AWS_KEY, error: { code: -32600, message: expect.stringContaining('a redact rule') } },
      { jsonrpc: '2.0', id: 2, error: { code: -32600, message: expect.stringContaining('a redact rule') } },
    ]);
    const decisions = auditEvents(config.audit).filter((event) => event['event'] === 'decision' && event['error_code'] === -32600);
    expect(decisions).toHaveLength(3);
    expect(readFileSync(config.audit, 'utf8')).not.toContain(AWS_KEY);
  });

  it('passes a server line with a bare CR in it (JSON whitespace) on as one line: no reader splits what the gateway checked as one message', async () => {
    const { wrapper } = start();
    const lines = ['{"jsonrpc":"2.0","method":"notifications/message",\r"params":{"level":"info","data":"x"}}', '{"jsonrpc":"2.0",\r"id":$ID,"result":{"ok":1}}'];
    wrapper.child.stdin.write(line({ id: 1, method: 'tools/call', params: { name: 'raw', arguments: { lines } } }));
    await waitUntil(() => wrapper.lines.some((message) => message['id'] === 1), 5_000, 'the answer to 1');
    wrapper.child.stdin.end();
    expect(await wrapper.exited).toBe(0);
    // The harness reads lines as Node's readline does, which ends a line at a CR too.
    expect(wrapper.lines.filter((message) => 'raw' in message)).toEqual([]);
    expect(wrapper.lines).toContainEqual({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } });
    expect(wrapper.lines).toContainEqual({ jsonrpc: '2.0', id: 1, result: { ok: 1 } });
  });
});
