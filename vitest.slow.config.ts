import { defineConfig } from 'vitest/config';
import { SLOW_TESTS } from './vitest.config.js';

/** The slow tier (see vitest.config.ts): `npm run test:slow`; `npm run soak` runs its soak suites at full length. */
export default defineConfig({
  test: {
    include: SLOW_TESTS,
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
