import { describe, expect, it } from 'vitest';
import { LineFramer, type FramedItem } from '../src/line-framer.js';

const lines = (items: FramedItem[]) => items.map((item) => (item.kind === 'line' ? item.bytes.toString() : `<${item.length} bytes>`));

describe('LineFramer', () => {
  it('cuts lines at \\n and \\r\\n, across chunks, and keeps a last line without a line end', () => {
    const framer = new LineFramer(100);
    expect(lines(framer.push(Buffer.from('{"a":1}\n{"b"')))).toEqual(['{"a":1}']);
    expect(lines(framer.push(Buffer.from(':2}\r')))).toEqual([]);
    expect(lines(framer.push(Buffer.from('\n\n{"c":3}')))).toEqual(['{"b":2}', '']);
    expect(lines(framer.end())).toEqual(['{"c":3}']);
    expect(framer.end()).toEqual([]);
  });

  it('a line of exactly the limit passes, with or without \\r; one byte more is too long', () => {
    const framer = new LineFramer(10);
    expect(lines(framer.push(Buffer.from(`${'a'.repeat(10)}\n${'b'.repeat(10)}\r\n${'c'.repeat(11)}\nok\n`)))).toEqual(['a'.repeat(10), 'b'.repeat(10), '<11 bytes>', 'ok']);
  });

  it('skips a line past the limit without holding it, and reports its length and both ends', () => {
    const framer = new LineFramer(1024);
    const head = '{"jsonrpc":"2.0","id":7,"params":"';
    expect(framer.push(Buffer.from(head))).toEqual([]);
    for (let i = 0; i < 1000; i++) expect(framer.push(Buffer.alloc(64 * 1024, 0x78))).toEqual([]);
    const items = framer.push(Buffer.from('"}\r\n{"next":true}\n'));
    expect(items).toHaveLength(2);
    const [skipped, next] = items as [FramedItem, FramedItem];
    expect(skipped.kind).toBe('too_long');
    if (skipped.kind !== 'too_long') return;
    expect(skipped.length).toBe(head.length + 1000 * 64 * 1024 + 2);
    expect(skipped.head.toString()).toBe(`${head}${'x'.repeat(256 - head.length)}`);
    // The last 256 bytes of the line with its \r, less the \r.
    expect(skipped.tail.toString()).toBe(`${'x'.repeat(253)}"}`);
    expect(next).toEqual({ kind: 'line', bytes: Buffer.from('{"next":true}') });
  });

  it('a line too long at the end of the stream is reported too', () => {
    const framer = new LineFramer(4);
    expect(framer.push(Buffer.from('123456'))).toEqual([]);
    expect(lines(framer.end())).toEqual(['<6 bytes>']);
  });
});
