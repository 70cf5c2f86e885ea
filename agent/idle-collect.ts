// A full collection once the agent is idle after an apply that left much garbage behind.
// A 2,000-service load leaves tens of MB of it; V8 collects it only when later allocation
// pushes it to, so the next apply (one weight, a no-op) paid up to 60 ms of marking and
// finalisation in the lab's guest (docs/benchmarks.md). Collected while nothing waits,
// that time leaves the applies, and the heap the load grew is given back.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { performance } from 'node:perf_hooks';

/** One full, blocking collection (V8's `gc()`). */
export type Collect = () => void;

/**
 * V8's `gc()`: the one `node --expose-gc` gives, or else exposed now and taken from a new
 * context (the flag is read when a context is made; jest's leak detector does the same).
 * undefined when this V8 will not give it: the agent then collects as V8 decides.
 */
export function fullCollection(): Collect | undefined {
  const given = (globalThis as { gc?: unknown }).gc;
  if (typeof given === 'function') return given as Collect;
  try {
    setFlagsFromString('--expose-gc');
    const exposed: unknown = runInNewContext('gc');
    return typeof exposed === 'function' ? (exposed as Collect) : undefined;
  } catch {
    return undefined;
  }
}

export interface IdleCollectDone {
  ms: number;
  heapBeforeMiB: number;
  heapAfterMiB: number;
}

export interface IdleCollectorOptions {
  collect: Collect;
  /** how long no apply must run before collecting */
  idleMs: number;
  /** the heap's growth since the last collection (garbage and all) that makes one worth it */
  growthBytes: number;
  /** told of each collection, for the log */
  collected: (done: IdleCollectDone) => void;
  /** the heap in use, bytes (tests inject it) */
  heapUsed?: () => number;
}

const MIB = 1024 * 1024;

export class IdleCollector {
  private readonly heapUsed: () => number;
  private baseline: number;
  private timer: NodeJS.Timeout | undefined;
  private applies = 0;
  private stopped = false;

  constructor(private readonly options: IdleCollectorOptions) {
    this.heapUsed = options.heapUsed ?? (() => getHeapStatistics().used_heap_size);
    this.baseline = this.heapUsed();
  }

  /** An apply starts: a collection waiting for the idle moment waits again. */
  busy(): void {
    this.applies += 1;
    this.cancel();
  }

  /** An apply ended: when no other runs and the heap grew enough, collect after idleMs. */
  idle(): void {
    this.applies = Math.max(0, this.applies - 1);
    if (this.stopped || this.applies > 0 || this.heapUsed() - this.baseline < this.options.growthBytes) return;
    this.cancel();
    this.timer = setTimeout(() => this.collectNow(), this.options.idleMs);
    // a stopping agent does not wait for it
    this.timer.unref();
  }

  /** The collection waiting for the idle moment is put off to the end of the next apply (one is announced). */
  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** No collection follows, not even after the apply still in flight (the agent stops). */
  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  private collectNow(): void {
    this.timer = undefined;
    const before = this.heapUsed();
    const started = performance.now();
    this.options.collect();
    const ms = performance.now() - started;
    this.baseline = this.heapUsed();
    this.options.collected({ ms: Math.round(ms), heapBeforeMiB: Math.round(before / MIB), heapAfterMiB: Math.round(this.baseline / MIB) });
  }
}
