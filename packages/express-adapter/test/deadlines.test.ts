import { describe, expect, it } from 'vitest';
import { Deadlines } from '../src/deadlines.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Deadlines', () => {
  it('fires about on time, once; cancelled and refreshed deadlines do not fire early', async () => {
    const deadlines = new Deadlines();
    const fired: string[] = [];
    const started = performance.now();
    deadlines.add(300, () => fired.push(`a ${Math.round(performance.now() - started)}`));
    const cancelled = deadlines.add(300, () => fired.push('cancelled'));
    const refreshed = deadlines.add(300, () => fired.push('refreshed'));
    deadlines.cancel(cancelled);
    await sleep(220);
    deadlines.refresh(refreshed);
    await sleep(200);
    expect(fired).toHaveLength(1);
    const at = Number(fired[0]?.split(' ')[1]);
    expect(at).toBeGreaterThanOrEqual(180);
    expect(at).toBeLessThan(500);
    await sleep(300);
    expect(fired.slice(1)).toEqual(['refreshed']);
    deadlines.close();
  });

  it('starts from a fresh clock after being idle', async () => {
    const deadlines = new Deadlines();
    const fired: number[] = [];
    deadlines.add(50, () => fired.push(1));
    await sleep(400);
    // Idle now; a new deadline must not count from the last tick.
    const started = performance.now();
    deadlines.add(300, () => fired.push(Math.round(performance.now() - started)));
    await sleep(500);
    expect(fired[0]).toBe(1);
    expect(fired[1]).toBeGreaterThanOrEqual(200);
    deadlines.close();
  });
});
