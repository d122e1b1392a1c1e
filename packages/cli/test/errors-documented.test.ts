import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, ErrorCodes, GatewayError, JsonRpcErrorCodes, type GatewayErrorKind, type WireAnswer } from '@mcpgw/core';

const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

/** The rows of the table under "JSON-RPC error codes sent to clients": code → its HTTP cell. */
function jsonRpcTable(): Map<number, string> {
  const start = docs.indexOf('## JSON-RPC error codes sent to clients');
  const end = docs.indexOf('\n## ', start + 1);
  const rows = new Map<number, string>();
  for (const line of docs.slice(start, end).split('\n')) {
    const cells = /^\| `(-?\d+)` \| ([^|]*) \|/.exec(line);
    if (cells !== null) rows.set(Number(cells[1]), cells[2] as string);
  }
  return rows;
}

describe('docs/errors.md and the error codes, both ways', () => {
  const headings = [...docs.matchAll(/^### `(MCPGW_ERR_[A-Z_]+)`$/gm)].map((match) => match[1]);
  const codes = Object.values(ErrorCodes);

  it.each(codes)('%s is documented in docs/errors.md with a heading', (code) => {
    expect(headings).toContain(code);
  });

  it('every MCPGW_ERR_ heading names a code that exists', () => {
    expect(headings.length).toBeGreaterThan(0);
    expect(headings.filter((heading) => !codes.includes(heading as (typeof codes)[number]))).toEqual([]);
  });

  it('the JSON-RPC table lists exactly the codes of JsonRpcErrorCodes', () => {
    expect([...jsonRpcTable().keys()].sort()).toEqual(Object.values(JsonRpcErrorCodes).sort());
  });

  const wire = Object.entries(ERRORS) as Array<[string, WireAnswer]>;

  it.each(wire)('the row of the JSON-RPC code that %s is answered with gives its HTTP status', (_code, { httpStatus, rpcCode }) => {
    expect(jsonRpcTable().get(rpcCode)).toContain(String(httpStatus));
  });

  it.each(wire)('the section of %s starts with its HTTP status and JSON-RPC code', (code, { httpStatus, rpcCode }) => {
    const section = docs.slice(docs.indexOf(`### \`${code}\``)).split('\n')[1];
    expect(section).toMatch(new RegExp(`^${httpStatus}, \`${rpcCode}\``));
  });

  it.each(wire)('a GatewayError of the kind of %s carries that code, status and JSON-RPC code', (code, { httpStatus, rpcCode }) => {
    const error = new GatewayError(code.slice('MCPGW_ERR_'.length).toLowerCase() as GatewayErrorKind, 'message');
    expect({ code: error.code, httpStatus: error.httpStatus, rpcCode: error.rpcCode }).toEqual({ code, httpStatus, rpcCode });
  });

  it('documents no code that MCP or its SDKs define as a gateway error', () => {
    for (const reserved of [-32000, -32001, -32002, -32042]) expect(jsonRpcTable().has(reserved), String(reserved)).toBe(false);
  });
});
