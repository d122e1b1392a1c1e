import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkRandomEdits } from './random-edits.js';
import { printedSchema, schemaAccepts } from './schema-checks.js';

// The random-edit half of schema-agrees-with-validate.test.ts (slow tier):
// npm test makes the first 200 of these edits.
describe('mcpgw schema and mcpgw validate agree on random edits', () => {
  let check: ValidateFunction;

  beforeAll(async () => {
    check = await printedSchema();
  });

  it('on 2,000 random edits of the valid configs: what the schema refuses validate refuses, and validate refuses nothing else the schema could', () => {
    const tally = checkRandomEdits(2000, (text) => schemaAccepts(check, text));
    // The edits reach all three outcomes, or the test proves little (this seed: 1683, 135, 182).
    expect(tally.schemaRefused).toBeGreaterThan(1000);
    expect(tally.beyondSchemaOnly).toBeGreaterThan(50);
    expect(tally.bothAccepted).toBeGreaterThan(100);
  });
});
