import { defineConfig } from 'vitest/config';
import { SLOW_TESTS } from './vitest.config.js';

/**
 * The slow tier (see vitest.config.ts): `npm run test:slow`; `npm run soak`
 * runs its soak suites at full length. One file at a time on any machine:
 * its wall-clock and heap bounds and the benchmarks' smoke runs measure the
 * code under test, not the suites beside them, and `npm run bench` builds
 * dist/ again (turbo restores it from its cache) under whatever else runs.
 */
export default defineConfig({
  test: {
    include: SLOW_TESTS,
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
