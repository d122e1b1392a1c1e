/**
 * A key's memory is bounded by the hits inside its window, not by `limit`:
 * `limit: 1000000, window: 1s` at 100 requests/s holds about 100 timestamps
 * (it once held all 1,000,000, ~10 MiB). Runs the store (the built package)
 * in its own process with --expose-gc so the heap can be read exactly.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

const script = `
const { MemoryRateLimitStore } = await import('@mcpgw/core');
const store = new MemoryRateLimitStore();
gc();
const before = process.memoryUsage().heapUsed;
// One hit every 10 ms for 10,000 s (simulated clock) under limit 1,000,000 per 1 s: never more than 100 inside the window.
let refused = 0;
for (let i = 0; i < 1_000_000; i++) if (!store.hit({ key: 'k', limit: 1_000_000, windowMs: 1000, now: i * 10 }).allowed) refused++;
gc();
const after = process.memoryUsage().heapUsed;
process.stdout.write(JSON.stringify({ growthMb: (after - before) / 1048576, refused, keys: store.size }));
`;

describe('rate-limit store memory', () => {
  it('a key holds the timestamps its window needs, not up to `limit` of them', { timeout: 30_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: ROOT, timeout: 25_000 });
    const result = JSON.parse(stdout) as { growthMb: number; refused: number; keys: number };
    expect(result.refused).toBe(0);
    expect(result.keys).toBe(1);
    // 100 live timestamps need a few KiB; the store held ~10 MiB when this was written.
    expect(result.growthMb, `heap growth for one key with at most 100 hits in its window: ${result.growthMb.toFixed(1)} MiB`).toBeLessThan(1);
  });
});
