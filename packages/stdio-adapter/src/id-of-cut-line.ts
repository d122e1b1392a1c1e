import type { JsonRpcId } from '@mcpgw/core';

const VALUE = String.raw`(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|"(?:[^"\\\x00-\x1f]|\\.){0,200}"|null)`;
/** `"id"` as the first member of the object, or the second after `"jsonrpc":"2.0"` (Python SDK order). */
const AT_START = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${VALUE}\s*[,}]`);
/** `"id"` as the last member of the object (TypeScript SDK order: method, params, jsonrpc, id). */
const AT_END = new RegExp(String.raw`[,{]\s*"id"\s*:\s*${VALUE}\s*\}\s*$`);

/**
 * The JSON-RPC id of a message that cannot be parsed — a line too long to
 * keep (of which only both ends were kept), or one cut short — when it can
 * be read with certainty from the object's first or last member: a `"id"`
 * that opens the object (after `"jsonrpc"`, at most), or that closes it (its
 * `}` is the last character of the line, so no nested object can end
 * there). `undefined` otherwise: the message is then answered with id
 * `null`, as JSON-RPC says.
 *
 * @example
 * idOfCutLine(Buffer.from('{"method":"tools/call","params":{'), Buffer.from('…"}},"jsonrpc":"2.0","id":7}')); // 7
 */
export function idOfCutLine(head: Buffer, tail: Buffer): JsonRpcId | undefined {
  const start = AT_START.exec(head.toString('latin1'))?.[1];
  const end = AT_END.exec(tail.toString('latin1'))?.[1];
  const text = start ?? end;
  if (text === undefined) return undefined;
  // Both ends name an id and disagree: no certainty.
  if (start !== undefined && end !== undefined && start !== end) return undefined;
  try {
    const id = JSON.parse(Buffer.from(text, 'latin1').toString('utf8')) as unknown;
    return typeof id === 'string' || typeof id === 'number' || id === null ? id : undefined;
  } catch {
    return undefined;
  }
}
