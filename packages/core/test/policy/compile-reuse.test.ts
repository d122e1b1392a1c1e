import { describe, expect, it } from 'vitest';
import { compilePolicy, compilePolicyInSlices, MemoryRateLimitStore, parseConfig, PolicyError, type RuleInput } from '../../src/index.js';
import { parsedRulesOf } from '../../src/config/parsed-rules.js';
import { AWS_KEY, call } from '../helpers.js';

const rules = (extra: RuleInput[] = []): RuleInput[] => [
  ...extra,
  { name: 'deny-exec', action: 'deny', match: { tool: '^exec$' } },
  { name: 'redact-aws', action: 'redact', patterns: ['AKIA[0-9A-Z]{16}'], replacement: '<aws>' },
  { name: 'tag-done', action: 'redact', direction: 'response', patterns: ['done'], replacement: '<done>' },
  ...Array.from({ length: 12 }, (_, i): RuleInput => ({ name: `p${i}`, action: 'deny', match: { tool: `^fam${i}_v[0-9]+` } })),
  { name: 'limit', action: 'rate_limit', limit: 1, window: '1m', key: 'client' },
];

async function outcomes(policy: ReturnType<typeof compilePolicy>) {
  const context = { rateLimits: new MemoryRateLimitStore(), client: 'c', now: 0 };
  const results = [];
  for (const message of [call('exec', {}, 1), call('fam3_v7', {}, 2), call('echo', { k: AWS_KEY }, 3), call('echo', {}, 4)]) {
    const decision = await policy.evaluate(message, context);
    const response = policy.redactResponse({ jsonrpc: '2.0', id: 1, result: { text: `done ${AWS_KEY}` } }, decision.responseScope);
    results.push({ action: decision.action, rules: decision.rules, error: decision.error, message: decision.message, response: response.message });
  }
  return results;
}

describe('compilePolicy with the previous policy', () => {
  it('decides exactly as a fresh compile when rules are added before, changed and removed', async () => {
    const previous = compilePolicy({ policy: { rules: rules() } });
    const variants: RuleInput[][] = [
      rules(),
      rules([{ name: 'first', action: 'redact', patterns: ['echo'], replacement: '<e>' }]),
      rules([{ name: 'deny-all-echo', action: 'deny', match: { tool: '^echo$' } }]),
      rules().filter((rule) => rule.name !== 'redact-aws'),
      rules().map((rule) => (rule.name === 'tag-done' ? { ...rule, replacement: '<DONE>' } : rule)),
      [...rules()].reverse(),
    ];
    for (const variant of variants) {
      const fresh = compilePolicy({ policy: { rules: variant } });
      const reused = compilePolicy({ policy: { rules: variant } }, { previous });
      expect(reused.rules).toEqual(fresh.rules);
      expect(await outcomes(reused)).toEqual(await outcomes(fresh));
    }
  });

  it('still validates the changed rules', () => {
    const previous = compilePolicy({ policy: { rules: rules() } });
    expect(() => compilePolicy({ policy: { rules: rules([{ name: 'bad', action: 'deny', match: { tool: '(' } }]) } }, { previous })).toThrow(/invalid regex on rule "bad"/);
  });

  it('makes a reload of a large policy with a few changed rules cheaper than compiling it afresh', () => {
    const big = (tag: string): RuleInput[] =>
      Array.from({ length: 600 }, (_, i): RuleInput =>
        i % 3 === 0
          ? { name: `r${i}`, action: 'redact', match: { tool: `^t${i}$` }, patterns: [`sec${i}_[a-z0-9]{8}(?:${tag})?`, `tok${i}-[A-Z]{12}`] }
          : { name: `r${i}`, action: 'deny', match: { tool: `^(exec|run)_${i}_v[0-9]+(_[a-z]+)?$` } },
      );
    const time = (f: () => unknown) => {
      const started = process.hrtime.bigint();
      f();
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const previous = compilePolicy({ policy: { rules: big('a') } });
    const next = big('a').map((rule, i) => (i < 3 ? { ...rule, name: `${rule.name}-changed` } : rule));
    const fresh: number[] = [];
    const reused: number[] = [];
    for (let round = 0; round < 3; round++) {
      // From scratch: patterns this thread has not compiled yet (compiled programs are shared by source).
      fresh.push(time(() => compilePolicy({ policy: { rules: big(`fresh${round}`) } })));
      reused.push(time(() => compilePolicy({ policy: { rules: next } }, { previous })));
    }
    const median = (list: number[]) => [...list].sort((a, b) => a - b)[1] as number;
    expect(median(reused)).toBeLessThan(median(fresh) / 2);
  });
});

describe('parseConfig with the previous config', () => {
  const text = (replacement: string, badTool = false) => `upstreams:
  - name: docs
    url: http://127.0.0.1:3001/mcp
policy:
  rules:
    - { name: deny-exec, action: deny, match: { tool: "${badTool ? '(exec' : '^exec$'}" } }
    - { name: redact, action: redact, patterns: ["AKIA[0-9A-Z]{16}"], replacement: "${replacement}" }
`;

  it('gives the same config and policy, and still reports the problems of changed rules', async () => {
    const previous = parseConfig(text('<a>'));
    const next = parseConfig(text('<b>'), { previous });
    expect(next).toEqual(parseConfig(text('<b>')));
    const decision = await compilePolicy(next).evaluate(call('x', { k: AWS_KEY }, 9));
    expect(decision.message).toMatchObject({ params: { arguments: { k: '<b>' } } });
    expect(() => parseConfig(text('<b>', true), { previous })).toThrow('invalid regex on rule "deny-exec": missing closing parenthesis');
  });
});

describe('compilePolicyInSlices', () => {
  const big = (count: number, tag = ''): RuleInput[] =>
    Array.from({ length: count }, (_, i): RuleInput =>
      i % 3 === 0
        ? { name: `r${i}`, action: 'redact', match: { tool: `^t${i}${tag}$` }, patterns: [`sec${i}_[a-z0-9]{8}${tag}`, `tok${i}-[A-Z]{12}${tag}`] }
        : { name: `r${i}`, action: 'deny', match: { tool: `^(exec|run)_${i}_v[0-9]+(_[a-z]+)?${tag}$` } },
    );

  it('gives the policy compilePolicy gives, with and without the previous one', async () => {
    const previous = compilePolicy({ policy: { rules: rules() } });
    for (const variant of [rules(), rules([{ name: 'first', action: 'redact', patterns: ['echo'], replacement: '<e>' }]), [...rules()].reverse()]) {
      const sync = compilePolicy({ policy: { rules: variant } });
      for (const sliced of [await compilePolicyInSlices({ policy: { rules: variant } }), await compilePolicyInSlices({ policy: { rules: variant } }, { previous, sliceMs: 0 })]) {
        expect(sliced.rules).toEqual(sync.rules);
        expect(await outcomes(sliced)).toEqual(await outcomes(sync));
      }
    }
    // A config from parseConfig (its rules already compiled) too.
    const parsed = parseConfig(`upstreams:\n  - name: docs\n    url: http://127.0.0.1:3001/mcp\npolicy:\n  rules:\n    - { name: deny-exec, action: deny, match: { tool: "^exec$" } }\n`);
    expect((await compilePolicyInSlices(parsed)).rules).toEqual(compilePolicy(parsed).rules);
  });

  it('rejects with the PolicyError compilePolicy throws', async () => {
    const bad = { policy: { rules: [...big(50), { name: 'bad', action: 'deny', match: { tool: '(' } } as RuleInput] } };
    let thrown: unknown;
    try {
      compilePolicy(bad);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PolicyError);
    await expect(compilePolicyInSlices(bad, { sliceMs: 0 })).rejects.toThrow((thrown as Error).message);
    await expect(compilePolicyInSlices({ policy: { rules: 'nope' } } as never)).rejects.toBeInstanceOf(PolicyError);
  });

  it('lets the event loop run while a large policy compiles', async () => {
    const config = { policy: { rules: big(600) } };
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      compilePolicy(config);
      const duringSync = ticks;
      // Other patterns than the synchronous compile's: compiled programs are shared by source.
      const policy = await compilePolicyInSlices({ policy: { rules: big(600, 'sliced') } }, { sliceMs: 2 });
      expect(duringSync).toBe(0);
      // A 600-rule compile takes tens of ms: a 1 ms timer fires many times meanwhile.
      expect(ticks).toBeGreaterThan(3);
      expect(policy.ruleCount).toBe(600);
    } finally {
      clearInterval(timer);
    }
  });
});

describe('compiled patterns shared between policies', () => {
  const config = (name: string, patterns: string[]) => `upstreams:
  - name: docs
    url: http://127.0.0.1:3001/mcp
policy:
  rules:
    - { name: ${name}, action: redact, patterns: ${JSON.stringify(patterns)}, replacement: "<${name}>" }
    - { name: ${name}-too, action: redact, direction: response, patterns: ${JSON.stringify(patterns)} }
`;
  const programs = (text: string) => (parsedRulesOf(parseConfig(text)) ?? []).map((rule) => (rule.action === 'redact' ? rule.compiledPatterns : []));

  it('a renamed rule gets the very programs compiled for its patterns before; other patterns get their own', () => {
    const [first] = programs(config('keys', ['AKIA[0-9A-Z]{16}', 'sk_live_[0-9a-z]{8}']));
    const [renamed] = programs(config('keys-renamed', ['AKIA[0-9A-Z]{16}', 'sk_live_[0-9a-z]{8}']));
    const [other] = programs(config('keys', ['AKIA[0-9A-Z]{17}', 'sk_live_[0-9a-z]{8}']));
    expect(renamed?.[0]).toBe(first?.[0]);
    expect(renamed?.[1]).toBe(first?.[1]);
    expect(other?.[0]).not.toBe(first?.[0]);
    expect(other?.[1]).toBe(first?.[1]);
  });

  it('two rules and two live policies using one program still redact every occurrence', async () => {
    const older = compilePolicy(parseConfig(config('old', ['AKIA[0-9A-Z]{16}'])));
    const newer = compilePolicy(parseConfig(config('new', ['AKIA[0-9A-Z]{16}'])));
    const text = `a ${AWS_KEY} b ${AWS_KEY} c`;
    for (const [policy, name] of [[older, 'old'], [newer, 'new'], [older, 'old']] as const) {
      const decision = await policy.evaluate(call('echo', { k: text }, 1));
      expect(decision.message).toMatchObject({ params: { arguments: { k: `a <${name}> b <${name}> c` } } });
      const answer = policy.redactResponse({ jsonrpc: '2.0', id: 1, result: { text } }, decision.responseScope);
      expect(JSON.stringify(answer.message)).not.toContain(AWS_KEY);
    }
  });
});
