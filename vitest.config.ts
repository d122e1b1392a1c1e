import { defineConfig } from 'vitest/config';

/**
 * Suites that take long or assert on wall-clock time and memory: the
 * fuzzers, the differential redaction test, the fault and soak suites, the
 * benchmarks' smoke runs that docs/benchmarks.md prints. They
 * run with `npm run test:slow` (vitest.slow.config.ts), which CI runs after
 * `npm test`.
 */
export const SLOW_TESTS = [
  'test/faults/**/*.test.ts',
  'test/soak/**/*.test.ts',
  'packages/core/test/redact/differential.test.ts',
  // npm pack and npm install: each compiles re2 (about a minute).
  'test/packaging/install.test.ts',
  'test/packaging/pack.test.ts',
  'test/packaging/systemd.test.ts',
  // The benchmarks' smoke runs (about 40 s).
  'test/docs/bench-commands.test.ts',
];

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...SLOW_TESTS],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
