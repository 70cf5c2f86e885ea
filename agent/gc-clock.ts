// How long V8's collector ran within a span of work: an apply's "apply finished" line says how
// much of its time went to collections (a collection started by one apply's garbage can land
// in the next, and in the lab's one-CPU guest one took 60 ms of a 90 ms apply). One
// PerformanceObserver for the process, made at the first span. Its entries arrive a moment
// after each collection, while the event loop turns: a collection is counted in a span by
// when it started, so one that ran before the span (the agent's own once idle) but arrived
// inside it is not; one in the last instant of a span may arrive after its end and be missed.
import { PerformanceObserver, performance } from 'node:perf_hooks';

/** A span being timed: end() gives the ms the collector ran inside it. */
export interface GcSpan {
  end(): number;
}

interface OpenSpan {
  from: number;
  ms: number;
}

const open = new Set<OpenSpan>();
let observer: PerformanceObserver | undefined;

/** Starts timing the collector from now. */
export function gcSpan(): GcSpan {
  if (observer === undefined) {
    observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        for (const span of open) if (entry.startTime >= span.from) span.ms += entry.duration;
      }
    });
    observer.observe({ entryTypes: ['gc'] });
  }
  const span: OpenSpan = { from: performance.now(), ms: 0 };
  open.add(span);
  return {
    end: () => {
      open.delete(span);
      return span.ms;
    },
  };
}
