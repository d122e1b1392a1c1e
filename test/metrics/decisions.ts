// The calls the metrics suites make through the daemon with the official MCP
// SDK client, and the policy they meet: allowed, denied and rate-limited calls.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** `exec` is denied; `echo` is limited to 2 calls a minute; `search` meets no rule. */
export const METRICS_RULES = `    - name: deny-exec
      action: deny
      match: { method: tools/call, tool: "^exec$" }
    - name: limit-echo
      action: rate_limit
      match: { method: tools/call, tool: "^echo$" }
      limit: 2
      window: 1m`;

/** What {@link makeDecisions} leads to, as `mcpgw_requests_total{method="tools/call"}` counts by action. */
export const EXPECTED_CALLS = { allow: 4, deny: 1, rate_limit: 2 } as const;

/** Connects the SDK client to `url`. */
export async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'metrics-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** Makes the calls of {@link EXPECTED_CALLS} in one session: 2 `search` and 4 `echo` (2 pass, 2 limited), 1 `exec`. */
export async function makeDecisions(url: string): Promise<void> {
  const client = await connect(url);
  try {
    for (let i = 0; i < 2; i++) await client.callTool({ name: 'search', arguments: { query: `q${i}` } });
    for (let i = 0; i < 4; i++) await client.callTool({ name: 'echo', arguments: { text: `e${i}` } }).catch((error: Error) => expectRefusal(error, -32029));
    await client.callTool({ name: 'exec', arguments: { command: 'ls' } }).then(
      () => Promise.reject(new Error('exec was not denied')),
      (error: Error) => expectRefusal(error, -32003),
    );
  } finally {
    await client.close();
  }
}

function expectRefusal(error: Error & { code?: number }, code: number): void {
  if (error.code !== code) throw error;
}
