import { describe, expect, it } from 'vitest';
import { parseLine } from '../src/parse-line.js';

describe('parseLine', () => {
  it('gives the line as it came, or serialized again when a CR in it would end a line for readline or SSE', () => {
    const plain = parseLine(Buffer.from('{"jsonrpc":"2.0", "id":1,"result":{}}'), 10);
    expect(plain).toEqual({ ok: true, value: { jsonrpc: '2.0', id: 1, result: {} }, text: '{"jsonrpc":"2.0", "id":1,"result":{}}' });
    const cr = parseLine(Buffer.from('{"jsonrpc":"2.0",\r"method":"x"}'), 10);
    expect(cr).toEqual({ ok: true, value: { jsonrpc: '2.0', method: 'x' }, text: '{"jsonrpc":"2.0","method":"x"}' });
  });
});
