// Time as the health monitor sees it: injected, so tests drive it without waiting.
export interface Clock {
  now(): Date;
  /** runs fn once after ms; returns a function that cancels it */
  after(ms: number, fn: () => void): () => void;
}

/** Real time. Timers are unref'd: health loops alone must not keep the agent process alive. */
export const realClock: Clock = {
  now: () => new Date(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
