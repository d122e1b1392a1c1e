// createExchangeRuntime is how a proxy embedding mcpgw gets the runtime its
// exchanges share: these tests run real exchanges on it and read its audit.

import { describe, expect, it } from 'vitest';
import { compilePolicy, createExchangeRuntime, Exchange, GatewayError, parseConfig, PolicyHandle, type GatewayAuditEvent } from '../../src/index.js';
import { configWithRules } from '../helpers.js';

const handle = new PolicyHandle(compilePolicy(parseConfig(configWithRules('- name: deny-exec\n  action: deny\n  match: { method: tools/call, tool: "^exec$" }'))));
const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: {} } });

function runtimeWithAudit(options: Parameters<typeof createExchangeRuntime>[1] = {}) {
  const events: GatewayAuditEvent[] = [];
  const runtime = createExchangeRuntime(handle, { ...options, onAudit: (event) => events.push(event) });
  const exchange = () => new Exchange(runtime, { upstream: 'docs', client: '127.0.0.1', httpMethod: 'POST' });
  return { runtime, events, exchange };
}

describe('createExchangeRuntime', () => {
  it('takes batches of up to 100 messages by default, and refuses a larger one whole', async () => {
    const { runtime, exchange } = runtimeWithAudit();
    const admitted = await exchange().admit(Array.from({ length: 100 }, (_, i) => call(i + 1)));
    expect(admitted.forward).toBe(true);
    await expect(exchange().admit(Array.from({ length: 101 }, (_, i) => call(i + 1)))).rejects.toThrow(/a batch of 101 messages is more than the gateway takes \(100\)/);
    runtime.close();
  });

  it('refuses a batch over its batchMessages option', async () => {
    const { runtime, exchange } = runtimeWithAudit({ batchMessages: 2 });
    await expect(exchange().admit([call(1), call(2), call(3)])).rejects.toThrow(/a batch of 3 messages is more than the gateway takes \(2\)/);
    runtime.close();
  });

  it('writes, when closed, the count of refusals a flood left out', () => {
    const { runtime, events, exchange } = runtimeWithAudit();
    for (let i = 0; i < 25; i++) exchange().refuse(new GatewayError('parse_error', 'Parse error: the body is not valid JSON'));
    const beforeClose = events.length;
    expect(beforeClose).toBeLessThan(25);
    runtime.close();
    // The newest refusal left out is written, counting the others: every refusal is counted once.
    expect(events).toHaveLength(beforeClose + 1);
    expect(events.at(-1)).toMatchObject({ event: 'request_refused', reason: 'parse_error', suppressed: expect.any(Number) });
    const counted = events.reduce((sum, event) => sum + 1 + ('suppressed' in event ? (event.suppressed ?? 0) : 0), 0);
    expect(counted).toBe(25);
  });
});
