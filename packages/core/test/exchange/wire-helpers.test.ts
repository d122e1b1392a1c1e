import { describe, expect, it } from 'vitest';
import { GatewayError, parseJsonBody, sessionIdOf } from '../../src/index.js';

const nested = (depth: number): Buffer => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('sessionIdOf', () => {
  it('is the Mcp-Session-Id of a 2025-era request', () => {
    expect(sessionIdOf({ 'mcp-session-id': 'abc', 'mcp-protocol-version': '2025-11-25' })).toBe('abc');
    expect(sessionIdOf({ 'mcp-session-id': 'abc' })).toBe('abc');
    expect(sessionIdOf(new Headers({ 'Mcp-Session-Id': 'abc' }))).toBe('abc');
  });

  it('ignores a leftover Mcp-Session-Id from 2026-07-28 on, which has no sessions', () => {
    expect(sessionIdOf({ 'mcp-session-id': 'abc', 'mcp-protocol-version': '2026-07-28' })).toBeUndefined();
  });

  it('is undefined without the header, or without headers', () => {
    expect(sessionIdOf({})).toBeUndefined();
    expect(sessionIdOf(undefined)).toBeUndefined();
  });
});

describe('parseJsonBody', () => {
  it('refuses by default a body nested deeper than redaction goes (1,000 levels)', () => {
    expect(parseJsonBody(nested(1_000))).toHaveLength(1);
    expect(() => parseJsonBody(nested(1_001))).toThrow(new GatewayError('parse_error', 'Parse error: the JSON nests deeper than 1000 levels'));
  });

  it('takes another bound', () => {
    expect(() => parseJsonBody(nested(3), 2)).toThrow('nests deeper than 2 levels');
  });
});
