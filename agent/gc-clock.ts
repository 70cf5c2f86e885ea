// How long V8's collector has run in this process: an apply's "apply finished" line says how
// much of its time went to collections (a collection started by one apply's garbage can land
// in the next, and in the lab's one-CPU guest one took 60 ms of a 90 ms apply). One
// PerformanceObserver for the process, made at the first ask. Its entries arrive a moment
// after each collection, so a collection in the last instant of a span may count in the next.
import { PerformanceObserver } from 'node:perf_hooks';

let collectedMs = 0;
let observer: PerformanceObserver | undefined;

/** ms spent collecting since the first call (0 at the first call). */
export function gcMsSoFar(): number {
  if (observer === undefined) {
    observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) collectedMs += entry.duration;
    });
    observer.observe({ entryTypes: ['gc'] });
  }
  return collectedMs;
}
