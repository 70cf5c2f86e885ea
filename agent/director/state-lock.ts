// One director agent changes its IPVS table and its state dir from two places: an apply and
// the drain sweep on a timer. Both run through this queue, keyed by state dir, so neither
// reads the ownership file or the table while the other is half-way through changing them.
import * as path from 'node:path';

const tails = new Map<string, Promise<unknown>>();

/** Runs task after every task queued before it on the same state dir; a failure does not block the queue. */
export function serializedOn<T>(stateDir: string, task: () => Promise<T>): Promise<T> {
  const key = path.resolve(stateDir);
  const run = (tails.get(key) ?? Promise.resolve()).then(task);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  // Forget an idle queue, so a long-lived process does not keep one entry per state dir ever used.
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return run;
}
