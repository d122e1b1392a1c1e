import { describe, expect, it } from 'vitest';
import { compilePolicy, type CompiledPolicy, type PolicyLease, type RuleInput } from '../../src/index.js';
import { ParamHeaderCache, type ServerStream } from '../../src/internal.js';
import { nestingDepth } from '../../src/exchange/request-body.js';
import { rewriteServerBody } from '../../src/exchange/server-message.js';
import { unparsedVerdict } from '../../src/exchange/unparsed-message.js';
import { BASE_SEED, caseCount, caseSeed, createRandom, type Random } from '../redact/redaction-fuzz.js';

// An SSE event that unparsedVerdict lets through is written out as it came,
// unparsed. Differential: on random event texts — messages and non-messages,
// valid JSON or not, with escapes, duplicate keys, deep nesting, secrets
// whole, split by escapes or next to anchors — whenever it answers true,
// the full path (parse, place, redact, serialize; or redact as text when
// not JSON) must change nothing a client reads, and record nothing.
// Deeper runs: MCPGW_DIFF_CASES=40000.

const CASES = caseCount(1500);
const MAX_DEPTH = 6;
const KEY = 'AKIAIOSFODNN7EXAMPLE';

const PATTERNS = ['AKIA[0-9A-Z]{16}', '\\bsecret\\b', '^only$', '(?i)token=\\w+', '(?s)BEGIN.*?END', '(?m)^pass:', 'é+x', 'n\\d'];

function streamOf(policy: CompiledPolicy): ServerStream & { recorded: number } {
  const stream = {
    recorded: 0,
    lease: { policy, generation: 1 } as unknown as PolicyLease,
    context: {},
    stream: 'post' as const,
    upstream: 'u',
    paramHeaders: new ParamHeaderCache(),
    answering: () => {
      stream.recorded++;
      return undefined;
    },
    soleTracked: () => {
      stream.recorded++;
      return undefined;
    },
    streamScopes: () => [],
  };
  return stream;
}

/** Text around which secrets, escapes and anchors meet. */
function value(r: Random): string {
  const pieces = ['plain', ' ', KEY, '\\u0041KIA' + KEY.slice(4), 'AK\\u0049A' + KEY.slice(4), '\\n', '\\"', 'secret', 'x\\nsecret', 'only', 'token=abc', 'TOKEN\\u003dx', 'BEGIN', 'END', '\\npass:', 'pass:', 'é', '\\u00e9x', 'n1', '\\n1', '\\t', '\\/', '\\\\', '\\ud83d\\ude00', '\\ud800'];
  return Array.from({ length: r.int(0, 4) }, () => r.pick(pieces)).join('');
}

function eventText(r: Random): string {
  const members: string[] = [];
  const add = (key: string, json: string) => members.push(`"${key}":${json}`);
  if (r.chance(0.8)) add('jsonrpc', '"2.0"');
  if (r.chance(0.85)) add(r.chance(0.9) ? 'method' : 'm\\u0065thod', `"${r.pick(['notifications/message', 'notifications/progress', 'sampling/createMessage', value(r)])}"`);
  if (r.chance(0.3)) add('id', r.pick(['1', '1.0', '"a"', '9007199254740993']));
  if (r.chance(0.1)) add(r.pick(['result', 'error']), '{}');
  let params = `{"data":"${value(r)}"${r.chance(0.2) ? `,"data":"${value(r)}"` : ''}}`;
  for (let d = r.int(0, MAX_DEPTH); d > 0; d--) params = r.chance(0.5) ? `[${params}]` : `{"n":${params}}`;
  add('params', params);
  if (r.chance(0.15)) members.push(members[r.int(0, members.length - 1)] as string);
  let text = `{${members.join(r.pick([',', ' , ']))}}`;
  // Sometimes not JSON at all: cut short, a raw control character, something after it, a missing quote.
  if (r.chance(0.3)) {
    const damage = r.int(0, 3);
    if (damage === 0) text = text.slice(0, r.int(1, text.length - 1));
    else if (damage === 1) text = text.replace('"2.0"', '"2.\u00010"');
    else if (damage === 2) text = `${text} {"x":"${value(r)}"}`;
    else text = text.replace('"params"', 'params"');
  }
  return r.chance(0.05) ? ` ${text}` : text;
}

const passesUnparsed = (stream: ServerStream, raw: Buffer, maxDepth: number): boolean => unparsedVerdict(stream, raw, maxDepth) === 'pass';

describe('unparsedVerdict', () => {
  it('lets through only events the full path would pass on unchanged, recording nothing', () => {
    let passed = 0;
    for (let n = 0; n < CASES; n++) {
      const seed = caseSeed(BASE_SEED, 'passes-unparsed', n);
      const r = createRandom(seed);
      const rules: Extract<RuleInput, { action: 'redact' }>[] = Array.from({ length: r.int(1, 3) }, (_, i) => ({
        name: `r${i}`,
        action: 'redact',
        direction: r.pick(['both', 'both', 'response', 'request'] as const),
        patterns: [r.pick(PATTERNS)],
      }));
      const policy = compilePolicy({ policy: { rules } });
      const text = eventText(r);
      const stream = streamOf(policy);
      const verdict = unparsedVerdict(stream, Buffer.from(text, 'utf8'), MAX_DEPTH);
      // "changes": the text is not offered to pass on as it came; that must be because it could not.
      if (verdict === 'changes') expect(policy.responseMayChangeJson(text), text).toBe(true);
      if (verdict !== 'pass') continue;
      passed++;
      const why = `seed ${seed}: ${JSON.stringify(rules.map((rule) => [rule.direction, rule.patterns]))} on ${text}`;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: redacted as text with every pattern.
        expect(policy.redactText(text), why).toBe(text);
        continue;
      }
      expect(nestingDepth(text), why).toBeLessThanOrEqual(MAX_DEPTH);
      const full = rewriteServerBody(stream, parsed);
      expect(full.answered, why).toEqual([]);
      expect(JSON.parse(full.text), why).toEqual(parsed);
      expect(stream.recorded, why).toBe(0);
    }
    expect(passed).toBeGreaterThan(CASES / 10);
  });

  it('does not let through an answer, a text that nests too deep, or one with a top-level key twice', () => {
    const stream = streamOf(compilePolicy({ policy: { rules: [{ name: 'aws', action: 'redact', patterns: ['AKIA[0-9A-Z]{16}'] }] } }));
    const passes = (text: string) => passesUnparsed(stream, Buffer.from(text), 3);
    expect(passes('{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"a\\nb"}}')).toBe(true);
    expect(passes('{"jsonrpc":"2.0","id":1,"result":{"content":[]}}')).toBe(false);
    expect(passes('{"method":"m","params":{"a":[[{"b":1}]]}}')).toBe(false);
    expect(passes('{"method":"m","method":"n"}')).toBe(false);
    expect(passes('{"method":"m","params":{"data":"\\u0041KIAIOSFODNN7EXAMPLE"}}')).toBe(false);
    expect(passes('{"method":"m","params":{"data":"ok","data":"AKIAIOSFODNN7EXAMPLE"}}')).toBe(false);
    // A method beside a result: the gateway reads a notification, a client might read an answer.
    expect(passes('{"method":"m","id":1,"result":{}}')).toBe(false);
  });

  it('does not let through a text that is not JSON if a request-side pattern matches it (such text is redacted with every pattern)', () => {
    const stream = streamOf(compilePolicy({ policy: { rules: [{ name: 'aws', action: 'redact', direction: 'request', patterns: ['AKIA[0-9A-Z]{16}'] }] } }));
    expect(passesUnparsed(stream, Buffer.from('{"method":"m","params":{"data":"ok"'), 3)).toBe(true);
    expect(passesUnparsed(stream, Buffer.from(`{"method":"m","params":{"data":"${KEY}"`), 3)).toBe(false);
  });
});
