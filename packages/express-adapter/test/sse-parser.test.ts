import { describe, expect, it } from 'vitest';
import { SseParser, formatSseEvent, type SseEvent } from '../src/sse-parser.js';

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
  const events: SseEvent[] = chunks.flatMap((chunk) => parser.push(chunk));
  const last = parser.flush();
  if (last !== null) events.push(last);
  // The data's own bytes, as text: what an event passed on as it came is written with.
  return events.map((event) => ({ fields: event.fields, data: event.data, dataBytes: event.dataBytes === null ? null : event.dataBytes.toString('utf8') }));
}

describe('SseParser', () => {
  const whole = parseAll([STREAM]);

  it('parses fields, multi-line data, comments and every line ending', () => {
    expect(whole).toEqual([
      { fields: ['event: message', 'id: 1'], data: '{"a":"ünï\\ncode"}', dataBytes: '{"a":"ünï\\ncode"}' },
      { fields: [': keep-alive'], data: null, dataBytes: null },
      // Data on several lines has no bytes of its own: it is written out again.
      { fields: [], data: 'first line\nsecond line\nno space', dataBytes: null },
      { fields: ['retry: 10', 'dataX: not data'], data: '', dataBytes: '' },
      { fields: [], data: 'last, no blank line', dataBytes: 'last, no blank line' },
    ]);
  });

  it('gives no bytes for data that are not valid UTF-8; a byte order mark is not part of the data', () => {
    const invalid = Buffer.concat([Buffer.from('data: {"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n\n')]);
    expect(parseAll([invalid])).toEqual([{ fields: [], data: '{"a":"\uFFFD\uFFFD"}', dataBytes: null }]);
    expect(parseAll([Buffer.from('\uFEFFdata: {}\n\n')])).toEqual([{ fields: [], data: '{}', dataBytes: '{}' }]);
    expect(parseAll([Buffer.from('\u00ef\u00bb\u00bfdata: {}\n\n')])).toEqual([{ fields: [], data: '{}', dataBytes: '{}' }]);
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
