import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/internal.js';
import { readsUnambiguously } from '../../src/exchange/unambiguous-json.js';
import { relaxPattern } from '../../src/redact/json-text-prefilter.js';
import { BASE_SEED, caseCount, caseSeed, createRandom, generateCase, generateText, isWellFormed, naiveRedact, type Random } from './redaction-fuzz.js';

// The pass-through of server messages rests on two readings of the raw
// JSON text: Redactor.mayChangeJsonText (no pattern can change a string a
// parser reads from it, escapes included) and readsUnambiguously (every
// parser routes it as JSON.parse does). Random texts with escapes, unicode,
// duplicate keys and secrets split by escapes, random patterns with flags,
// anchors and word boundaries; "false" must never be wrong. Deeper runs:
// MCPGW_DIFF_CASES=40000.

const PREFILTER_CASES = caseCount(300);
const PLAIN = ['line one\nline two', 'say "hi"', 'café 中文 😀', 'C:\\path/to', '\ttab', ''];
const ENVELOPE_CASES = caseCount(1500);

/** Writes a string as a JSON string literal, each character plainly or escaped at random. */
function writeString(r: Random, text: string, escapeRate: number): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const ch = text[i] as string;
    const forced = ch === '"' || ch === '\\' || unit < 0x20;
    if (!forced && !r.chance(escapeRate)) {
      out += ch;
      continue;
    }
    const short = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' }[ch];
    out += short !== undefined && r.chance(0.7) ? short : `\\u${((hex) => (r.chance(0.5) ? hex : hex.toUpperCase()))(unit.toString(16).padStart(4, '0'))}`;
  }
  return `${out}"`;
}

/** Every string token of a JSON text (keys, values, values of duplicate keys), decoded. */
function everyString(raw: string): string[] {
  return (raw.match(/"(?:[^"\\]|\\.)*"/g) ?? []).map((token) => JSON.parse(token) as string);
}

describe('Redactor.mayChangeJsonText', () => {
  it('never answers "no" for a JSON text with a string that redaction changes, whatever the escapes and duplicate keys', () => {
    let passed = 0;
    let changing = 0;
    for (let n = 0; n < PREFILTER_CASES; n++) {
      const seed = caseSeed(BASE_SEED, 'json-text-prefilter', n);
      const r = createRandom(seed);
      const c = generateCase(r, { patterns: r.int(1, 5), anchors: r.chance(0.4) });
      const redactor = new Redactor(c.entries);
      const escapeRate = r.pick([0, 0.02, 0.2, 0.6]);
      const members: string[] = [];
      for (let k = r.int(1, 5); k > 0; k--) {
        const key = r.chance(0.2) ? generateText(r, c, r.int(1, 12), false) : r.pick(['id', 'text', 'data', 'text']);
        const value = r.chance(0.4) ? r.pick(PLAIN) : generateText(r, c, r.int(0, 120), r.chance(0.1));
        members.push(`${writeString(r, key, escapeRate)}:${r.chance(0.2) ? `{"n":${writeString(r, value, escapeRate)},"n":"plain"}` : writeString(r, value, escapeRate)}`);
      }
      const raw = `{${members.join(r.chance(0.5) ? ',' : ' , ')}}`;
      JSON.parse(raw); // well-formed, as the contract requires
      const changes = everyString(raw).some((text) => {
        const redacted = naiveRedact(c.entries, c.mask, text);
        return redacted !== null && redacted.count > 0;
      });
      const may = redactor.mayChangeJsonText(raw, c.mask);
      const bytes = Buffer.from(raw, 'utf8');
      // Lone surrogates have no UTF-8 form: the byte form is only asked of well-formed text.
      const mayBytes = isWellFormed(raw) ? redactor.mayChangeJsonText(bytes, c.mask) : true;
      if (changes) {
        changing++;
        expect(may && mayBytes, `seed ${seed}: ${JSON.stringify(c.entries.map((e) => e.source))} on ${raw}`).toBe(true);
      }
      if (!may) passed++;
    }
    // The suite must exercise both answers.
    expect(changing).toBeGreaterThan(PREFILTER_CASES / 10);
    expect(passed).toBeGreaterThan(PREFILTER_CASES / 40);
  });

  it('sees a match that only the decoded string holds: anchors at its edges, a word boundary after an escape', () => {
    const cases: Array<[string, string]> = [
      ['^secret$', '{"k":"secret"}'],
      ['\\Asecret\\z', '{"k":"secret"}'],
      ['(?m)^key=\\w+', '{"k":"a\\nkey=v"}'],
      ['\\bAKIA[0-9A-Z]{16}\\b', '{"k":"x\\nAKIAIOSFODNN7EXAMPLE"}'],
      ['\\bAKIA[0-9A-Z]{16}', '{"k":"\\u00e9\\tAKIAIOSFODNN7EXAMPLE"}'],
    ];
    for (const [source, raw] of cases) {
      const redactor = new Redactor([{ rule: 0, source, replacement: '[R]' }]);
      expect(naiveRedact([{ rule: 0, source, replacement: '[R]' }], Uint8Array.of(1), everyString(raw)[1] as string)?.count, source).toBe(1);
      expect(redactor.mayChangeJsonText(raw, Uint8Array.of(1)), `${source} on ${raw}`).toBe(true);
      expect(redactor.mayChangeJsonText(Buffer.from(raw), Uint8Array.of(1)), `${source} on ${raw}`).toBe(true);
    }
  });

  it('relaxes context assertions only, never the characters a pattern takes', () => {
    expect(relaxPattern('\\bAKIA[0-9A-Z]{16}\\b')).toBe('(?:)AKIA[0-9A-Z]{16}(?:)');
    expect(relaxPattern('(?m)^key=[^$^]+$')).toBe('(?m)(?:)key=[^$^]+(?:)');
    expect(relaxPattern('\\Aa\\\\b\\Q^$\\E\\p{^Greek}\\z')).toBe('(?:)a\\\\b\\Q^$\\E\\p{^Greek}(?:)');
  });
});

/** A JSON parser on which the first of duplicate keys wins, as some clients' do. */
function parseFirstWins(raw: string): unknown {
  let i = 0;
  const space = () => {
    while (/\s/.test(raw[i] ?? '')) i++;
  };
  const value = (): unknown => {
    space();
    const c = raw[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      space();
      if (raw[i] === '}') return i++, out;
      for (;;) {
        space();
        const key = value() as string;
        space();
        i++; // :
        const item = value();
        if (!Object.hasOwn(out, key)) Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
        space();
        if (raw[i++] === '}') return out;
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      space();
      if (raw[i] === ']') return i++, out;
      for (;;) {
        out.push(value());
        space();
        if (raw[i++] === ']') return out;
      }
    }
    const token = /^(?:"(?:[^"\\]|\\.)*"|[^,\]}\s]+)/.exec(raw.slice(i))?.[0] as string;
    i += token.length;
    // Numbers as written: a parser with exact decimals tells 1.0 from 1.
    return token.startsWith('"') ? JSON.parse(token) : /^[-0-9]/.test(token) ? { number: token } : JSON.parse(token);
  };
  return value();
}

/** What routes, filters and audits a server message. */
function routing(message: unknown): unknown {
  const m = message as Record<string, Record<string, unknown> | undefined>;
  const id = m['id'] as unknown;
  return {
    id: typeof id === 'object' && id !== null ? String((id as { number: string }).number) : JSON.stringify(id),
    method: m['method'],
    result: Object.hasOwn(m, 'result'),
    error: Object.hasOwn(m, 'error'),
    tools: Array.isArray(m['result']?.['tools']) ? (m['result']?.['tools'] as unknown[]).length : null,
    isError: m['result']?.['isError'] ?? null,
    code: ((code: unknown) => (typeof code === 'object' && code !== null ? Number((code as { number: string }).number) : (code ?? null)))(m['error']?.['code']),
  };
}

describe('readsUnambiguously', () => {
  const ids = ['1', '1.0', '1e0', '-0', '12345678901234567890', '"a"', '"\\u0061"', 'null', '7'];
  const parts: Array<(r: Random) => string> = [
    (r) => `"id":${r.pick(ids)}`,
    () => '"method":"notifications/message"',
    (r) => `"result":{${r.chance(0.5) ? '"tools":[{"name":"exec"}],' : ''}"isError":${r.pick(['true', 'false'])}${r.chance(0.3) ? ',"isError":true' : ''}}`,
    (r) => `"error":{"code":${r.pick(['-32000', '1', '-1.0'])}${r.chance(0.3) ? ',"code":5' : ''},"message":"x\\"}{"}`,
    () => '"jsonrpc":"2.0"',
    () => '"params":{"data":"\\"id\\":2, \\"method\\":\\"x\\"","nested":{"id":3,"id":4}}',
    () => '"\\u0069d":9',
    () => '"re\\u0073ult":{"tools":[]}',
  ];

  it('is true only for messages every parser routes alike (duplicate keys, id forms, escaped keys)', () => {
    let unambiguous = 0;
    for (let n = 0; n < ENVELOPE_CASES; n++) {
      const r = createRandom(caseSeed(BASE_SEED, 'reads-unambiguously', n));
      const members = Array.from({ length: r.int(1, 6) }, () => r.pick(parts)(r));
      const raw = `${r.chance(0.2) ? ' ' : ''}{${members.join(r.chance(0.5) ? ',' : ' ,\n')}}`;
      const parsed = JSON.parse(raw) as unknown;
      if (!readsUnambiguously(raw, parsed)) continue;
      unambiguous++;
      const lastWins = routing(parsed);
      expect(routing(parseFirstWins(raw)), raw).toEqual(lastWins);
    }
    expect(unambiguous).toBeGreaterThan(ENVELOPE_CASES / 20);
  });

  it('refuses batches, a byte order mark and anything but an object', () => {
    expect(readsUnambiguously('{"id":1,"result":{}}', { id: 1, result: {} })).toBe(true);
    expect(readsUnambiguously('[{"id":1,"result":{}}]', [{ id: 1, result: {} }])).toBe(false);
    expect(readsUnambiguously('\uFEFF{"id":1}', { id: 1 })).toBe(false);
    expect(readsUnambiguously('"text"', 'text')).toBe(false);
  });
});
