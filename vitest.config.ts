import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Suites that take long or assert on wall-clock time and memory: the
 * fuzzers and the random-input (property) tests, the differential
 * redaction test, the fault and soak suites, the memory bounds, the
 * benchmarks' smoke runs that docs/benchmarks.md prints. They run with
 * `npm run test:slow` (vitest.slow.config.ts), which CI runs after
 * `npm test`. README (Repository) says what each tier holds.
 */
export const SLOW_TESTS = [
  'test/faults/**/*.test.ts',
  'test/soak/**/*.test.ts',
  'packages/core/test/redact/differential.test.ts',
  // Heap growth of the rate-limit store under millions of hits, in a process of its own.
  'packages/core/test/rate-limit/memory-bound.test.ts',
  // Suites named *.slow.test.ts: the random-input and memory halves of suites whose deterministic half stays in npm test.
  '**/*.slow.test.ts',
  // npm pack and npm install: each compiles re2 (about a minute).
  'test/packaging/install.test.ts',
  'test/packaging/pack.test.ts',
  'test/packaging/systemd.test.ts',
  // The benchmarks' smoke runs (about 40 s).
  'test/docs/bench-commands.test.ts',
];

/**
 * `npm start` runs `turbo run build`, which restores every dist/ file from
 * turbo's cache, so a suite reading dist/ meanwhile can find a file missing.
 * These run in a group of their own, before the others.
 */
const REBUILDS_DIST = ['test/demo.test.ts'];

export default defineConfig({
  test: {
    // Vitest's default is one worker fewer than the CPUs: one on a 2-core machine, which then runs the
    // files one by one. The suites mostly wait on the processes they start, so two share two cores well.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // A worker imports the SDK, the packages and the fixtures once, not once per file: a suite
    // must leave no global state behind (no-v8-regexp.test.ts restores RegExp after each test).
    // The slow tier keeps vitest's isolation: its heap bounds measure one suite alone.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // expect.poll waits for what must happen, however late a busy machine runs it (vitest's default is 1 s).
    expect: { poll: { timeout: 10_000 } },
    projects: [
      { extends: true, test: { name: 'rebuilds-dist', include: REBUILDS_DIST, sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: 'fast',
          include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/node_modules/**', ...SLOW_TESTS, ...REBUILDS_DIST],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
