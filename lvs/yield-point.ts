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

/**
 * Reading the clock about once per CHECK_MS of work is enough to end slices on time (a slice
 * overshoots by about that much). In the lab's user-mode Linux a read is a system call: read
 * every millisecond, it was 10 % of a no-op apply's CPU there; every 2 ms with at most 128
 * steps between reads, still 150 ms of a 2,000-service load (the clock read 3.4 % of its time).
 */
const CHECK_MS = 4;
/**
 * At most this many steps between two reads: a run of quick steps followed by slow ones
 * overshoots the slice by at most this many slow steps. The default suits steps that are
 * computation (a step of a table-sized loop takes microseconds; 1,024 of one 50 times slower
 * still end the slice within ~100 ms). Steps that are system calls whose cost grows as they go
 * (the reads of a 20,000-service /proc listing: 35 ms each at its end, in the lab) take a small
 * `maxStride`: with 256 there, one slice held the event loop 10 s.
 */
const MAX_STRIDE = 1024;
/**
 * The stride starts at this and is not halved below it (a Slicer with a smaller `maxStride`
 * starts at 1 and may go down to 1, as before). A read that comes late because
 * the process was not running (the lab's guest has one CPU, which the agent shares with the
 * controller and a realserver agent) looks like slow steps; halving on that, the stride fell
 * to one read a step, each read a system call that a busy host makes slower still: 2.2 s of a
 * 2,000-service load went into reading the clock there. A loop whose steps may each take
 * milliseconds gives its own small `maxStride`.
 */
const MIN_STRIDE = 8;

/**
 * A time slice of one long task: `pause()` gives the event loop its turn once the slice is
 * used up. Reading the clock is a system call where the kernel has no vDSO (the lab's
 * user-mode Linux): once per step it cost a 2,000-service apply 8 % of its CPU there. So
 * `due` reads it only every `stride` calls, the stride doubling while steps are quick and
 * halving when they are slow, so that a read comes about every CHECK_MS of work.
 */
export class Slicer {
  private sliceStart = performance.now();
  private lastRead = this.sliceStart;
  private stride: number;
  private countdown: number;
  /** once the slice is found used up, it stays so until pause() */
  private over = false;
  private readonly maxStride: number;
  private readonly minStride: number;

  constructor(options: { maxStride?: number } = {}) {
    this.maxStride = Math.max(1, Math.min(MAX_STRIDE, options.maxStride ?? MAX_STRIDE));
    // the floor holds for loops of computation; one with a small maxStride keeps reading every step when it must
    this.minStride = this.maxStride < MIN_STRIDE ? 1 : MIN_STRIDE;
    this.stride = this.minStride;
    this.countdown = this.minStride;
  }

  /** the slice is used up: a hot loop checks this before awaiting pause() */
  get due(): boolean {
    if (this.over) return true;
    if (--this.countdown > 0) return false;
    const now = performance.now();
    const sinceRead = now - this.lastRead;
    if (sinceRead < CHECK_MS / 2) this.stride = Math.min(this.stride * 2, this.maxStride);
    else if (sinceRead > CHECK_MS * 2) this.stride = Math.max(this.minStride, this.stride >> 1);
    this.countdown = this.stride;
    this.lastRead = now;
    this.over = now - this.sliceStart >= SLICE_MS;
    return this.over;
  }

  async pause(): Promise<void> {
    if (!this.due) return;
    await yieldToEventLoop();
    this.over = false;
    this.sliceStart = performance.now();
    this.lastRead = this.sliceStart;
  }
}

/**
 * Steps of a few lookups each between two pause points of a table-sized loop: a pause point
 * (the generator's resumption and its result object) costs about as much as such a step, and
 * the loops of a one-weight apply made 2,000 of each, a tenth of its CPU in the lab.
 */
export const QUICK_STEPS_PER_PAUSE = 16;

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

/** items.map(fn), pausing after each item: for a map over a 220,000-entry table. */
export function* mapPausing<T, U>(items: readonly T[], fn: (item: T) => U): Pausable<U[]> {
  const out: U[] = [];
  for (const item of items) {
    out.push(fn(item));
    yield;
  }
  return out;
}
