/**
 * Work written once as a generator that yields between steps, run either at
 * once ({@link runSteps}) or spread over the event loop ({@link runStepsInSlices}).
 */
export type Steps<T> = Generator<void, T>;

/** Runs every step now and returns the result. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}

/**
 * Runs the steps in slices of about `sliceMs` milliseconds, letting the event
 * loop run (timers, I/O, requests) between slices. A single step longer than a
 * slice is not cut.
 */
export async function runStepsInSlices<T>(steps: Steps<T>, sliceMs: number): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}
