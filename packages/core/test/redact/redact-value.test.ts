import { describe, expect, it } from 'vitest';
import { MAX_REDACTION_DEPTH, redactValue } from '../../src/internal.js';

const upper = (text: string) => (text.includes('secret') ? text.replaceAll('secret', '***') : text);

describe('redactValue', () => {
  it('rewrites every string in nested objects and arrays, and leaves other values', () => {
    const input = { a: 'secret', b: [1, true, null, 'x secret', { c: { d: ['secret'] } }], e: 2.5 };
    expect(redactValue(input, upper)).toEqual({ a: '***', b: [1, true, null, 'x ***', { c: { d: ['***'] } }], e: 2.5 });
  });

  it('copies only what changed and never modifies the input', () => {
    const untouched = { deep: ['fine'] };
    const input = { changed: { s: 'secret' }, untouched };
    const frozen = structuredClone(input);
    const output = redactValue(input, upper) as typeof input;
    expect(input).toEqual(frozen);
    expect(output.untouched).toBe(untouched);
    expect(redactValue(untouched, upper)).toBe(untouched);
  });

  it('rewrites object keys too', () => {
    expect(redactValue({ 'secret-key': 'v', ok: { 'a secret': 1 } }, upper)).toEqual({ '***-key': 'v', ok: { 'a ***': 1 } });
  });

  it('keeps a "__proto__" key as data, never as the prototype', () => {
    const input = JSON.parse('{"__proto__": {"x": "secret"}, "y": "secret"}') as Record<string, unknown>;
    const output = redactValue(input, upper) as Record<string, unknown>;
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(JSON.stringify(output)).toBe('{"__proto__":{"x":"***"},"y":"***"}');
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('walks nesting up to its depth bound iteratively, and refuses deeper input (100,000 levels) instead of overflowing', () => {
    const depth = MAX_REDACTION_DEPTH - 2;
    const deep = JSON.parse(`${'['.repeat(depth)}"secret"${']'.repeat(depth)}`);
    const output = redactValue(deep, upper);
    expect(JSON.stringify(output)).toBe(`${'['.repeat(depth)}"***"${']'.repeat(depth)}`);
    const tooDeep = JSON.parse(`${'['.repeat(100_000)}"secret"${']'.repeat(100_000)}`);
    expect(() => redactValue(tooDeep, upper)).toThrow(expect.objectContaining({ code: 'MCPGW_ERR_REDACTION_FAILED' }));
  });
});
