// How long each part of one apply took, how many pages of memory it touched for the first
// time, and how the IPVS table was read for it, for its "director apply finished" log line:
// where a slow apply spends its time (reading the kernel, the batch, the read-back, the
// report), on a production director, without a profiler. Page faults: each is a trap into the
// kernel; under a user-mode kernel (the lab's) one costs 0.14-0.19 ms, and a 2,000-service
// load takes thousands (docs/benchmarks.md).
import { performance } from 'node:perf_hooks';
import type { ReadAccount } from '../../lvs/ipvs-reading';
import { startWorkCost } from '../work-cost';

export class ApplyPhases {
  private last = performance.now();
  private lastFaults = minorPageFaults();
  /** the process's CPU time since the apply began: on a busy host the wall time is mostly waiting for a CPU */
  private readonly sinceStart = startWorkCost();
  /** ms per phase, rounded; a phase met twice adds up */
  readonly ms: Record<string, number> = {};
  /** minor page faults of the process per phase (a phase met twice adds up) */
  readonly pageFaults: Record<string, number> = {};
  /** how the door answered each read of the table ("plan", "readBack"): whole, from memory, or partly */
  readonly ipvsReads: Record<string, ReadAccount> = {};

  /** Keeps how a read was answered, when the door said. */
  read(which: string, how: ReadAccount | undefined): void {
    if (how) this.ipvsReads[which] = how;
  }

  /** ms of CPU (user and system, every thread of the process: collections and file I/O too) since the apply began */
  cpuMs(): number {
    return this.sinceStart().cpuMs;
  }

  /** The time since the previous lap (or the start) was spent in `phase`. */
  lap(phase: string): void {
    const now = performance.now();
    this.ms[phase] = Math.round((this.ms[phase] ?? 0) + now - this.last);
    this.last = now;
    const faults = minorPageFaults();
    this.pageFaults[phase] = (this.pageFaults[phase] ?? 0) + faults - this.lastFaults;
    this.lastFaults = faults;
  }
}

/** one getrusage(2): a dozen an apply cost nothing measurable */
function minorPageFaults(): number {
  return process.resourceUsage().minorPageFault;
}
