import { describe, expect, it } from 'vitest';
import { checkMirroredHeaders, paramHeadersOf, protocolEra } from '../../src/internal.js';

const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };
const call = (name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name, arguments: args, _meta: META },
});
const modern = (extra: Record<string, string> = {}): Record<string, string> => ({ 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', ...extra });
const b64 = (text: string) => `=?base64?${Buffer.from(text, 'utf8').toString('base64')}?=`;

describe('protocolEra', () => {
  it('is modern from 2026-07-28 on, by header or by the body _meta', () => {
    expect(protocolEra({ 'mcp-protocol-version': '2026-07-28' }, {})).toBe('modern');
    expect(protocolEra({ 'mcp-protocol-version': '2027-01-01' }, {})).toBe('modern');
    expect(protocolEra({ 'mcp-protocol-version': '2025-11-25' }, {})).toBe('legacy');
    expect(protocolEra({}, call('x'))).toBe('modern');
    expect(protocolEra({}, { jsonrpc: '2.0', id: 1, method: 'ping' })).toBe('legacy');
  });
});

describe('checkMirroredHeaders', () => {
  it('accepts headers that mirror the body', () => {
    expect(checkMirroredHeaders(call('get_weather'), modern({ 'mcp-name': 'get_weather' }))).toEqual({ ok: true });
    expect(checkMirroredHeaders(call('天気'), modern({ 'mcp-name': b64('天気') }))).toEqual({ ok: true });
    const read = { jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'file:///a b', _meta: META } };
    expect(checkMirroredHeaders(read, modern({ 'mcp-method': 'resources/read', 'mcp-name': 'file:///a b' }))).toEqual({ ok: true });
  });

  it('refuses a method or name header that disagrees with the body', () => {
    expect(checkMirroredHeaders(call('exec'), modern({ 'mcp-method': 'tools/list', 'mcp-name': 'exec' }))).toEqual({
      ok: false,
      message: "Header mismatch: Mcp-Method header value 'tools/list' does not match body value 'tools/call'",
    });
    expect(checkMirroredHeaders(call('exec'), modern({ 'mcp-name': 'echo' }))).toEqual({
      ok: false,
      message: "Header mismatch: Mcp-Name header value 'echo' does not match body value 'exec'",
    });
    expect(checkMirroredHeaders(call('exec'), modern({ 'mcp-name': b64('echo') })).ok).toBe(false);
  });

  it('requires the standard headers in the modern era', () => {
    expect(checkMirroredHeaders(call('x'), { 'mcp-protocol-version': '2026-07-28', 'mcp-name': 'x' })).toEqual({
      ok: false,
      message: 'Header mismatch: required header Mcp-Method is missing',
    });
    expect(checkMirroredHeaders(call('x'), modern())).toEqual({ ok: false, message: 'Header mismatch: required header Mcp-Name is missing' });
    expect(checkMirroredHeaders(call('x'), { 'mcp-method': 'tools/call', 'mcp-name': 'x' })).toEqual({
      ok: false,
      message: 'Header mismatch: required header MCP-Protocol-Version is missing',
    });
  });

  it('refuses a protocol version header that disagrees with the body', () => {
    expect(checkMirroredHeaders(call('x'), modern({ 'mcp-name': 'x', 'mcp-protocol-version': '2027-01-01' })).ok).toBe(false);
  });

  it('checks mirrored headers that are present even on legacy traffic', () => {
    const legacy = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'exec' } };
    expect(checkMirroredHeaders(legacy, { 'mcp-protocol-version': '2025-11-25' })).toEqual({ ok: true });
    expect(checkMirroredHeaders(legacy, { 'mcp-protocol-version': '2025-11-25', 'mcp-name': 'echo' }).ok).toBe(false);
    expect(checkMirroredHeaders(legacy, { 'mcp-method': 'ping' }).ok).toBe(false);
    // A name header on a method that has no name mirrors nothing: refused.
    expect(checkMirroredHeaders({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-name': 'exec' }).ok).toBe(false);
  });

  it('refuses malformed values', () => {
    expect(checkMirroredHeaders(call('x'), modern({ 'mcp-name': '=?base64?!!!?=' })).ok).toBe(false);
    expect(checkMirroredHeaders(call('x'), modern({ 'mcp-name': 'x\u0001' })).ok).toBe(false);
    expect(checkMirroredHeaders(call('x'), modern({ 'mcp-name': `=?base64?${Buffer.from([0xff, 0xfe]).toString('base64')}?=` })).ok).toBe(false);
  });

  it('checks Mcp-Param-* headers against the arguments when the annotations are known', () => {
    const tool = {
      name: 'execute_sql',
      inputSchema: {
        type: 'object',
        properties: {
          region: { type: 'string', 'x-mcp-header': 'Region' },
          limit: { type: 'integer', 'x-mcp-header': 'Limit' },
          opts: { type: 'object', properties: { dry: { type: 'boolean', 'x-mcp-header': 'Dry' } } },
          query: { type: 'string' },
        },
      },
    };
    const annotations = paramHeadersOf(tool);
    expect([...annotations]).toEqual(
      expect.arrayContaining([
        ['mcp-param-region', ['region']],
        ['mcp-param-limit', ['limit']],
        ['mcp-param-dry', ['opts', 'dry']],
      ]),
    );
    const body = call('execute_sql', { region: 'us-west1', limit: 42, opts: { dry: true }, query: 'SELECT 1' });
    const headers = modern({ 'mcp-name': 'execute_sql', 'mcp-param-region': 'us-west1', 'mcp-param-limit': '42.0', 'mcp-param-dry': 'true' });
    expect(checkMirroredHeaders(body, headers, annotations)).toEqual({ ok: true });
    expect(checkMirroredHeaders(body, { ...headers, 'mcp-param-region': 'eu-west1' }, annotations)).toEqual({
      ok: false,
      message: 'Header mismatch: Mcp-Param-Region header value does not match the body',
    });
    const { 'mcp-param-region': _, ...missing } = headers;
    expect(checkMirroredHeaders(body, missing, annotations)).toEqual({ ok: false, message: 'Header mismatch: required header Mcp-Param-Region is missing' });
    // Without annotations the upstream, which knows its schema, checks them.
    expect(checkMirroredHeaders(body, { ...headers, 'mcp-param-region': 'eu-west1' })).toEqual({ ok: true });
  });
});
