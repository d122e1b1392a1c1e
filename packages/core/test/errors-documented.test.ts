import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../src/index.js';

describe('error codes', () => {
  const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

  it.each(Object.values(ErrorCodes))('%s is documented in docs/errors.md with a heading', (code) => {
    expect(docs).toContain(`### \`${code}\``);
  });
});
