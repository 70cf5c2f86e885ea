// The frame every check runs in: it resolves exactly once, with its latency, never rejects,
// and clears its timers and closes its sockets however it ends.
import type { ProbeResult } from '../../../lvs/health/types';

export type Finish = (ok: boolean, detail: string) => void;

export interface CheckFrame {
  finish: Finish;
  /** runs when the check settles, whichever way (timers cleared, sockets destroyed) */
  onSettle(cleanup: () => void): void;
  /** fails the check with `detail` after `ms`, unless it settled before; returns what calls it off */
  deadline(ms: number, detail: () => string): () => void;
  started: bigint;
  /** the check has ended (its result is given): work that comes later starts nothing */
  readonly settled: boolean;
}

export function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * Runs `run` in a frame whose overall deadline is `timeoutMs` (the check's "timeout"):
 * a check that is still running then fails with `timeoutDetail()`.
 */
export function settleOnce(timeoutMs: number, timeoutDetail: () => string, run: (frame: CheckFrame) => void): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve) => {
    const started = process.hrtime.bigint();
    const cleanups: (() => void)[] = [];
    let done = false;
    const finish: Finish = (ok, detail) => {
      if (done) return;
      done = true;
      for (const cleanup of cleanups.splice(0)) {
        try {
          cleanup();
        } catch {
          // a socket that is already gone: nothing left to close
        }
      }
      resolve({ ok, latencyMs: elapsedMs(started), detail });
    };
    const frame: CheckFrame = {
      finish,
      started,
      get settled() {
        return done;
      },
      onSettle: (cleanup) => {
        if (done) cleanup();
        else cleanups.push(cleanup);
      },
      deadline: (ms, detail) => {
        const timer = setTimeout(() => finish(false, detail()), ms);
        const cancel = (): void => clearTimeout(timer);
        frame.onSettle(cancel);
        return cancel;
      },
    };
    frame.deadline(timeoutMs, timeoutDetail);
    try {
      run(frame);
    } catch (err) {
      finish(false, err instanceof Error ? err.message : String(err));
    }
  });
}
