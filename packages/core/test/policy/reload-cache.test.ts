import { describe, expect, it } from 'vitest';
import { compilePolicy, type RuleInput } from '../../src/index.js';
import { compilePolicyInSlices, compilePolicyWith, ReloadCache } from '../../src/internal.js';
import { outcomes, rules } from './policy-variants.js';

describe('compilePolicyInSlices with a ReloadCache', () => {
  it('decides exactly as a fresh compile when rules are added before, changed, removed and reordered', async () => {
    const cache = new ReloadCache();
    await compilePolicyInSlices({ policy: { rules: rules() } }, { cache });
    const variants: RuleInput[][] = [
      rules(),
      rules([{ name: 'first', action: 'redact', patterns: ['echo'], replacement: '<e>' }]),
      rules([{ name: 'deny-all-echo', action: 'deny', match: { tool: '^echo$' } }]),
      rules().filter((rule) => rule.name !== 'redact-aws'),
      rules().map((rule) => (rule.name === 'tag-done' ? { ...rule, replacement: '<DONE>' } : rule)),
      [...rules()].reverse(),
      rules(),
    ];
    for (const variant of variants) {
      const fresh = compilePolicy({ policy: { rules: variant } });
      const cached = await compilePolicyInSlices({ policy: { rules: variant } }, { cache, sliceMs: 0 });
      expect(cached.rules).toEqual(fresh.rules);
      expect(await outcomes(cached)).toEqual(await outcomes(fresh));
    }
  });

  it('still checks the changed rules, and a rejected policy leaves the cache as it was', async () => {
    const cache = new ReloadCache();
    await compilePolicyInSlices({ policy: { rules: rules() } }, { cache });
    const kept = cache.begin();
    const bad = rules([{ name: 'bad', action: 'deny', match: { tool: '(' } }]);
    await expect(compilePolicyInSlices({ policy: { rules: bad } }, { cache })).rejects.toThrow(/invalid regex on rule "bad"/);
    const after = cache.begin();
    for (const rule of rules()) expect(after.take(JSON.stringify(rule))).toBe(kept.take(JSON.stringify(rule)));
  });

  it('hands the next compile the rules, sets and redactors of the last one, and holds nothing older', async () => {
    const cache = new ReloadCache();
    const first = rules();
    await compilePolicyInSlices({ policy: { rules: first } }, { cache });
    const build = cache.begin();
    const exec = JSON.stringify(first[0]);
    expect(build.take(exec)).toMatchObject({ name: 'deny-exec', index: 0 });
    // The RE2 set over the twelve ^famN_v[0-9]+ tools, built by that compile, is the one the next takes.
    const fam = Array.from({ length: 12 }, (_, i) => `^fam${i}_v[0-9]+`);
    expect(build.set(fam)).toBe(cache.begin().set(fam));
    expect(build.set(['^other$'])).not.toBe(cache.begin().set(['^other$']));

    // A policy without deny-exec: the cache then holds only what that policy uses.
    await compilePolicyInSlices({ policy: { rules: first.slice(1) } }, { cache });
    const next = cache.begin();
    expect(next.take(exec)).toBeUndefined();
    expect(next.take(JSON.stringify(first[1]))).toMatchObject({ name: 'redact-aws', index: 0 });
    expect(next.set(fam)).toBe(cache.begin().set(fam));
  });

  it('is filled by the startup compile (compilePolicyWith), so that the first reload takes what did not change', async () => {
    const cache = new ReloadCache();
    const first = rules();
    const startup = compilePolicyWith({ policy: { rules: first } }, cache);
    expect(startup.rules).toEqual(compilePolicy({ policy: { rules: first } }).rules);
    const build = cache.begin();
    expect(build.take(JSON.stringify(first[0]))).toMatchObject({ name: 'deny-exec' });
    const fam = Array.from({ length: 12 }, (_, i) => `^fam${i}_v[0-9]+`);
    expect(build.set(fam)).toBe(cache.begin().set(fam));
  });

  it("rebuilds only the RE2 sets of a redactor's chunks whose patterns changed", async () => {
    const pattern = (i: number) => `tok${i}_[a-z0-9]{8}`;
    const policy = (changed: string) => ({
      policy: { rules: [{ name: 'secrets', action: 'redact' as const, patterns: Array.from({ length: 70 }, (_, i) => (i === 69 ? changed : pattern(i))) }] },
    });
    const cache = new ReloadCache();
    compilePolicyWith(policy(pattern(69)), cache);
    const firstChunk = Array.from({ length: 64 }, (_, i) => pattern(i));
    const before = cache.begin().set(firstChunk);
    await compilePolicyInSlices(policy('changed_[0-9]+'), { cache });
    // The first 64 patterns did not change: their set is the one built before; the chunk of the changed one is new.
    expect(cache.begin().set(firstChunk)).toBe(before);
    expect(cache.begin().set([pattern(64), pattern(65), pattern(66), pattern(67), pattern(68), 'changed_[0-9]+'])).toBe(cache.begin().set([pattern(64), pattern(65), pattern(66), pattern(67), pattern(68), 'changed_[0-9]+']));
  });
});
