// Runs the drain sweep on a timer, so a realserver dropped from the plan is deleted once its
// connections end even when no rollout comes after. Sweeps never overlap; a failed sweep is
// logged and tried again at the next tick (the drain list keeps what is still in the kernel).
import { errorMessage } from '../../lvs/errors';
import type winston from 'winston';
import type { DrainSweepResult } from './drain-sweeper';

export interface DrainTimer {
  stop(): Promise<void>;
}

export interface DrainTimerOptions {
  sweeper: { sweep(): Promise<DrainSweepResult> };
  intervalMs: number;
  logger: winston.Logger;
  /** injected for tests */
  setInterval?: (fn: () => void, ms: number) => { unref?: () => void };
  clearInterval?: (handle: unknown) => void;
}

export function startDrainTimer(opts: DrainTimerOptions): DrainTimer {
  const set = opts.setInterval ?? ((fn, ms) => setInterval(fn, ms));
  const clear = opts.clearInterval ?? ((h) => clearInterval(h as NodeJS.Timeout));
  let running: Promise<void> | undefined;
  const tick = (): void => {
    if (running) return;
    running = opts.sweeper
      .sweep()
      .then((result) => {
        if (result.removed.length > 0) opts.logger.info('drained realservers deleted', { removed: result.removed, waiting: result.waiting });
      })
      .catch((error: unknown) => {
        opts.logger.warn('drain sweep failed; trying again at the next tick', { error: errorMessage(error) });
      })
      .finally(() => {
        running = undefined;
      });
  };
  const handle = set(tick, opts.intervalMs);
  handle.unref?.();
  return {
    async stop() {
      clear(handle);
      await running;
    },
  };
}
