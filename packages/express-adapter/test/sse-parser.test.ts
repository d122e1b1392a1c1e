import { describe, expect, it } from 'vitest';
import { SseParser, formatSseEvent } from '../src/sse-parser.js';

const STREAM = Buffer.from(
  '\uFEFFevent: message\r\nid: 1\r\ndata: {"a":"ünï\\ncode"}\r\n\r\n' +
    ': keep-alive\n\n' +
    'data: first line\ndata: second line\rdata:no space\r\rretry: 10\n' +
    'dataX: not data\ndata\n\n' +
    'data: last, no blank line',
  'utf8',
);

function parseAll(chunks: Buffer[]): unknown[] {
  const parser = new SseParser(1 << 20);
  const events: unknown[] = chunks.flatMap((chunk) => parser.push(chunk));
  const last = parser.flush();
  if (last !== null) events.push(last);
  return events;
}

describe('SseParser', () => {
  const whole = parseAll([STREAM]);

  it('parses fields, multi-line data, comments and every line ending', () => {
    expect(whole).toEqual([
      { fields: ['event: message', 'id: 1'], data: '{"a":"ünï\\ncode"}' },
      { fields: [': keep-alive'], data: null },
      { fields: [], data: 'first line\nsecond line\nno space' },
      { fields: ['retry: 10', 'dataX: not data'], data: '' },
      { fields: [], data: 'last, no blank line' },
    ]);
  });

  it('gives the same events however the bytes are split (every split point, and one byte at a time)', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      expect(parseAll([STREAM.subarray(0, cut), STREAM.subarray(cut)])).toEqual(whole);
    }
    expect(parseAll([...STREAM].map((byte) => Buffer.from([byte])))).toEqual(whole);
  });

  it('refuses an event larger than its limit', () => {
    const parser = new SseParser(64);
    expect(() => parser.push(Buffer.from(`data: ${'x'.repeat(100)}`))).toThrow(RangeError);
  });

  it('writes events back with one data line per line', () => {
    expect(formatSseEvent(['id: 1'], 'a\nb')).toBe('id: 1\ndata: a\ndata: b\n\n');
    expect(formatSseEvent([': ping'], null)).toBe(': ping\n\n');
  });
});
