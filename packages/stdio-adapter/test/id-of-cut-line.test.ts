import { describe, expect, it } from 'vitest';
import { idOfCutLine } from '../src/id-of-cut-line.js';

const id = (head: string, tail = head) => idOfCutLine(Buffer.from(head), Buffer.from(tail));

describe('idOfCutLine', () => {
  it('reads the id that closes the object (TypeScript SDK order) or opens it (after "jsonrpc", Python SDK order)', () => {
    expect(id('{"method":"tools/call","params":{"a', 'xx"}},"jsonrpc":"2.0","id":7}')).toBe(7);
    expect(id('{"jsonrpc":"2.0","id":"req-1","method":"tools/call","params":{', 'xxxx"}}}')).toBe('req-1');
    expect(id('{"id":null,"method":"x",', 'zz')).toBeNull();
  });

  it('never takes an id from inside: a nested object, a string, or two ends that disagree', () => {
    expect(id('{"method":"x","params":{"id":3,', 'yy","id":4}}')).toBeUndefined();
    expect(id('{"method":"x","params":{"text":"', ',\\"id\\":5}"}}')).toBeUndefined();
    expect(id('{"id":1,"method":"x"', '"a":2,"id":2}')).toBeUndefined();
    expect(id('not json at all')).toBeUndefined();
  });
});
