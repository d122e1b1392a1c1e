import { describe, expect, it } from 'vitest';
import { compilePolicy, type RuleInput } from '../../src/index.js';
import { Redactor, type RedactionEntry, type RuleMask, type Tally } from '../../src/internal.js';
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
  generateContextCase,
  contextText,
  generateText,
  naiveMessage,
  naiveRedact,
  padToBufferPath,
  pickFiller,
  sparseText,
  ONLY_SEED,
  sameRedaction,
  type RedactionCase,
  usesTextAnchor,
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
const LONG_CASES = caseCount(120);
const CONTEXT_CASES = caseCount(1500);
const MANY_PATTERN_CASES = caseCount(30);
const PREFILTER_CASES = caseCount(1000);
const MESSAGE_CASES = caseCount(200);

/** Seeds of one suite: every case's, or only the one asked for. */
function seeds(suite: string, count: number): number[] {
  if (ONLY_SEED !== null) return [ONLY_SEED];
  return Array.from({ length: count }, (_, i) => caseSeed(BASE_SEED, suite, i));
}

function randomMask(r: ReturnType<typeof createRandom>, base: RuleMask): RuleMask {
  if (r.chance(0.5)) return base;
  return base.map(() => (r.chance(0.6) ? 1 : 0));
}

/** Runs one text through both: a description of the mismatch, null when they agree, 'skipped' when the loop gave up. */
function compare(seed: number, c: RedactionCase, redactor: Redactor, mask: RuleMask, text: string): string | null | 'skipped' {
  const expected = naiveRedact(c.entries, mask, text);
  if (expected === null) return 'skipped';
  const tally: Tally = { count: 0 };
  const actual = redactor.redactString(text, mask, tally);
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

/** Outcomes of a suite's cases. */
class Outcomes {
  readonly failures: string[] = [];
  ran = 0;
  skipped = 0;

  add(outcome: string | null | 'skipped'): void {
    if (outcome === 'skipped') this.skipped++;
    else {
      this.ran++;
      if (outcome !== null) this.failures.push(outcome);
    }
  }

  /** No case differs; few were skipped (texts the loop gave up on as too big). */
  check(): void {
    expect(this.ran).toBeGreaterThan(0);
    expect(this.skipped, `${this.skipped} cases skipped`).toBeLessThanOrEqual(Math.ceil((this.ran + this.skipped) / 50));
    expect(this.failures.length, `${this.failures.length} of ${this.ran} cases differ; first ones:\n${this.failures.slice(0, 3).join('\n\n')}`).toBe(0);
  }
}

function firstDiffIndex(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

describe('Redactor.redactString is the ordered per-pattern loop', () => {
  it(`on short strings (0–50 chars; ${SHORT_CASES} random pattern lists and strings, lone surrogates included), alone and inside 4 K of filler`, () => {
    const outcomes = new Outcomes();
    const padded = new Outcomes();
    // Several strings per pattern list: building a Redactor costs more than a short string.
    for (const seed of seeds('short', Math.ceil(SHORT_CASES / 4))) {
      const r = createRandom(seed);
      const c = generateCase(r, { patterns: r.int(1, 8), anchors: r.chance(0.6) });
      const redactor = new Redactor(c.entries);
      const filler = pickFiller(r, c.entries);
      for (let t = 0; t < 4; t++) {
        const text = generateText(r, c, r.int(0, 50), r.chance(0.1));
        const mask = randomMask(r, c.mask);
        outcomes.add(compare(seed, c, redactor, mask, text));
        // The same text inside 4 K of filler no pattern matches: the UTF-8
        // buffer path, with every match and every rescan decision in it.
        if (filler !== null) {
          padded.add(compare(seed, c, redactor, mask, padToBufferPath(r, text, filler)));
        }
      }
    }
    outcomes.check();
    padded.check();
    expect(padded.ran).toBeGreaterThan(outcomes.ran / 2);
  });

  it(`when replacements change what surrounds them (\\b, \\B, (?m)^ and $ at their edges), alone and on the buffer path (${CONTEXT_CASES} cases)`, () => {
    const outcomes = new Outcomes();
    for (const seed of seeds('context', CONTEXT_CASES)) {
      const r = createRandom(seed);
      const c = generateContextCase(r);
      const redactor = new Redactor(c.entries);
      const filler = pickFiller(r, c.entries);
      for (let t = 0; t < 3; t++) {
        const text = contextText(r, c);
        outcomes.add(compare(seed, c, redactor, c.mask, text));
        if (filler !== null) outcomes.add(compare(seed, c, redactor, c.mask, padToBufferPath(r, text, filler)));
      }
    }
    outcomes.check();
  });

  it(`on long strings (4 096–70 000 chars, the UTF-8 buffer path; ${LONG_CASES} cases, half of them sparse, a few with lone surrogates on the string path)`, () => {
    const outcomes = new Outcomes();
    for (const seed of seeds('long', LONG_CASES)) {
      const r = createRandom(seed);
      const c = generateCase(r, { patterns: r.int(1, 10), anchors: r.chance(0.6) });
      const redactor = new Redactor(c.entries);
      // Right at the buffer threshold now and then, else anywhere up to 70 000.
      const roll = r.next();
      const length = roll < 0.15 ? r.int(4094, 4100) : roll < 0.8 ? r.int(4096, 12_000) : roll < 0.95 ? r.int(12_000, 30_000) : r.int(30_000, 70_000);
      const lone = r.chance(0.1);
      // Half of them sparse: a few pieces in filler no pattern matches, where patterns that are no candidate yet can gain a match.
      const filler = r.chance(0.5) ? pickFiller(r, c.entries) : null;
      const text = filler === null ? generateText(r, c, length, lone) : sparseText(r, c, filler, length, lone);
      outcomes.add(compare(seed, c, redactor, c.mask, text));
    }
    outcomes.check();
  });

  it(`with 65–140 patterns, several RE2 sets scanned lazily (${MANY_PATTERN_CASES} pattern lists, short and long strings)`, () => {
    const outcomes = new Outcomes();
    for (const seed of seeds('many', MANY_PATTERN_CASES)) {
      const r = createRandom(seed);
      const c = generateCase(r, { patterns: r.int(65, 140), anchors: r.chance(0.5) });
      const redactor = new Redactor(c.entries);
      for (let t = 0; t < 6; t++) {
        const filler = t === 4 ? pickFiller(r, c.entries) : null;
        const text =
          filler !== null ? sparseText(r, c, filler, r.int(4096, 8000), false) : generateText(r, c, t < 4 ? r.int(0, 80) : r.int(4096, 12_000), r.chance(0.05));
        outcomes.add(compare(seed, c, redactor, randomMask(r, c.mask), text));
      }
    }
    outcomes.check();
  });
});

describe('Redactor.mayOccurInAny', () => {
  it(`never answers false when redactString would change one of the texts (${PREFILTER_CASES} random text lists)`, () => {
    const outcomes = new Outcomes();
    let changed = 0;
    for (const seed of seeds('prefilter', PREFILTER_CASES)) {
      const r = createRandom(seed);
      const c = generateCase(r, { patterns: r.chance(0.1) ? r.int(65, 100) : r.int(1, 8), anchors: r.chance(0.3) });
      const redactor = new Redactor(c.entries);
      const mask = randomMask(r, c.mask);
      let texts = Array.from({ length: r.int(0, 8) }, () => generateText(r, c, r.pick([0, 1, 2, 3, 5, 10, 30, 60]), r.chance(0.05)));
      let loop = texts.map((text) => naiveRedact(c.entries, mask, text));
      if (loop.includes(null)) {
        outcomes.add('skipped');
        continue;
      }
      // Mostly keep one text that changes among ones that do not: then the
      // answer rests on that text alone, next to its neighbours in the join.
      const changes = loop.map((out) => (out?.count ?? 0) > 0);
      const keep = r.pick(changes.flatMap((changed, i) => (changed ? [i] : [])));
      if (keep !== undefined && r.chance(0.7)) {
        texts = texts.filter((_, i) => i === keep || !changes[i]);
        loop = loop.filter((_, i) => i === keep || !changes[i]);
      }
      const changing = texts.findIndex((text, i) => {
        const tally: Tally = { count: 0 };
        redactor.redactString(text, mask, tally);
        return tally.count > 0 || (loop[i]?.count ?? 0) > 0;
      });
      if (changing !== -1) changed++;
      outcomes.add(
        changing === -1 || redactor.mayOccurInAny(texts, mask)
          ? null
          : [
              `case seed ${seed} (replay: MCPGW_DIFF_ONLY=${seed})`,
              `entries: ${JSON.stringify(c.entries)}`,
              `mask: [${[...mask].join(', ')}]`,
              `texts: ${JSON.stringify(texts)}`,
              `text ${changing} changes, yet mayOccurInAny answered false`,
            ].join('\n  '),
      );
    }
    // The generator must produce plenty of lists where some text does change.
    expect(changed).toBeGreaterThan(outcomes.ran / 4);
    outcomes.check();
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
    // A config refuses control characters in a replacement (they would split SSE lines and
    // headers); the redactor's own tests above keep newline replacements.
    const replacement = (c.entries.find((e) => e.rule === rule)?.replacement ?? '[REDACTED]').replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '#');
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

/** Thrown from the reference when it gives up on a text (too big): the case is skipped. */
class GaveUp extends Error {}

function loop(entries: RedactionEntry[], mask: RuleMask, tally: Tally): (text: string) => string {
  return (text) => {
    const out = naiveRedact(entries, mask, text);
    if (out === null) throw new GaveUp();
    tally.count += out.count;
    return out.text;
  };
}

const SIZES = ['small', 'small', 'medium', 'near-16k', 'large', 'deep'] as const;

/** One random policy, request and response through the policy and through the reference. */
async function messageCase(seed: number, stats: { sizes: Record<SizeClass, number>; redacted: number; anchored: number }): Promise<string | null | 'skipped'> {
  const r = createRandom(seed);
  const p = generatePolicyCase(r, r.chance(0.5));
  const policy = compilePolicy({ policy: { rules: p.rules } });
  const tool = r.pick(TOOLS);
  const size = r.pick(SIZES);
  const measure = (value: unknown): number => (collectStrings(value, Infinity, Infinity) ?? []).reduce((n, text) => n + text.length, 0);
  const body = (): Record<string, unknown> => generateBody(r, p.c, size, measure);
  const failure = (what: string, detail: string, message: unknown): string =>
    [
      `case seed ${seed} (replay: MCPGW_DIFF_ONLY=${seed})`,
      `rules: ${JSON.stringify(p.rules)}`,
      `tool: ${tool}, size: ${size}`,
      `${what}: ${detail}`,
      `message: ${describeText(JSON.stringify(message))}`,
    ].join('\n  ');

  // Request side.
  const request = { jsonrpc: '2.0', id: seed, method: 'tools/call', params: { ...body(), name: tool, arguments: body() } };
  const req = side(p, tool, 'request');
  const requestTally: Tally = { count: 0 };
  // Response side, with the scope of that request; sometimes a batch.
  const response: unknown = r.chance(0.2) ? Array.from({ length: r.int(1, 3) }, (_, i) => serverMessage(r, body, i)) : serverMessage(r, body, seed);
  const res = side(p, tool, 'response');
  const responseTally: Tally = { count: 0 };
  let expectedRequest: unknown;
  let expectedResponse: unknown;
  try {
    expectedRequest = naiveMessage(request, loop(req.entries, req.mask, requestTally));
    const redactOne = (message: unknown): unknown => naiveMessage(message, loop(res.entries, res.mask, responseTally));
    expectedResponse = Array.isArray(response) ? response.map(redactOne) : redactOne(response);
  } catch (error) {
    if (error instanceof GaveUp) return 'skipped';
    throw error;
  }
  stats.sizes[size]++;
  if (requestTally.count > 0) stats.redacted++;
  if (p.c.entries.some((e) => usesTextAnchor(e.source))) stats.anchored++;

  const decision = await policy.evaluate(request, { upstream: 'docs' });
  // A method (or string id) that a request-side pattern of any rule matches is refused, never
  // forwarded as it came (the envelope is not rewritten): a random pattern such as [a-z] matches
  // "tools/call". The request side is then checked for the refusal; the response side still runs.
  const everyRule = new Uint8Array(p.redactRules.length).fill(1);
  const envelopeHoldsSecret = (naiveRedact(req.sideEntries, everyRule, request.method)?.count ?? 0) > 0;
  if (envelopeHoldsSecret) {
    if (decision.forward || decision.error?.code !== -32600) return failure('evaluate', `a method a pattern matches was not refused with -32600 (${decision.action})`, request);
  } else if (!decision.forward) {
    return failure('evaluate', `refused: ${JSON.stringify(decision.error)}`, request);
  } else {
    const requestDiff = firstDifference(decision.message, expectedRequest);
    if (requestDiff !== null) return failure('evaluate', requestDiff, request);
    if (decision.redactions !== requestTally.count) return failure('evaluate', `redactions ${decision.redactions}, loop count ${requestTally.count}`, request);
  }
  const requestPrefilter = prefilterProblem(req.sideEntries, req.mask, request);
  if (requestPrefilter !== null) return failure('mayOccurInAny (request side)', requestPrefilter, request);

  const scope = envelopeHoldsSecret ? policy.responseScope(request, { upstream: 'docs' }) : decision.responseScope;
  const result = policy.redactResponse(response, scope);
  const responseDiff = firstDifference(result.message, expectedResponse);
  if (responseDiff !== null) return failure('redactResponse', responseDiff, response);
  if (result.redactions !== responseTally.count) return failure('redactResponse', `redactions ${result.redactions}, loop count ${responseTally.count}`, response);
  for (const item of Array.isArray(response) ? response : [response]) {
    const problem = prefilterProblem(res.sideEntries, res.mask, item);
    if (problem !== null) return failure('mayOccurInAny (response side)', problem, item);
  }
  return null;
}

describe('policy.evaluate and policy.redactResponse rewrite every string of a message as the per-string loop does', () => {
  it(`on random messages (${MESSAGE_CASES} cases: nested, secret keys, strings across 4 096 chars, below, at and above 16 K chars, deep, with and without anchored patterns)`, async () => {
    const outcomes = new Outcomes();
    const stats = { sizes: { small: 0, medium: 0, 'near-16k': 0, large: 0, deep: 0 }, redacted: 0, anchored: 0 };
    for (const seed of seeds('message', MESSAGE_CASES)) outcomes.add(await messageCase(seed, stats));
    outcomes.check();
    if (ONLY_SEED === null) {
      expect(stats.redacted).toBeGreaterThan(outcomes.ran / 5);
      expect(stats.redacted).toBeLessThan(outcomes.ran);
      expect(stats.anchored).toBeGreaterThan(outcomes.ran / 5);
      expect(stats.anchored).toBeLessThan((outcomes.ran * 4) / 5);
      expect(Object.values(stats.sizes).every((n) => n > outcomes.ran / 20)).toBe(true);
    }
  });
});

/**
 * mayOccurInAny over a message's strings, with a Redactor built as the
 * policy builds its own for that side, answers false only when no string
 * of the message changes. A description of the problem, or null.
 */
function prefilterProblem(entries: RedactionEntry[], mask: RuleMask, message: unknown): string | null {
  const texts = messageTexts(message);
  if (new Redactor(entries).mayOccurInAny(texts, mask)) return null;
  const changing = texts.find((text) => (naiveRedact(entries, mask, text)?.count ?? 1) > 0);
  return changing === undefined ? null : `answered false, yet ${describeText(changing)} changes`;
}
