/**
 * A key's memory does not follow `limit` or the traffic: `limit: 1000000,
 * window: 1s` at 100 requests/s once held all 1,000,000 timestamps (~10
 * MiB); `limit: 10000000, window: 1h` at 2,000 requests/s held one per
 * request (7.2 million, ~60 MiB, per key) until limits above 1,000 were
 * counted in buckets. Runs the store (the built package) in its own process
 * with --expose-gc so the heap can be read exactly.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

const run = async (script: string) => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: ROOT, timeout: 25_000 });
  return JSON.parse(stdout) as { growthMb: number; refused: number; keys: number };
};

const script = `
const { MemoryRateLimitStore } = await import('@mcpgw/core');
const store = new MemoryRateLimitStore();
gc();
const before = process.memoryUsage().heapUsed;
// One hit every 10 ms for 10,000 s (simulated clock) under limit 1,000,000 per 1 s: never more than 100 inside the window.
let refused = 0;
for (let i = 0; i < 1_000_000; i++) if (!store.hit({ key: 'k', group: 'g', maxKeys: 1, limit: 1_000_000, windowMs: 1000, now: i * 10 }).allowed) refused++;
gc();
const after = process.memoryUsage().heapUsed;
process.stdout.write(JSON.stringify({ growthMb: (after - before) / 1048576, refused, keys: store.size }));
`;

describe('rate-limit store memory', () => {
  it('a key holds the timestamps its window needs, not up to `limit` of them', { timeout: 30_000 }, async () => {
    const result = await run(script);
    expect(result.refused).toBe(0);
    expect(result.keys).toBe(1);
    // 100 live timestamps need a few KiB; the store held ~10 MiB when this was written.
    expect(result.growthMb, `heap growth for one key with at most 100 hits in its window: ${result.growthMb.toFixed(1)} MiB`).toBeLessThan(1);
  });

  it('a key with a high limit and a long window stays small however busy it is', { timeout: 30_000 }, async () => {
    // 2,000 requests/s (simulated clock) for an hour under 10,000,000 per hour on 2 keys: 14.4 million hits, none refused.
    const busy = script
      .replace('for (let i = 0; i < 1_000_000; i++) if (!store.hit({ key: \'k\', group: \'g\', maxKeys: 1, limit: 1_000_000, windowMs: 1000, now: i * 10 }).allowed) refused++;',
        'for (let i = 0; i < 7_200_000; i++) for (const key of [\'a\', \'b\']) if (!store.hit({ key, group: \'g\', maxKeys: 2, limit: 10_000_000, windowMs: 3_600_000, now: i * 0.5 }).allowed) refused++;');
    expect(busy).not.toBe(script);
    const result = await run(busy);
    expect(result.refused).toBe(0);
    expect(result.keys).toBe(2);
    expect(result.growthMb, `heap growth for two keys with 7.2 million hits each in their window: ${result.growthMb.toFixed(1)} MiB`).toBeLessThan(1);
  });
});
