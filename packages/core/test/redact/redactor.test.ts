import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { Redactor, type Tally } from '../../src/internal.js';

const ALL = new Uint8Array([1, 1, 1, 1]);

function redact(redactor: Redactor, text: string, mask = ALL): { text: string; count: number } {
  const tally: Tally = { count: 0 };
  return { text: redactor.redactString(text, mask, tally), count: tally.count };
}

/** The reference semantics: every active pattern's replace, in order. */
function naive(entries: Array<{ source: string; replacement: string }>, text: string): string {
  for (const { source, replacement } of entries) text = new RE2(source, 'g').replace(text, () => replacement);
  return text;
}

describe('Redactor', () => {
  it('replaces every occurrence and counts them', () => {
    const redactor = new Redactor([{ rule: 0, source: 'AKIA[0-9A-Z]{16}', replacement: '[AWS]' }]);
    expect(redact(redactor, 'a AKIAIOSFODNN7EXAMPLE b AKIAIOSFODNN7EXAMPLF')).toEqual({ text: 'a [AWS] b [AWS]', count: 2 });
    expect(redact(redactor, 'nothing here')).toEqual({ text: 'nothing here', count: 0 });
  });

  it('applies only the patterns of rules active in the mask', () => {
    const redactor = new Redactor([
      { rule: 0, source: 'alpha', replacement: 'A' },
      { rule: 1, source: 'beta', replacement: 'B' },
    ]);
    expect(redact(redactor, 'alpha beta', new Uint8Array([1, 0])).text).toBe('A beta');
    expect(redact(redactor, 'alpha beta', new Uint8Array([0, 1])).text).toBe('alpha B');
    expect(redact(redactor, 'alpha beta', new Uint8Array([0, 0])).count).toBe(0);
  });

  it('is exactly the ordered per-pattern loop, even when one replacement creates a match for a later pattern', () => {
    const entries = [
      { rule: 0, source: 'secret', replacement: 'TOKEN' },
      { rule: 0, source: 'TOKEN-[0-9]+', replacement: '<gone>' },
      { rule: 0, source: 'xy', replacement: 'x' },
      { rule: 0, source: 'xx', replacement: '!' },
    ];
    const redactor = new Redactor(entries);
    for (const text of ['secret-42', 'xyy', 'a secret-1 and TOKEN-2 and xxy', '']) {
      expect(redact(redactor, text).text).toBe(naive(entries, text));
    }
  });

  it('never splices the replacement into zero-length matches', () => {
    const redactor = new Redactor([{ rule: 0, source: 'k=[0-9]*', replacement: 'k=#' }]);
    expect(redact(redactor, 'k= k=12')).toEqual({ text: 'k=# k=#', count: 2 });
  });

  it('handles unicode text and patterns (UTF-16 offsets stay right)', () => {
    const redactor = new Redactor([
      { rule: 0, source: 'пароль=\\S+', replacement: 'пароль=***' },
      { rule: 0, source: '🔑[A-Z]{4}', replacement: '🔒' },
      { rule: 0, source: '\\p{Han}{2}秘密', replacement: '[机密]' },
    ]);
    const text = 'ключ: пароль=hunter2 😀 🔑ABCD é 中文秘密 tail';
    expect(redact(redactor, text)).toEqual({ text: 'ключ: пароль=*** 😀 🔒 é [机密] tail', count: 3 });
  });

  it('redacts a 1 MiB string with secrets at the start, middle and end', () => {
    const redactor = new Redactor([{ rule: 0, source: 'ghp_[A-Za-z0-9]{36}', replacement: '[GH]' }]);
    const token = `ghp_${'Ab3'.repeat(12)}`;
    const filler = 'lorem ipsum dolor sit amet, '.repeat(Math.ceil((1 << 20) / 28));
    const text = token + filler.slice(0, 1 << 19) + token + filler.slice(0, 1 << 19) + token;
    expect(text.length).toBeGreaterThan(1 << 20);
    const result = redact(redactor, text);
    expect(result.count).toBe(3);
    expect(result.text).not.toContain('ghp_');
    expect(result.text.length).toBe(text.length - 3 * (token.length - 4));
  });

  it('with 200 patterns finds each pattern\'s secret and equals the ordered loop', () => {
    const entries = Array.from({ length: 200 }, (_, i) => ({ rule: i % 4, source: `tok${i}_[a-f0-9]{8}\\b`, replacement: `[T${i}]` }));
    const redactor = new Redactor(entries);
    expect(redactor.size).toBe(200);
    const parts: string[] = [];
    for (let i = 0; i < 200; i++) parts.push(`field${i}=tok${i}_deadbeef`, 'noise tok_ abc', `tok${i}_deadbee`);
    const text = parts.join(' ');
    const result = redact(redactor, text);
    expect(result.count).toBe(200);
    expect(result.text).toBe(naive(entries, text));
    for (let i = 0; i < 200; i += 37) expect(result.text).toContain(`field${i}=[T${i}]`);
  });

  it('finishes a ReDoS-shaped pattern on a long input (no backtracking, no quadratic scan)', () => {
    const redactor = new Redactor([{ rule: 0, source: '(a+)+$', replacement: 'X' }]);
    // A backtracking engine takes exponential time here (already hopeless at n=30), and a scan that
    // restarts the search at every position takes n^2 steps: at n = 1,000,000 either runs far past the
    // test's timeout.
    const text = `${'a'.repeat(1_000_000)}!`;
    const result = redact(redactor, text);
    expect(result.count).toBe(0);
    expect(result.text).toBe(text);
  });
});

describe('Redactor: the substring search for what every match starts with', () => {
  const redact = (sources: string[], text: string) => {
    const redactor = new Redactor(sources.map((source) => ({ rule: 0, source, replacement: '<x>' })));
    const tally: Tally = { count: 0 };
    return { text: redactor.redactString(text, Uint8Array.of(1), tally), count: tally.count, may: redactor.mayOccurInAny([text], Uint8Array.of(1)), matches: redactor.matches(text, Uint8Array.of(1)) };
  };

  it('finds matches behind \\b, in alternatives and escaped punctuation, and none where no prefix occurs', () => {
    const sources = ['\\bAKIA[0-9A-Z]{16}', '(?:ghp|gho)_[a-z]{4}', 'xox\\-[0-9]+'];
    expect(redact(sources, 'key AKIAABCDEFGHIJKLMNOP, gho_abcd and xox-42')).toEqual({ text: 'key <x>, <x> and <x>', count: 3, may: true, matches: true });
    expect(redact(sources, 'akiaabcdefghijklmnop GHO_abcd xox42 plain text of some length')).toEqual({ text: 'akiaabcdefghijklmnop GHO_abcd xox42 plain text of some length', count: 0, may: false, matches: false });
  });

  it('leaves caseless patterns and patterns without a literal start to RE2', () => {
    expect(redact(['AKIA[0-9A-Z]{16}', '(?i)secret=[a-z]+'], 'SECRET=abc').text).toBe('<x>');
    expect(redact(['AKIA[0-9A-Z]{16}', '(?i:tok)en-[0-9]+'], 'TOKen-12').text).toBe('<x>');
    expect(redact(['AKIA[0-9A-Z]{16}', '[0-9]{3}-[0-9]{4}'], 'call 555-1234').text).toBe('call <x>');
    // A quantified last character is not promised: `ab*c` matches "ac".
    expect(redact(['ab*c'], 'xacx').text).toBe('x<x>x');
    expect(redact(['ab{0}c'], 'xacx').text).toBe('x<x>x');
  });

  it('matches U+FFFD in a pattern against a lone surrogate as RE2 does', () => {
    const text = `id \uD800-77 end`;
    expect(redact(['\uFFFD-[0-9]+'], text).count).toBe(redact(['(?:\uFFFD)-[0-9]+'], text).count);
    expect(redact(['\uFFFD-[0-9]+'], text).count).toBe(1);
  });
});
