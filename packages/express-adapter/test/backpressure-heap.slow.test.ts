import { describe, expect, it } from 'vitest';
import { floodPausedClient } from './fixtures/sse-flood.js';

// Slow tier: a heap bound. The margin: the stream is 200 MiB; a gateway that
// kept what it relayed would grow by about that much, so 64 MiB (a third)
// separates that from garbage not collected yet, with room for the GC's timing.
describe('SSE backpressure, on the heap', () => {
  it('200 MiB of events relayed to a client that paused and resumed leave the heap within 64 MiB of where it was', async () => {
    const total = 200 * 1024 * 1024;
    const flood = await floodPausedClient(total);
    expect(flood.received).toBeGreaterThanOrEqual(total);
    expect(flood.heapGrowth).toBeLessThan(64 * 1024 * 1024);
  }, 30_000);
});
