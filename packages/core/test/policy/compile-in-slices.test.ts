import { describe, expect, it } from 'vitest';
import { compilePolicy, parseConfig, PolicyError, type RuleInput } from '../../src/index.js';
import { compilePolicyInSlices } from '../../src/internal.js';
import { AWS_KEY, call } from '../helpers.js';
import { outcomes, rules } from './policy-variants.js';

describe('compilePolicyInSlices', () => {
  const big = (count: number): RuleInput[] =>
    Array.from({ length: count }, (_, i): RuleInput =>
      i % 3 === 0
        ? { name: `r${i}`, action: 'redact', match: { tool: `^t${i}$` }, patterns: [`sec${i}_[a-z0-9]{8}`, `tok${i}-[A-Z]{12}`] }
        : { name: `r${i}`, action: 'deny', match: { tool: `^(exec|run)_${i}_v[0-9]+(_[a-z]+)?$` } },
    );

  it('gives the policy compilePolicy gives', async () => {
    for (const variant of [rules(), rules([{ name: 'first', action: 'redact', patterns: ['echo'], replacement: '<e>' }]), [...rules()].reverse()]) {
      const sync = compilePolicy({ policy: { rules: variant } });
      for (const sliced of [await compilePolicyInSlices({ policy: { rules: variant } }), await compilePolicyInSlices({ policy: { rules: variant } }, { sliceMs: 0 })]) {
        expect(sliced.rules).toEqual(sync.rules);
        expect(await outcomes(sliced)).toEqual(await outcomes(sync));
      }
    }
    // A config from parseConfig too.
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
      const policy = await compilePolicyInSlices(config, { sliceMs: 2 });
      expect(duringSync).toBe(0);
      // A 600-rule compile takes tens of ms: a 1 ms timer fires many times meanwhile.
      expect(ticks).toBeGreaterThan(3);
      expect(policy.ruleCount).toBe(600);
    } finally {
      clearInterval(timer);
    }
  });
});

describe('policies compiled from the same patterns', () => {
  const config = (name: string) => `upstreams:
  - name: docs
    url: http://127.0.0.1:3001/mcp
policy:
  rules:
    - { name: ${name}, action: redact, patterns: ["AKIA[0-9A-Z]{16}"], replacement: "<${name}>" }
    - { name: ${name}-too, action: redact, direction: response, patterns: ["AKIA[0-9A-Z]{16}"] }
`;

  it('two live policies with one pattern each redact every occurrence, in turn', async () => {
    const older = compilePolicy(parseConfig(config('old')));
    const newer = compilePolicy(parseConfig(config('new')));
    const text = `a ${AWS_KEY} b ${AWS_KEY} c`;
    for (const [policy, name] of [[older, 'old'], [newer, 'new'], [older, 'old']] as const) {
      const decision = await policy.evaluate(call('echo', { k: text }, 1));
      expect(decision.message).toMatchObject({ params: { arguments: { k: `a <${name}> b <${name}> c` } } });
      const answer = policy.redactResponse({ jsonrpc: '2.0', id: 1, result: { text } }, decision.responseScope);
      expect(JSON.stringify(answer.message)).not.toContain(AWS_KEY);
    }
  });
});
