// What one piece of the agent's work cost, for its log line: the wall time, the process's CPU
// time and its minor page faults meanwhile. The wall time alone does not say why it was long:
// waiting for a CPU (a busy host), computing, or touching fresh memory (each page's first
// touch a trap into the kernel; in the lab's user-mode kernel 0.14-0.19 ms, docs/benchmarks.md).
import { performance } from 'node:perf_hooks';

export interface WorkCost {
  ms: number;
  /** user and system time of every thread of the process (collections and other calls between slices too) */
  cpuMs: number;
  pageFaults: number;
}

/** Starts counting; the function returned says what the work cost since, each figure rounded. */
export function startWorkCost(): () => WorkCost {
  const started = performance.now();
  const before = process.resourceUsage();
  return () => {
    const after = process.resourceUsage();
    const cpuMicros = after.userCPUTime + after.systemCPUTime - before.userCPUTime - before.systemCPUTime;
    return {
      ms: Math.round(performance.now() - started),
      cpuMs: Math.round(cpuMicros / 1000),
      pageFaults: after.minorPageFault - before.minorPageFault,
    };
  };
}
