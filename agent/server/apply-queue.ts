// Runs one apply at a time, in arrival order: two rollouts racing on one director must not
// interleave their kernel changes. On shutdown the queue closes: the task in flight
// finishes, the ones still waiting are refused.
export class QueueClosedError extends Error {
  constructor() {
    super('the agent is shutting down; run the rollout again once it is back');
  }
}

export class ApplyQueue {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;
  private waiting = 0;

  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new QueueClosedError());
    this.waiting += 1;
    const result = this.tail.then(() => {
      this.waiting -= 1;
      if (this.closed) throw new QueueClosedError();
      return task();
    });
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** tasks queued behind the one running */
  get queued(): number {
    return this.waiting;
  }

  close(): void {
    this.closed = true;
  }

  /** resolves when the task in flight (if any) and everything queued has settled */
  idle(): Promise<void> {
    return this.tail;
  }
}
