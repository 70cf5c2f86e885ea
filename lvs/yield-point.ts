// The agent answers Hello, Health and Status on the event loop its applies run on, so work
// that grows with the table (20,000 services x 10 destinations) runs in slices: once a slice
// has run SLICE_MS, setImmediate lets timers and I/O have their turn before the next one.
// Long computations are written as generators that `yield` where they may pause, so they stay
// pure: runToEnd runs one straight through, runSliced runs it in slices.
import { performance } from 'node:perf_hooks';

/** Long enough that pausing costs nothing measurable, far below the 1 s an RPC may wait. */
export const SLICE_MS = 20;

let pauses = 0;

/** How many times work has given the event loop its turn since the process started (for tests). */
export function pauseCount(): number {
  return pauses;
}

/** Lets timers and I/O run, then resumes. */
export function yieldToEventLoop(): Promise<void> {
  pauses++;
  return new Promise((resolve) => setImmediate(resolve));
}

/** A time slice of one long task: `pause()` gives the event loop its turn once the slice is used up. */
export class Slicer {
  private sliceStart = performance.now();

  /** the slice is used up: a hot loop checks this before awaiting pause() */
  get due(): boolean {
    return performance.now() - this.sliceStart >= SLICE_MS;
  }

  async pause(): Promise<void> {
    if (!this.due) return;
    await yieldToEventLoop();
    this.sliceStart = performance.now();
  }
}

/** A computation that `yield`s (nothing) where it may pause, and returns T. */
export type Pausable<T> = Generator<void, T, void>;

/** Runs it straight through: for pure callers and tests. */
export function runToEnd<T>(steps: Pausable<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs it in slices, giving the event loop its turn between them. */
export async function runSliced<T>(steps: Pausable<T>, slicer = new Slicer()): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (slicer.due) await slicer.pause();
  }
}
