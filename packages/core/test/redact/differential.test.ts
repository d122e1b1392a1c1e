import { describe, expect, it } from 'vitest';
import { compilePolicy, Redactor, type EvaluationContext, type RedactionEntry, type RuleInput, type RuleMask, type Tally } from '../../src/index.js';
import { collectStrings } from '../../src/redact/redact-value.js';
import {
  BASE_SEED,
  caseCount,
  caseSeed,
  createRandom,
  describeStringDifference,
  describeText,
  firstDifference,
  generateBody,
  generateCase,
  generateText,
  naiveMessage,
  naiveRedact,
  ONLY_SEED,
  sameRedaction,
  type RedactionCase,
  type SizeClass,
} from './redaction-fuzz.js';

// Differential tests: the optimized Redactor and message redaction against
// the contract they implement, the ordered per-pattern loop, on random
// patterns, texts and messages from fixed seeds.
//
// Deeper runs: MCPGW_DIFF_CASES=40000 (scales every suite; default 4000 short
// cases), another seed: MCPGW_DIFF_SEED=<n>, one failing case again:
// MCPGW_DIFF_ONLY=<case seed from the failure message>.

const SHORT_CASES = caseCount(4000);
const LONG_CASES = caseCount(240);
const MANY_PATTERN_CASES = caseCount(40);
const PREFILTER_CASES = caseCount(1500);
const MESSAGE_CASES = caseCount(300);

/** Seeds of one suite: every case's, or only the one asked for. */
function seeds(suite: string, count: number): number[] {
  if (ONLY_SEED !== null) return [ONLY_SEED];
  return Array.from({ length: count }, (_, i) => caseSeed(BASE_SEED, suite, i));
}

function randomMask(r: ReturnType<typeof createRandom>, base: RuleMask): RuleMask {
  if (r.chance(0.5)) return base;
  return base.map(() => (r.chance(0.6) ? 1 : 0));
}

/** Runs one text through both; a description of the mismatch, or null. */
function compare(seed: number, c: RedactionCase, redactor: Redactor, mask: RuleMask, text: string): string | null {
  const tally: Tally = { count: 0 };
  const actual = redactor.redactString(text, mask, tally);
  const expected = naiveRedact(c.entries, mask, text);
  if (sameRedaction(actual, expected.text) && tally.count === expected.count) return null;
  return [
    `case seed ${seed} (replay: MCPGW_DIFF_ONLY=${seed})`,
    `entries: ${JSON.stringify(c.entries)}`,
    `mask: [${[...mask].join(', ')}]`,
    `text: ${describeText(text, firstDiffIndex(actual, expected.text))}`,
    `redactString: ${describeStringDifference(actual, expected.text)}`,
    `tally.count ${tally.count}, loop count ${expected.count}`,
  ].join('\n  ');
}

function firstDiffIndex(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function expectNoFailures(failures: string[], ran: number): void {
  expect(ran).toBeGreaterThan(0);
  expect(failures.length, `${failures.length} of ${ran} cases differ; first ones:\n${failures.slice(0, 3).join('\n\n')}`).toBe(0);
}

describe('Redactor.redactString is the ordered per-pattern loop', () => {
  it(`on short strings (0–50 chars; ${SHORT_CASES} random pattern lists and strings, lone surrogates included)`, () => {
    const failures: string[] = [];
    let ran = 0;
    // Several strings per pattern list: building a Redactor costs more than a short string.
    for (const seed of seeds('short', Math.ceil(SHORT_CASES / 4))) {
      const r = createRandom(seed);
      const c = generateCase(r, { patterns: r.int(1, 8), anchors: r.chance(0.6) });
      const redactor = new Redactor(c.entries);
      for (let t = 0; t < 4; t++) {
        const text = generateText(r, c.vocab, c.patterns, r.int(0, 50), r.chance(0.1));
        const failure = compare(seed, c, redactor, randomMask(r, c.mask), text);
        if (failure !== null) failures.push(failure);
        ran++;
      }
    }
    expectNoFailures(failures, ran);
  });

  it(`on long strings (4 096–70 000 chars, the UTF-8 buffer path; ${LONG_CASES} cases, a few with lone surrogates on the string path)`, () => {
    const failures: string[] = [];
    let ran = 0;
    for (const seed of seeds('long', LONG_CASES)) {
      const r = createRandom(seed);
      const c = generateCase(r, { patterns: r.int(1, 10), anchors: r.chance(0.6) });
      const redactor = new Redactor(c.entries);
      // Right at the buffer threshold now and then, else anywhere up to 70 000.
      const roll = r.next();
      const length = roll < 0.15 ? r.int(4094, 4100) : roll < 0.7 ? r.int(4096, 16_000) : roll < 0.92 ? r.int(16_000, 40_000) : r.int(40_000, 70_000);
      const text = generateText(r, c.vocab, c.patterns, length, r.chance(0.1));
      const failure = compare(seed, c, redactor, c.mask, text);
      if (failure !== null) failures.push(failure);
      ran++;
    }
    expectNoFailures(failures, ran);
  });

  it(`with 65–140 patterns, several RE2 sets scanned lazily (${MANY_PATTERN_CASES} pattern lists, short and long strings)`, () => {
    const failures: string[] = [];
    let ran = 0;
    for (const seed of seeds('many', MANY_PATTERN_CASES)) {
      const r = createRandom(seed);
      const c = generateCase(r, { patterns: r.int(65, 140), anchors: r.chance(0.5) });
      const redactor = new Redactor(c.entries);
      for (let t = 0; t < 6; t++) {
        const text = generateText(r, c.vocab, c.patterns, t < 5 ? r.int(0, 80) : r.int(4096, 12_000), r.chance(0.05));
        const failure = compare(seed, c, redactor, randomMask(r, c.mask), text);
        if (failure !== null) failures.push(failure);
        ran++;
      }
    }
    expectNoFailures(failures, ran);
  });
});

describe('Redactor.mayOccurInAny', () => {
  it(`never answers false when redactString would change one of the texts (${PREFILTER_CASES} random text lists)`, () => {
    const failures: string[] = [];
    let ran = 0;
    let changed = 0;
    for (const seed of seeds('prefilter', PREFILTER_CASES)) {
      const r = createRandom(seed);
      const c = generateCase(r, { patterns: r.chance(0.1) ? r.int(65, 100) : r.int(1, 8), anchors: r.chance(0.3) });
      const redactor = new Redactor(c.entries);
      const mask = randomMask(r, c.mask);
      const texts = Array.from({ length: r.int(0, 8) }, () => generateText(r, c.vocab, c.patterns, r.pick([0, 1, 2, 3, 5, 10, 30, 60]), r.chance(0.05)));
      ran++;
      const changing = texts.findIndex((text) => {
        const tally: Tally = { count: 0 };
        redactor.redactString(text, mask, tally);
        return tally.count > 0 || naiveRedact(c.entries, mask, text).count > 0;
      });
      if (changing === -1) continue;
      changed++;
      if (!redactor.mayOccurInAny(texts, mask)) {
        failures.push([
          `case seed ${seed} (replay: MCPGW_DIFF_ONLY=${seed})`,
          `entries: ${JSON.stringify(c.entries)}`,
          `mask: [${[...mask].join(', ')}]`,
          `texts: ${JSON.stringify(texts)}`,
          `text ${changing} changes, yet mayOccurInAny answered false`,
        ].join('\n  '));
      }
    }
    // The generator must produce plenty of texts that do change.
    expect(changed).toBeGreaterThan(ran / 4);
    expectNoFailures(failures, ran);
  });
});

// ------------------------------------------------------------ message level

const TOOLS = ['alpha', 'beta', 'gamma'] as const;
const ENVELOPE = new Set(['jsonrpc', 'id', 'method']);

interface PolicyCase {
  rules: RuleInput[];
  /** Per redact rule (by ordinal): its tool condition and direction. */
  redactRules: Array<{ tool: string | null; direction: 'both' | 'request' | 'response'; patterns: string[]; replacement: string }>;
  c: RedactionCase;
}

function generatePolicyCase(r: ReturnType<typeof createRandom>, anchors: boolean): PolicyCase {
  const c = generateCase(r, { patterns: r.int(1, 10), anchors });
  const ruleCount = Math.max(...c.entries.map((e) => e.rule)) + 1;
  const rules: RuleInput[] = [];
  const redactRules: PolicyCase['redactRules'] = [];
  if (r.chance(0.3)) rules.push({ name: 'deny-forbidden', action: 'deny', match: { tool: '^forbidden$' } });
  for (let rule = 0; rule < ruleCount; rule++) {
    const patterns = c.entries.filter((e) => e.rule === rule).map((e) => e.source);
    if (patterns.length === 0) continue;
    const tool = r.pick([null, null, '^alpha$', '^beta$']);
    const direction = r.pick(['both', 'both', 'request', 'response'] as const);
    const replacement = c.entries.find((e) => e.rule === rule)?.replacement ?? '[REDACTED]';
    const omitReplacement = replacement === '[REDACTED]' && r.chance(0.5);
    rules.push({
      name: `redact-${rule}`,
      action: 'redact',
      patterns,
      ...(direction === 'both' && r.chance(0.5) ? {} : { direction }),
      ...(omitReplacement ? {} : { replacement }),
      ...(tool === null ? {} : { match: { tool } }),
    });
    redactRules.push({ tool, direction, patterns, replacement });
    if (r.chance(0.2)) rules.push({ name: `limit-${rule}`, action: 'rate_limit', limit: 1_000_000, window: '1h', match: { tool: '^never$' } });
  }
  return { rules, redactRules, c };
}

/** Entries and mask of one side, as the naive reference sees them: every pattern of every redact rule in order. */
function side(p: PolicyCase, tool: string, direction: 'request' | 'response'): { entries: RedactionEntry[]; mask: RuleMask; sideEntries: RedactionEntry[] } {
  const entries: RedactionEntry[] = [];
  const mask = new Uint8Array(p.redactRules.length);
  p.redactRules.forEach((rule, ordinal) => {
    for (const source of rule.patterns) entries.push({ rule: ordinal, source, replacement: rule.replacement });
    const applies = rule.tool === null || new RegExp(rule.tool).test(tool);
    if (applies && (rule.direction === 'both' || rule.direction === direction)) mask[ordinal] = 1;
  });
  const sideEntries = entries.filter((e) => {
    const d = p.redactRules[e.rule]?.direction;
    return d === 'both' || d === direction;
  });
  return { entries, mask, sideEntries };
}

function serverMessage(r: ReturnType<typeof createRandom>, body: () => Record<string, unknown>, id: number): Record<string, unknown> {
  switch (r.int(0, 3)) {
    case 0:
      return { jsonrpc: '2.0', id, result: body() };
    case 1:
      return { jsonrpc: '2.0', method: 'notifications/message', params: body() };
    case 2:
      return { jsonrpc: '2.0', id, error: { code: -32000, message: 'failed', data: body() } };
    default:
      return { ...body(), jsonrpc: '2.0', id };
  }
}

/** Every string of a message but its envelope, keys included. */
function messageTexts(message: unknown): string[] {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return [];
  const body = Object.fromEntries(Object.entries(message).filter(([key]) => !ENVELOPE.has(key)));
  return collectStrings(body, Infinity, Infinity) ?? [];
}

describe('policy.evaluate and policy.redactResponse rewrite every string of a message as the per-string loop does', () => {
  it(`on random messages (${MESSAGE_CASES} cases: nested, secret keys, strings across 4 096 chars, below, at and above 16 K chars, deep, with and without anchored patterns)`, async () => {
    const failures: string[] = [];
    const sizes: Record<SizeClass, number> = { small: 0, medium: 0, 'near-16k': 0, large: 0, deep: 0 };
    let redacted = 0;
    let untouched = 0;
    const ctx: EvaluationContext = { upstream: 'docs' };
    for (const seed of seeds('message', MESSAGE_CASES)) {
      const r = createRandom(seed);
      const p = generatePolicyCase(r, r.chance(0.5));
      const policy = compilePolicy({ policy: { rules: p.rules } });
      const tool = r.pick(TOOLS);
      const size = r.pick(['small', 'small', 'medium', 'near-16k', 'large', 'deep'] as const);
      sizes[size]++;
      const measure = (value: unknown): number => (collectStrings(value, Infinity, Infinity) ?? []).reduce((n, s) => n + s.length, 0);
      const body = (): Record<string, unknown> => generateBody(r, p.c, size, measure);
      const fail = (what: string, detail: string, message: unknown): void => {
        failures.push([
          `case seed ${seed} (replay: MCPGW_DIFF_ONLY=${seed})`,
          `rules: ${JSON.stringify(p.rules)}`,
          `tool: ${tool}, size: ${size}`,
          `${what}: ${detail}`,
          `message: ${describeText(JSON.stringify(message))}`,
        ].join('\n  '));
      };

      // Request side.
      const request = { jsonrpc: '2.0', id: seed, method: 'tools/call', params: { ...body(), name: tool, arguments: body() } };
      const req = side(p, tool, 'request');
      let count = 0;
      const expectedRequest = naiveMessage(request, (text) => {
        const out = naiveRedact(req.entries, req.mask, text);
        count += out.count;
        return out.text;
      });
      const decision = await policy.evaluate(request, ctx);
      const requestDiff = firstDifference(decision.message, expectedRequest);
      if (requestDiff !== null) fail('evaluate', requestDiff, request);
      else if (decision.redactions !== count) fail('evaluate', `redactions ${decision.redactions}, loop count ${count}`, request);
      if (count > 0) redacted++;
      else untouched++;
      checkPrefilter(req.sideEntries, req.mask, request, (detail) => fail('mayOccurInAny (request side)', detail, request));

      // Response side, with the scope of that request; sometimes a batch.
      const response: unknown = r.chance(0.2)
        ? Array.from({ length: r.int(1, 3) }, (_, i) => serverMessage(r, body, i))
        : serverMessage(r, body, seed);
      const res = side(p, tool, 'response');
      let responseCount = 0;
      const redactOne = (message: unknown): unknown =>
        naiveMessage(message, (text) => {
          const out = naiveRedact(res.entries, res.mask, text);
          responseCount += out.count;
          return out.text;
        });
      const expectedResponse = Array.isArray(response) ? response.map(redactOne) : redactOne(response);
      const result = policy.redactResponse(response, decision.responseScope);
      const responseDiff = firstDifference(result.message, expectedResponse);
      if (responseDiff !== null) fail('redactResponse', responseDiff, response);
      else if (result.redactions !== responseCount) fail('redactResponse', `redactions ${result.redactions}, loop count ${responseCount}`, response);
      for (const item of Array.isArray(response) ? response : [response]) {
        checkPrefilter(res.sideEntries, res.mask, item, (detail) => fail('mayOccurInAny (response side)', detail, item));
      }
    }
    expect(redacted).toBeGreaterThan(MESSAGE_CASES / 5);
    expect(untouched).toBeGreaterThan(MESSAGE_CASES / 20);
    expect(Object.values(sizes).every((n) => n > 0)).toBe(true);
    expectNoFailures(failures, MESSAGE_CASES);
  });
});

/**
 * mayOccurInAny over a message's strings, with a Redactor built as the
 * policy builds its own for that side, answers false only when no string
 * of the message changes.
 */
function checkPrefilter(entries: RedactionEntry[], mask: RuleMask, message: unknown, fail: (detail: string) => void): void {
  const texts = messageTexts(message);
  const redactor = new Redactor(entries);
  if (redactor.mayOccurInAny(texts, mask)) return;
  const changing = texts.find((text) => naiveRedact(entries, mask, text).count > 0);
  if (changing !== undefined) fail(`answered false, yet ${describeText(changing)} changes`);
}
