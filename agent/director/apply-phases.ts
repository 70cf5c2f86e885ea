// How long each part of one apply took, for its "director apply finished" log line: where a
// slow apply spends its time (reading the kernel, the batch, the read-back, the report), on a
// production director, without a profiler.
import { performance } from 'node:perf_hooks';

export class ApplyPhases {
  private last = performance.now();
  /** ms per phase, rounded; a phase met twice adds up */
  readonly ms: Record<string, number> = {};

  /** The time since the previous lap (or the start) was spent in `phase`. */
  lap(phase: string): void {
    const now = performance.now();
    this.ms[phase] = Math.round((this.ms[phase] ?? 0) + now - this.last);
    this.last = now;
  }
}
