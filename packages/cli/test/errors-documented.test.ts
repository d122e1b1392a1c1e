import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AuditLogErrorCodes } from '../src/audit/audit-log-error.js';

describe('daemon error codes', () => {
  const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

  it.each(Object.values(AuditLogErrorCodes))('%s is documented in docs/errors.md with a heading', (code) => {
    expect(docs).toContain(`### \`${code}\``);
  });
});
