// Runs async tasks one at a time, in arrival order: the one promise queue of the project
// (apply requests, writes to the IPVS table, a realserver's checks, the health monitor's
// weight decisions). A failed task does not block the ones behind it. Once closed, tasks
// still waiting and new ones are refused with the closing error; the one running finishes.
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private closedWith: (() => Error) | undefined;
  private waiting = 0;

  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith());
    this.waiting += 1;
    const result = this.tail.then(() => {
      this.waiting -= 1;
      if (this.closedWith) throw this.closedWith();
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

  /** Refuses every task not yet started, with the error `reason` makes. */
  close(reason: () => Error): void {
    this.closedWith = reason;
  }

  /** resolves when the task in flight (if any) and everything queued has settled */
  idle(): Promise<void> {
    return this.tail;
  }
}
