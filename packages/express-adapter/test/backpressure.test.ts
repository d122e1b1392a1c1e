import { describe, expect, it } from 'vitest';
import { floodPausedClient } from './fixtures/sse-flood.js';

describe('SSE backpressure', () => {
  it('a client that stops reading pauses the upstream instead of filling the gateway memory', async () => {
    const total = 200 * 1024 * 1024;
    const flood = await floodPausedClient(total);
    // Socket buffers on loopback hold some megabytes; far less than the 200 MiB the upstream wants to send.
    expect(flood.writtenWhilePaused).toBeLessThan(48 * 1024 * 1024);
    expect(flood.finishedWhilePaused).toBe(false);
    // Reading again lets the whole stream through.
    expect(flood.finished).toBe(true);
    expect(flood.received).toBeGreaterThanOrEqual(total);
  }, 30_000);
});
