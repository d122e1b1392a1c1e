// The well-formed client side of the upstream fuzzer: MCP requests of every
// kind the gateway forwards (calls, lists, batches, notifications, GET and
// DELETE, both protocol eras). They carry no secret, so any secret a client
// sees came from the upstream.

import type { Random } from '../random.js';

/** One HTTP request a client sends through the gateway. */
export interface ClientCall {
  readonly kind: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | null;
  /** The JSON-RPC requests in the body (each gets one audit `decision` line). */
  readonly requests: ReadonlyArray<{ readonly id: number; readonly method: string }>;
}

const TOOLS = ['echo', 'search', 'read_file'];

/** The client request of case `index`; its JSON-RPC ids are `index * 10 + k`, unique in a run. */
export function clientCall(g: Random, index: number, fuzzHeader: string): ClientCall {
  const id = (k: number) => index * 10 + k;
  const kind = g.weighted<string>([
    [40, 'tools/call'],
    [14, 'tools/list'],
    [7, 'batch'],
    [5, 'initialize'],
    [4, 'ping'],
    [6, 'notification'],
    [10, 'GET'],
    [3, 'DELETE'],
    [2, 'HEAD'],
    [3, 'denied tools/call'],
    [6, 'modern tools/call'],
  ]);
  const headers: Record<string, string> = { [fuzzHeader]: String(index) };
  if (g.chance(0.5)) headers['mcp-session-id'] = 'fuzz-session-1';

  if (kind === 'GET' || kind === 'DELETE' || kind === 'HEAD') {
    if (kind === 'GET') headers['accept'] = 'text/event-stream';
    headers['mcp-protocol-version'] = '2025-06-18';
    return { kind, method: kind, headers, body: null, requests: [] };
  }

  headers['content-type'] = 'application/json';
  headers['accept'] = g.weighted([
    [8, 'application/json, text/event-stream'],
    [1, 'application/json'],
    [1, 'text/event-stream'],
  ]);
  const call = (k: number, name = g.pick(TOOLS)) => ({ jsonrpc: '2.0', id: id(k), method: 'tools/call', params: { name, arguments: { text: `hello ${k}` } } });
  const list = (k: number) => ({ jsonrpc: '2.0', id: id(k), method: 'tools/list', params: {} });
  const ping = (k: number) => ({ jsonrpc: '2.0', id: id(k), method: 'ping' });

  let messages: Array<Record<string, unknown>>;
  let batch = false;
  switch (kind) {
    case 'tools/call':
      messages = [call(0)];
      break;
    case 'tools/list':
      messages = [list(0)];
      break;
    case 'batch':
      batch = true;
      messages = Array.from({ length: g.between(2, 4) }, (_, k) => g.pick([call, list, ping])(k));
      break;
    case 'initialize':
      messages = [{ jsonrpc: '2.0', id: id(0), method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'upstream-fuzz', version: '1' } } }];
      break;
    case 'ping':
      messages = [ping(0)];
      break;
    case 'notification':
      messages = [g.chance(0.5) ? { jsonrpc: '2.0', method: 'notifications/initialized' } : { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 'fuzz' } }];
      break;
    case 'denied tools/call':
      messages = [call(0, 'exec')];
      break;
    default: {
      // 2026-07-28: one message per POST, the body mirrored into headers, no session.
      const name = g.pick(TOOLS);
      messages = [g.chance(0.7) ? call(0, name) : list(0)];
      const first = messages[0] as { method: string };
      headers['mcp-protocol-version'] = '2026-07-28';
      headers['mcp-method'] = first.method;
      if (first.method === 'tools/call') headers['mcp-name'] = name;
      delete headers['mcp-session-id'];
    }
  }
  if (kind !== 'modern tools/call' && g.chance(0.7)) headers['mcp-protocol-version'] = '2025-06-18';
  const requests = messages.filter((m) => m['id'] !== undefined).map((m) => ({ id: m['id'] as number, method: m['method'] as string }));
  const body = Buffer.from(JSON.stringify(batch ? messages : messages[0]));
  return { kind, method: 'POST', headers, body, requests };
}
